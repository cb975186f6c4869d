import { Database } from "bun:sqlite";
import { chmodSync, closeSync, openSync, statSync } from "node:fs";
import { join } from "node:path";
import { ensureWritableDir } from "./data-dir.ts";
import { MIGRATIONS } from "./migrations.ts";
import { preferIncrementalVacuum } from "./vacuum.ts";

export const DB_FILE = "portal.sqlite";

/** Opens (creating if needed) the portal's database under dataDir and migrates it. */
export function openDatabase(dataDir: string): Database {
  let db: Database;
  if (dataDir === ":memory:") db = new Database(":memory:", { strict: true });
  else {
    ensureWritableDir(dataDir);
    const file = join(dataDir, DB_FILE);
    // Token hashes and sealed replies: for the portal's user only (SQLite gives -wal/-shm the same mode).
    closeSync(openSync(file, "a", 0o600));
    // An older file loses its group and other bits, and keeps the owner's (a read-only file stays so).
    const mode = statSync(file).mode & 0o777;
    if (mode & 0o077) chmodSync(file, mode & 0o700);
    db = new Database(file, { create: true, strict: true });
  }
  try {
    // First, before anything touches the file: another process (a `sqlite3 .backup`, a second
    // portal, the bench seeding) may hold a lock for a moment.
    db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // Before WAL, which writes the file's first page: the mode is set for free only on an empty file.
    preferIncrementalVacuum(db);
    switchToWal(db);
    db.exec("PRAGMA synchronous = NORMAL");
    db.exec("PRAGMA foreign_keys = ON");
    migrate(db);
    // SQLite quietly opens a file it cannot write read-only; a portal that cannot write
    // must not start and look healthy.
    probeWrite(db);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

const BUSY_TIMEOUT_MS = 5000;
const WAL_SWITCH_BUDGET_MS = 15_000;

/**
 * Switching to WAL needs an exclusive lock, and SQLite may answer SQLITE_BUSY at once,
 * without waiting out the busy timeout (e.g. while another connection holds a read lock),
 * so the switch is retried for a while before giving up.
 */
function switchToWal(db: Database): void {
  const deadline = Date.now() + WAL_SWITCH_BUDGET_MS;
  for (let pause = 50; ; pause = Math.min(pause * 2, 1000)) {
    try {
      db.exec("PRAGMA journal_mode = WAL");
      return;
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (typeof code !== "string" || !code.startsWith("SQLITE_BUSY") || Date.now() + pause > deadline) throw err;
      Bun.sleepSync(pause);
    }
  }
}

/** A real, committed write (the one row of health_probe): a read still works on a read-only or full disk. */
export function probeWrite(db: Database): void {
  db.query("INSERT INTO health_probe (id, at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET at = excluded.at").run(new Date().toISOString());
}

export function migrate(db: Database): void {
  const current = (db.query("PRAGMA user_version").get() as { user_version: number }).user_version;
  for (const [version, migration] of MIGRATIONS.entries()) {
    if (version < current) continue;
    db.transaction(() => {
      db.exec(migration);
      db.exec(`PRAGMA user_version = ${version + 1}`);
    })();
  }
}
