import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config.ts";
import { createLogger } from "../../src/log.ts";
import { type Portal, startPortal } from "../../src/portal.ts";
import { startSandbox } from "../../src/sandbox/index.ts";
import { openDatabase } from "../../src/store/db.ts";
import { Store } from "../../src/store/index.ts";
import { MIGRATIONS } from "../../src/store/migrations.ts";
import { ADMIN_TOKEN, SANDBOX_KEY, portalEnv, readEvents, waitFor } from "../support/harness.ts";
import { type HistoryTemplates, seedHistory } from "../support/history.ts";

/**
 * The present costs what it costs, whatever the history: a real portal on a store with a
 * seeded year of history records every SQL statement its hot paths run (the idle pass, the
 * details, an operation, the stack list, metrics, capacity, the reconciler, a deployment's
 * snapshot and events, the name check), and each one's query plan is checked:
 *  - no history table (deployments, their events, reports and images, the audit log) and not
 *    the stacks table is read whole, except through an index that holds only the present;
 *  - a stack's deployments are read through its index newest first, and only as many as the
 *    LIMIT asks, with no other condition to test on each row: the running operation of a
 *    stack (issue 31: every deployment it ever had was read to test its status) has an index
 *    of running rows of its own.
 */

const HISTORY = new Set(["deployments", "deployment_events", "deployment_reports", "deployment_images", "audit"]);
/** Partial indexes whose rows are the present only: running deployments, live or recently gone stacks. */
// stacks_volumes_kept: gone stacks whose volumes are kept, the ones within their hold (volume-reaper.ts lets the rest go).
const PRESENT_INDEXES = new Set([
  "deployments_running",
  "deployments_running_stack",
  "stacks_live",
  "stacks_live_name",
  // Only the live stacks of the warm pool (migration 15).
  "stacks_pooled",
  "stacks_recently_gone",
  "stacks_volumes_kept",
]);
/** Partial indexes over history that only count it: fine when the index alone answers (covering). */
const COUNTING_INDEXES = new Set(["stacks_gone"]);
const KEYWORDS = new Set(["where", "join", "on", "order", "group", "limit", "left", "inner", "set", "using", "as", "values", "select", "union"]);

/** alias -> table, from the statement's FROM and JOIN clauses. */
function tablesOf(sql: string): Map<string, string> {
  const aliases = new Map<string, string>();
  for (const m of sql.matchAll(/\b(?:FROM|JOIN|UPDATE|INTO)\s+(\w+)(?:\s+(?:AS\s+)?(\w+))?/gi)) {
    const table = m[1]!.toLowerCase();
    aliases.set(table, table);
    if (m[2] && !KEYWORDS.has(m[2].toLowerCase())) aliases.set(m[2].toLowerCase(), table);
  }
  return aliases;
}

function planOf(db: Database, sql: string): string[] {
  return (db.query(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail);
}

/** What is wrong with a statement's plan by the rules above (empty: nothing). */
function violations(db: Database, sql: string): string[] {
  const plan = planOf(db, sql);
  const tables = tablesOf(sql);
  const found: string[] = [];
  for (const line of plan) {
    const scan = /^SCAN (\w+)(?: USING (?:COVERING )?INDEX (\w+))?/.exec(line);
    if (scan) {
      const table = tables.get(scan[1]!.toLowerCase());
      if (table && (HISTORY.has(table) || table === "stacks") && !(scan[2] && PRESENT_INDEXES.has(scan[2])))
        found.push(`reads all of ${table}: ${line}`);
    }
    const counting = /USING (COVERING )?INDEX (\w+)/.exec(line);
    if (counting && COUNTING_INDEXES.has(counting[2]!) && !counting[1]) found.push(`reads every row ${counting[2]} counts: ${line}`);
    if (/USING INDEX deployments_stack\b/.test(line)) {
      if (!/\bLIMIT\b/i.test(sql)) found.push(`reads every deployment of a stack (no LIMIT): ${line}`);
      if (plan.some((l) => l.includes("TEMP B-TREE FOR ORDER BY"))) found.push(`sorts every deployment of a stack: ${line}`);
      if (/\bstatus\s*(=|IN|!=)/i.test(sql)) found.push(`tests each deployment of a stack for its status: ${line}`);
    }
  }
  return found;
}

const isStatement = (sql: string) => /^\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b/i.test(sql);

describe("the rules catch what issue 31 measured", () => {
  test("the running operation's old plan (before migration 12) reads the stack's whole history", () => {
    const db = new Database(":memory:");
    for (const migration of MIGRATIONS.slice(0, 11)) db.exec(migration);
    const runningFor = `SELECT d.*, s.name AS stack_name FROM deployments d JOIN stacks s ON s.id = d.stack_id WHERE d.stack_id = ? AND d.status = 'running' ORDER BY d.created_at DESC LIMIT 1`;
    expect(violations(db, runningFor)).toEqual([expect.stringContaining("tests each deployment of a stack for its status")]);
    expect(violations(db, "SELECT status, COUNT(*) AS n FROM stacks GROUP BY status")).toEqual([expect.stringContaining("reads all of stacks")]);
    db.close();
  });
});

describe("hot paths on a year of history", () => {
  let sandbox: Awaited<ReturnType<typeof startSandbox>>;
  let portal: Portal;
  let dir: string;
  const seen = new Set<string>();
  let recording = false;
  let token = "";
  const names = ["hana", "ivo", "jet"];

  beforeAll(async () => {
    sandbox = await startSandbox({ apiKey: SANDBOX_KEY, deployDurationMs: 30, stackStartMs: 10 });
    dir = mkdtempSync(join(tmpdir(), "history-plans-"));
    const db = openDatabase(dir);
    // Every statement the portal runs while recording, as the repositories ask for it.
    const query = db.query.bind(db);
    const prepare = db.prepare.bind(db);
    Object.assign(db, {
      query: (sql: string) => {
        if (recording) seen.add(sql);
        return query(sql);
      },
      prepare: (sql: string, ...rest: unknown[]) => {
        // The repositories prepare some statements once, up front (the name check's): kept as hot.
        if (recording || !portal) seen.add(sql);
        return (prepare as (...a: unknown[]) => ReturnType<Database["prepare"]>)(sql, ...rest);
      },
    });
    const config = loadConfig(
      portalEnv(sandbox.url, dir, { RETENTION_INTERVAL: "0", IDLE_STOP_AFTER: "4h", IDLE_CHECK_INTERVAL: "150ms", RECONCILE_INTERVAL: "0" }),
    );
    portal = await startPortal({
      config,
      store: new Store(db),
      log: createLogger({ level: "silent", secrets: [] }),
      mode: "dokploy",
      dokployUrl: sandbox.url,
      dokployApiKey: SANDBOX_KEY,
      cleanup: { attempts: 2, baseDelayMs: 20 },
    });
    for (const name of names) {
      const res = await fetch(`${portal.url}/api/deploy`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name }),
      });
      const body = (await res.json()) as { managementToken: string; eventsUrl: string };
      if (name === "hana") token = body.managementToken;
      await readEvents(`${portal.url}${body.eventsUrl}`);
    }
    const templates = {} as HistoryTemplates;
    for (const op of ["stop", "start", "redeploy"] as const) templates[op] = await operate(op);
    await portal.runner.settle();
    const ids = names.map((n) => portal.store.stacks.live(n)!.id);
    const seeded = seedHistory(portal.store.db, templates, { stackIds: ids, days: 365 });
    expect(seeded.operations).toBe(3 * 678);
  });
  afterAll(async () => {
    await portal.runner.settle();
    await portal.stop();
    await sandbox.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function operate(op: string): Promise<string> {
    const res = await fetch(`${portal.url}/api/stacks/hana/${op}`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { deploymentId: string; eventsUrl: string };
    await readEvents(`${portal.url}${body.eventsUrl}`);
    return body.deploymentId;
  }

  const idleChecks = async () => {
    const text = await (await fetch(`${portal.url}/metrics`)).text();
    return [...text.matchAll(/^portal_idle_checks_total\{[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
  };
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

  test("every statement of the hot paths reads the present only", async () => {
    recording = true;
    // The idle pass, twice over every stack.
    const before = await idleChecks();
    await waitFor(idleChecks, (n) => n >= before + 2 * names.length, "two idle passes");
    const owner = { authorization: `Bearer ${token}` };
    expect((await fetch(`${portal.url}/api/stacks/hana/details`, { headers: owner })).status).toBe(200);
    const last = await operate("stop");
    await operate("start");
    expect((await fetch(`${portal.url}/api/deployments/${last}`, { headers: owner })).status).toBe(200);
    await readEvents(`${portal.url}/api/deployments/${last}/events`);
    expect((await fetch(`${portal.url}/api/stacks`, { headers: admin })).status).toBe(200);
    expect((await fetch(`${portal.url}/api/admin/capacity`, { headers: admin })).status).toBe(200);
    const reconcile = await fetch(`${portal.url}/api/admin/reconcile`, {
      method: "POST",
      headers: { ...admin, "content-type": "application/json" },
      body: JSON.stringify({ apply: false }),
    });
    expect(reconcile.status).toBe(200);
    expect((await fetch(`${portal.url}/metrics`)).status).toBe(200);
    expect((await fetch(`${portal.url}/api/stacks/hana`)).status).toBe(200);
    expect((await fetch(`${portal.url}/api/check/hana`)).status).toBe(200);
    expect((await fetch(`${portal.url}/api/check/someone-new`)).status).toBe(200);
    recording = false;

    const statements = [...seen].filter(isStatement);
    expect(statements.length).toBeGreaterThan(20);
    const db = portal.store.db;
    const bad = statements.flatMap((sql) => violations(db, sql).map((v) => `${v}\n    in: ${sql.replace(/\s+/g, " ").trim()}`));
    if (process.env.SHOW_PLANS)
      for (const sql of statements) console.log(sql.replace(/\s+/g, " ").slice(0, 150), "\n   ", planOf(db, sql).join(" / "));
    expect(bad).toEqual([]);

    // The running operation of a stack (the idle pass, the details, every operation) is looked up among running rows only.
    const runningFor = statements.filter((sql) => /d\.stack_id = \? AND d\.status = 'running'/.test(sql));
    expect(runningFor).toHaveLength(1);
    expect(planOf(db, runningFor[0]!).join("\n")).toContain("USING INDEX deployments_running_stack");
    // And the history is really there: hana has a year of it.
    const rows = db.query("SELECT COUNT(*) AS n FROM deployments d JOIN stacks s ON s.id = d.stack_id WHERE s.name = 'hana'").get() as { n: number };
    expect(rows.n).toBeGreaterThan(678);
  });
});
