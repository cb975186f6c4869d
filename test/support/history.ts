import type { Database } from "bun:sqlite";

/**
 * A year (or any number of days) of history in the shape the portal writes, built in seconds
 * with a few INSERT ... SELECTs: the real rows of one stop, one start and one redeploy (their
 * deployment, events and audit entry, made by a real portal) copied for every stack, each
 * stopped and started on 6 days of 7 and redeployed on the 7th, ending at `endMs`. Rows go
 * in in time order, as the portal would have written them: the audit entries already there
 * are moved after the copies, so id order stays time order.
 */

export interface HistoryTemplates {
  /** Deployment ids of a finished stop, start and redeploy. */
  stop: string;
  start: string;
  redeploy: string;
}

export interface SeededHistory {
  operations: number;
  events: number;
  audit: number;
  /** The oldest operation's time. */
  fromMs: number;
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

export function seedHistory(db: Database, templates: HistoryTemplates, opts: { stackIds: number[]; days: number; endMs?: number }): SeededHistory {
  const endMs = opts.endMs ?? Date.now() - HOUR_MS;
  const fromMs = endMs - opts.days * DAY_MS;
  const iso = (ms: number) => new Date(ms).toISOString();
  return db.transaction(() => {
    db.exec("DROP TABLE IF EXISTS temp.seed_ops");
    db.exec(
      "CREATE TEMP TABLE seed_ops (n INTEGER PRIMARY KEY, id TEXT NOT NULL, stack_id INTEGER NOT NULL, template TEXT NOT NULL, at TEXT NOT NULL, ended TEXT NOT NULL)",
    );
    const add = db.prepare("INSERT INTO seed_ops (id, stack_id, template, at, ended) VALUES (?, ?, ?, ?, ?)");
    const spread = Math.max(1, opts.stackIds.length);
    for (let day = 0; day < opts.days; day++) {
      const dayStart = fromMs + day * DAY_MS;
      const ops: [string, number][] =
        day % 7 < 6
          ? [
              [templates.stop, 9 * HOUR_MS],
              [templates.start, 10 * HOUR_MS],
            ]
          : [[templates.redeploy, 12 * HOUR_MS]];
      for (const [template, offset] of ops) {
        for (const [i, stackId] of opts.stackIds.entries()) {
          // The fleet's operations spread over an hour, a few seconds each.
          const at = dayStart + offset + Math.floor((i * HOUR_MS) / spread);
          add.run(crypto.randomUUID(), stackId, template, iso(at), iso(at + 5_000));
        }
      }
    }
    const operations = db
      .query(
        `INSERT INTO deployments (id, stack_id, kind, status, step, error_code, error_message, leftovers, created_at, updated_at, finished_at, dokploy_baseline)
         SELECT o.id, o.stack_id, t.kind, t.status, t.step, t.error_code, t.error_message, t.leftovers, o.at, o.ended, o.ended, t.dokploy_baseline
         FROM seed_ops o JOIN deployments t ON t.id = o.template ORDER BY o.n`,
      )
      .run().changes;
    const events = db
      .query(
        `INSERT INTO deployment_events (deployment_id, seq, type, data)
         SELECT o.id, e.seq, e.type, e.data FROM seed_ops o JOIN deployment_events e ON e.deployment_id = o.template ORDER BY o.n, e.seq`,
      )
      .run().changes;
    db.exec("DROP TABLE IF EXISTS temp.audit_now");
    db.exec("CREATE TEMP TABLE audit_now AS SELECT * FROM audit ORDER BY id");
    db.exec("DELETE FROM audit");
    const audit = db
      .query(
        `INSERT INTO audit (at, action, stack_name, deployment_id, client, actor, outcome, detail, person)
         SELECT o.at, a.action, s.name, o.id, a.client, a.actor, a.outcome, a.detail, a.person
         FROM seed_ops o JOIN audit_now a ON a.deployment_id = o.template JOIN stacks s ON s.id = o.stack_id ORDER BY o.n`,
      )
      .run().changes;
    db.exec(
      `INSERT INTO audit (at, action, stack_name, deployment_id, client, actor, outcome, detail, person)
       SELECT at, action, stack_name, deployment_id, client, actor, outcome, detail, person FROM audit_now ORDER BY id`,
    );
    db.exec("DROP TABLE temp.audit_now");
    db.exec("DROP TABLE temp.seed_ops");
    return { operations, events, audit, fromMs };
  })();
}
