import { Database } from "bun:sqlite";

/**
 * A second process holding a lock on a SQLite database for a while, as `sqlite3 .backup`
 * (a read lock) or another writer (an exclusive lock) would:
 *   bun test/support/hold-lock.ts <file> <read|exclusive> <ms>
 * Prints "locked" once it holds the lock, and exits after releasing it.
 */
const [file, kind, ms] = process.argv.slice(2);
const db = new Database(file ?? "", { create: true });
db.exec("CREATE TABLE IF NOT EXISTS held (x)");
if (kind === "read") {
  db.exec("BEGIN");
  db.query("SELECT count(*) FROM held").get();
} else db.exec("BEGIN EXCLUSIVE");
console.log("locked");
Bun.sleepSync(Number(ms));
db.exec("COMMIT");
db.close();
