import { Database } from "bun:sqlite";
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DB_FILE } from "../../src/store/db.ts";
import { Store } from "../../src/store/index.ts";
import { MIGRATIONS } from "../../src/store/migrations.ts";

/**
 * A data file of the schema before migration 12 (retention), as a portal of that release left
 * it, upgraded in place: every row it needs is kept, the queue's redundant "number N in line"
 * events of finished deploys are thinned to the first and the last, and the file is rewritten
 * once for incremental vacuum, so retention can give space back.
 */

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A file at schema 11, made the way that release made it (no auto_vacuum, WAL). */
function previousRelease(): string {
  const dir = mkdtempSync(join(tmpdir(), "portal-migration-"));
  dirs.push(dir);
  const db = new Database(join(dir, DB_FILE), { create: true, strict: true });
  db.exec("PRAGMA journal_mode = WAL");
  for (const [version, migration] of MIGRATIONS.slice(0, 11).entries()) {
    db.exec(migration);
    db.exec(`PRAGMA user_version = ${version + 1}`);
  }
  const at = "2026-01-05T10:00:00.000Z";
  db.exec(`INSERT INTO stacks (id, name, status, url, token_hash, created_at, updated_at, ready_at, deleted_at) VALUES
    (1, 'old', 'ready', 'https://old.stacks.test', 'hash-old', '${at}', '${at}', '${at}', NULL),
    (2, 'gone', 'deleted', 'https://gone.stacks.test', 'hash-gone', '${at}', '${at}', NULL, '${at}')`);
  db.exec(`INSERT INTO deployments (id, stack_id, kind, status, step, created_at, updated_at, finished_at) VALUES
    ('done-deploy', 1, 'deploy', 'succeeded', 'ready', '${at}', '${at}', '${at}'),
    ('gone-delete', 2, 'delete', 'succeeded', 'done', '${at}', '${at}', '${at}'),
    ('now-running', 1, 'redeploy', 'running', NULL, '${at}', '${at}', NULL)`);
  const event = db.prepare("INSERT INTO deployment_events (deployment_id, seq, type, data) VALUES (?, ?, ?, ?)");
  const waiting = (position: number) => JSON.stringify({ status: "waiting", position, at, message: `number ${position} in line` });
  // A finished deploy that waited at 5, moving up to 1: the old queue wrote every move.
  event.run("done-deploy", 1, "status", JSON.stringify({ status: "accepted", at }));
  for (let p = 5; p >= 1; p--) event.run("done-deploy", 7 - p, "status", waiting(p));
  event.run("done-deploy", 7, "step", JSON.stringify({ step: "create_project", state: "started", at }));
  event.run("done-deploy", 8, "done", JSON.stringify({ status: "ready", at }));
  // A redeploy still waiting when the old portal stopped: its line is left as it was.
  event.run("now-running", 1, "status", waiting(3));
  event.run("now-running", 2, "status", waiting(2));
  db.exec(`INSERT INTO deployment_reports (deployment_id, cleanup, updated_at) VALUES ('gone-delete', '{}', '${at}')`);
  db.exec(
    `INSERT INTO audit (at, action, stack_name, deployment_id, actor, outcome) VALUES ('${at}', 'deploy', 'old', 'done-deploy', 'anonymous', 'accepted')`,
  );
  db.exec(`INSERT INTO idempotency (key_hash, name, deployment_id, sealed, created_at) VALUES ('k', 'old', 'done-deploy', 'sealed', '${at}')`);
  db.close();
  return dir;
}

describe("migration 12 on a file of the previous release", () => {
  test("keeps every row it needs, thins the queue's redundant events, and turns on incremental vacuum", () => {
    const dir = previousRelease();
    const store = Store.open(dir);
    try {
      const db = store.db;
      expect((db.query("PRAGMA user_version").get() as { user_version: number }).user_version).toBe(MIGRATIONS.length);
      expect(store.size().incremental).toBe(false);
      expect(store.convertToIncrementalVacuum()).toMatchObject({ converted: true });
      expect(store.size().incremental).toBe(true);
      expect(store.convertToIncrementalVacuum()).toMatchObject({ converted: false });

      const count = (table: string) => (db.query(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
      expect([count("stacks"), count("deployments"), count("deployment_reports"), count("audit"), count("idempotency")]).toEqual([2, 3, 1, 1, 1]);
      const positions = (id: string) =>
        store.deployments
          .events(id)
          .filter((e) => e.type === "status" && e.data.status === "waiting")
          .map((e) => (e.type === "status" ? e.data.position : null));
      expect(positions("done-deploy")).toEqual([5, 1]);
      expect(positions("now-running")).toEqual([3, 2]);
      expect(store.deployments.events("done-deploy").map((e) => e.seq)).toEqual([1, 2, 6, 7, 8]);
      expect(store.deployments.doneSeq("done-deploy")).toBe(8);

      // What the rows mean is unchanged.
      expect(store.deployments.runningFor(1)?.id).toBe("now-running");
      expect(store.deployments.byId("done-deploy")).toMatchObject({ status: "succeeded", historyPruned: false });
      expect(store.stacks.countByStatus()).toEqual({ ready: 1, deleted: 1 });
      expect(store.stacks.list().map((s) => s.name)).toEqual(["old"]);
      expect(store.stacks.holder("gone", "2025-01-01T00:00:00.000Z")).toMatchObject({ live: false, tokenHash: "hash-gone" });
      expect((db.query("PRAGMA integrity_check").get() as { integrity_check: string }).integrity_check).toBe("ok");
    } finally {
      store.close();
    }
  });

  test("a new file is incremental from the start: nothing to rewrite", () => {
    const dir = mkdtempSync(join(tmpdir(), "portal-migration-"));
    dirs.push(dir);
    const store = Store.open(dir);
    try {
      expect(store.size().incremental).toBe(true);
      expect(store.convertToIncrementalVacuum()).toEqual({ converted: false, ms: 0 });
    } finally {
      store.close();
    }
  });
});
