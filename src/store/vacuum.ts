import type { Database } from "bun:sqlite";

/**
 * Giving space back. SQLite keeps the pages that deletes free for reuse and never shrinks
 * the file, unless auto_vacuum is incremental: then `incremental_vacuum` moves pages from the
 * end of the file into the free ones and truncates it, a few at a time, in the background.
 */

const INCREMENTAL = 2;

/** A new file is incremental from its first page (the mode can change without VACUUM only while the file is empty). */
export function preferIncrementalVacuum(db: Database): void {
  if (pragma(db, "page_count") === 0) db.exec("PRAGMA auto_vacuum = INCREMENTAL");
}

export interface VacuumConversion {
  /** False: the file already was incremental. */
  converted: boolean;
  ms: number;
  /** Why the VACUUM failed (e.g. SQLITE_FULL): the file keeps its mode and the next start tries again. */
  error?: string;
}

/**
 * A file made before migration 12: one VACUUM rewrites it in the new mode. It needs free disk
 * about the size of the file (the copy goes through the WAL); without it the file stays as it
 * was, and freed pages are still reused, just not given back.
 */
export function convertToIncrementalVacuum(db: Database): VacuumConversion {
  if (pragma(db, "auto_vacuum") === INCREMENTAL) return { converted: false, ms: 0 };
  const started = performance.now();
  try {
    db.exec("PRAGMA auto_vacuum = INCREMENTAL");
    db.exec("VACUUM");
    // The rewrite went through the WAL: give that space back too.
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    return { converted: true, ms: performance.now() - started };
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    return { converted: false, ms: performance.now() - started, error: typeof code === "string" ? code : String(err) };
  }
}

/** Gives up to `pages` free pages back to the file system; returns how many it gave. */
export function vacuumStep(db: Database, pages: number): number {
  const before = pragma(db, "page_count");
  db.query(`PRAGMA incremental_vacuum(${Math.max(1, Math.floor(pages))})`).all();
  return before - pragma(db, "page_count");
}

/** After a pass: the WAL holds every page the pass wrote; truncate it once they are in the file. */
export function truncateWal(db: Database): void {
  db.query("PRAGMA wal_checkpoint(TRUNCATE)").all();
}

export interface DatabaseSize {
  /** The file's pages (the WAL not included). */
  bytes: number;
  /** Of those, free pages (reused by new rows, or given back by the next vacuum step). */
  freeBytes: number;
  pageSize: number;
  incremental: boolean;
}

export function databaseSize(db: Database): DatabaseSize {
  const pageSize = pragma(db, "page_size");
  return {
    bytes: pragma(db, "page_count") * pageSize,
    freeBytes: pragma(db, "freelist_count") * pageSize,
    pageSize,
    incremental: pragma(db, "auto_vacuum") === INCREMENTAL,
  };
}

function pragma(db: Database, name: string): number {
  const row = db.query(`PRAGMA ${name}`).get() as Record<string, number> | null;
  return row ? Number(Object.values(row)[0] ?? 0) : 0;
}
