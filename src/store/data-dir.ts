import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * DATA_DIR at start: it must be a directory this process can write, and the database in it
 * must open. Every failure becomes one line naming DATA_DIR and what to do, instead of a
 * stack trace; the process exits with 2 like a configuration error.
 */

export class DataDirError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DataDirError";
  }
}

/** Creates DATA_DIR if needed and proves that a file can be created in it. */
export function ensureWritableDir(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true });
  // access(W_OK) says yes to root on a read-only directory; only a real write tells.
  const probe = join(dataDir, `.write-probe-${process.pid}`);
  writeFileSync(probe, "");
  rmSync(probe, { force: true });
}

const BACKUPS = "see docs/operations.md, Backups";

/** The one line for an error met while opening the database under dataDir. */
export function explainOpenError(err: unknown, dataDir: string): DataDirError {
  const code = typeof err === "object" && err && "code" in err ? String((err as { code: unknown }).code) : "";
  const where = `DATA_DIR=${JSON.stringify(dataDir)}`;
  const uid = typeof process.getuid === "function" ? ` (uid ${process.getuid()})` : "";
  if (code === "EEXIST" || code === "ENOTDIR")
    return new DataDirError(`${where} is not a directory (a file is in the way, ${code}): point DATA_DIR at a directory, or move the file away`);
  if (code === "EACCES" || code === "EPERM" || code.startsWith("SQLITE_READONLY") || code === "SQLITE_CANTOPEN" || code === "SQLITE_PERM")
    return new DataDirError(
      `${where} is not writable by this process${uid} (${code}): give it write access to the directory and its portal.sqlite* files, or point DATA_DIR elsewhere`,
    );
  if (code === "ENOENT")
    return new DataDirError(`${where} cannot be created there (ENOENT): create the directory, or point DATA_DIR at a writable place`);
  if (code === "EROFS") return new DataDirError(`${where} is on a read-only file system (EROFS): mount a writable volume there`);
  if (code === "ENOSPC" || code === "SQLITE_FULL") return new DataDirError(`${where}: the disk is full (${code}): free space, then start again`);
  if (code === "SQLITE_NOTADB" || code.startsWith("SQLITE_CORRUPT"))
    return new DataDirError(
      `${where}: portal.sqlite is not a SQLite database or is damaged (${code}): restore it from a backup (${BACKUPS}), or move it and its -wal and -shm files away to start with an empty database`,
    );
  if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED"))
    return new DataDirError(
      `${where}: portal.sqlite stayed locked by another process (${code}): is another portal or a long-running sqlite3 using it? Stop that, then start again`,
    );
  const detail = (err instanceof Error ? err.message : String(err)).split("\n")[0];
  return new DataDirError(`${where}: could not open the database (${code ? `${code}, ` : ""}${detail}): check the directory and ${BACKUPS}`);
}
