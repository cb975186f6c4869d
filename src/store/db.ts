import { Database } from "bun:sqlite";
import { chmodSync, closeSync, mkdirSync, openSync } from "node:fs";
import { join } from "node:path";
import { MIGRATIONS } from "./migrations.ts";

export const DB_FILE = "portal.sqlite";

/** Opens (creating if needed) the portal's database under dataDir and migrates it. */
export function openDatabase(dataDir: string): Database {
  let db: Database;
  if (dataDir === ":memory:") db = new Database(":memory:", { strict: true });
  else {
    mkdirSync(dataDir, { recursive: true });
    const file = join(dataDir, DB_FILE);
    // Token hashes and sealed replies: for the portal's user only (SQLite gives -wal/-shm the same mode).
    closeSync(openSync(file, "a", 0o600));
    chmodSync(file, 0o600);
    db = new Database(file, { create: true, strict: true });
  }
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = NORMAL");
  db.exec("PRAGMA foreign_keys = ON");
  // Another process (a second portal, the bench seeding) may hold the write lock briefly.
  db.exec("PRAGMA busy_timeout = 5000");
  migrate(db);
  return db;
}

export function migrate(db: Database): void {
  const current = (db.query("PRAGMA user_version").get() as { user_version: number }).user_version;
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version]!);
      db.exec(`PRAGMA user_version = ${version + 1}`);
    })();
  }
}
