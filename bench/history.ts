/**
 * 8. history: what a year of history costs the present. 1,000 live stacks deployed through
 * the portal (the "plain" database), then a year of history seeded into copies of it in the
 * shape the portal writes (test/support/history.ts: each stack stopped and started on 6 days
 * of 7 and redeployed on the 7th, the real rows of one stop, start and redeploy copied):
 *  - "year, kept": the whole year, retention off (HISTORY_RETENTION=0, AUDIT_RETENTION=0):
 *    what the queries cost with all of it in the file;
 *  - "year, default retention": the same after the portal's own background pruning caught
 *    up with the default settings (its catch-up is measured too: time, CPU, rows, and the
 *    name check's latency while it runs).
 * Each variant then runs on a fresh portal process against the same sandbox, one after the
 * other, with the same settings (idle checks every 20 s, background retention off while
 * measuring), and the bench prints each figure and its ratio to the plain one: database
 * file, idle CPU in 60 s, the details' median, the name check's p99 during an idle pass, a
 * stop and a start, start-up, RSS, the stack list, capacity, metrics and a new deploy.
 * Targets (issue 31): idle CPU, details, the name check's p99 during the idle pass and a
 * stop/start within 1.2x of the plain figures; the year's file at the default retention
 * under 300 MB per 1,000 stacks.
 *
 * BENCH_HISTORY_STACKS (1000), BENCH_HISTORY_DAYS (365), BENCH_HISTORY_IDLE_S (60) and
 * BENCH_HISTORY_IDLE_INTERVAL_S (20) make it smaller for a quick look; the verdicts are for
 * the full size.
 */
import { Database } from "bun:sqlite";
import { copyFileSync, existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { DB_FILE } from "../src/store/db.ts";
import { type HistoryTemplates, seedHistory } from "../test/support/history.ts";
import { runBench } from "./lib/bench.ts";
import { load } from "./lib/load.ts";
import { type PortalProcess, portalEnv, rssKiB, startPortalProcess, startSandboxProcess, tempDir } from "./lib/proc.ts";
import { watchUsage } from "./lib/proc-usage.ts";
import { figure, progress, type TargetResult, verdict } from "./lib/report.ts";
import { deployAll, postDeploy, readSse, wallNow } from "./lib/sse.ts";
import { median, percentile, r } from "./lib/stats.ts";

const BENCH = "history";
const STACKS = Number(process.env.BENCH_HISTORY_STACKS ?? 1000);
const DAYS = Number(process.env.BENCH_HISTORY_DAYS ?? 365);
const IDLE_S = Number(process.env.BENCH_HISTORY_IDLE_S ?? 60);
const IDLE_INTERVAL_S = Number(process.env.BENCH_HISTORY_IDLE_INTERVAL_S ?? 20);
const TARGET = 1.2;
const FILE_TARGET_MB_PER_1000 = 300;
/** Deploys at once while making the stacks (and Dokploy's build concurrency). */
const SEED_CONCURRENCY = 20;
/** Name checks per second while an idle pass runs (and during the catch-up). */
const CHECK_RATE = 200;
const DETAILS_REQUESTS = 200;
const READS = 20;
const POWER_CYCLES = 5;
const NEW_DEPLOYS = 5;
const ADMIN_TOKEN = "bench-admin-token-0123456789abcdef";
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
const stackName = (i: number) => `hist-${String(i).padStart(4, "0")}`;

type Variant = "plain" | "year_kept" | "year_default";
const VARIANTS: Variant[] = ["plain", "year_kept", "year_default"];

/** The same settings for every portal; only retention differs where said. */
function env(sandboxUrl: string, dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return portalEnv(sandboxUrl, dataDir, {
    ADMIN_TOKEN,
    RATE_LIMIT_OPERATIONS: "off",
    RATE_LIMIT_AUTH: "off",
    MAX_CONCURRENT_DEPLOYS: String(SEED_CONCURRENCY),
    // The sandbox's one node would hold only 128 stacks at the default reservation.
    STACK_MEMORY_RESERVATION: "none",
    IDLE_CHECK_INTERVAL: `${IDLE_INTERVAL_S}s`,
    // Measured on its own (the catch-up): while measuring, no pass runs.
    RETENTION_INTERVAL: "0",
    ...extra,
  });
}

const fileBytes = (dir: string) =>
  ["", "-wal"].reduce((n, s) => n + (existsSync(join(dir, DB_FILE + s)) ? statSync(join(dir, DB_FILE + s)).size : 0), 0);
const mb = (bytes: number) => r(bytes / 1e6, 1);
/** The database of a stopped portal, with its WAL if one was left. */
function copyDatabase(from: string, to: string): void {
  for (const suffix of ["", "-wal"])
    if (existsSync(join(from, DB_FILE + suffix))) copyFileSync(join(from, DB_FILE + suffix), join(to, DB_FILE + suffix));
}

async function timed(fn: () => Promise<Response>): Promise<number> {
  const t0 = performance.now();
  const res = await fn();
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`HTTP ${res.status} ${res.url}`);
  return performance.now() - t0;
}

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "gm"))].reduce((n, m) => n + Number(m[1]), 0);
}

/** An owner operation by the admin, POST until its done event (ms). */
async function operate(url: string, name: string, op: string): Promise<{ ms: number; id: string }> {
  const sentAt = wallNow();
  const res = await fetch(`${url}/api/stacks/${name}/${op}`, { method: "POST", headers: admin });
  const body = (await res.json()) as any;
  if (res.status !== 202) throw new Error(`${op} ${name}: HTTP ${res.status} ${JSON.stringify(body)}`);
  const events = await readSse(`${url}${body.eventsUrl}`, { until: (e) => e.event === "done" });
  const done = events.at(-1)!;
  if (done.data.status === "failed") throw new Error(`${op} ${name} failed: ${JSON.stringify(done.data)}`);
  return { ms: done.receivedAt - sentAt, id: body.deploymentId };
}

function checkPaths(): string[] {
  const paths: string[] = [];
  for (let k = 0; k < 10; k++) paths.push(`/api/check/free-${k}`, `/api/check/${stackName(Math.floor((k * STACKS) / 10))}`, "/api/check/Bad_Name");
  return paths;
}

/** Everything measured on one variant's portal. */
async function measure(variant: Variant, sandboxUrl: string, dir: string, extra: Record<string, string>) {
  const portal: PortalProcess = await startPortalProcess(env(sandboxUrl, dir, extra), `portal-${variant}`);
  const { url } = portal;
  try {
    // Warm-up: the first of each costs JIT and caches, on every variant alike.
    for (const path of ["/api/stacks?limit=1000", "/api/admin/capacity", `/api/stacks/${stackName(1)}/details`])
      await timed(() => fetch(`${url}${path}`, { headers: admin }));
    await timed(() => fetch(`${url}/metrics`));
    await Bun.sleep(2_000);
    const rss = rssKiB(portal.child.pid);

    // The idle portal: nothing but its idle checks (every IDLE_INTERVAL_S) for IDLE_S.
    const usage = watchUsage(portal.child.pid);
    await Bun.sleep(IDLE_S * 1000);
    const idle = usage.stop();

    // The name check while an idle pass runs: from the moment a pass starts, for one interval.
    const checksBefore = await metric(url, "portal_idle_checks_total");
    const deadline = Date.now() + (IDLE_INTERVAL_S + 10) * 1000;
    while ((await metric(url, "portal_idle_checks_total")) === checksBefore && Date.now() < deadline) await Bun.sleep(50);
    const checks = await load({ url, paths: checkPaths(), connections: 4, durationS: IDLE_INTERVAL_S, overallRate: CHECK_RATE });
    const idleChecksInWindow = (await metric(url, "portal_idle_checks_total")) - checksBefore;

    const details: number[] = [];
    for (let i = 0; i < DETAILS_REQUESTS; i++) {
      const name = stackName(1 + (i % Math.min(STACKS - 1, 100)));
      details.push(await timed(() => fetch(`${url}/api/stacks/${name}/details`, { headers: admin })));
    }
    const reads = async (path: string, headers: Record<string, string> = admin) => {
      const times: number[] = [];
      for (let i = 0; i < READS; i++) times.push(await timed(() => fetch(`${url}${path}`, { headers })));
      return r(median(times));
    };
    const stackList = await reads("/api/stacks?limit=1000");
    const capacity = await reads("/api/admin/capacity");
    const metrics = await reads("/metrics", {});

    const stops: number[] = [];
    const starts: number[] = [];
    for (let i = 0; i < POWER_CYCLES; i++) {
      const name = stackName(1 + i);
      stops.push((await operate(url, name, "stop")).ms);
      starts.push((await operate(url, name, "start")).ms);
    }
    const deploys: number[] = [];
    // The first deploy of a process warms its paths up; it is not counted.
    for (let i = -1; i < NEW_DEPLOYS; i++) {
      const d = await postDeploy(url, `new-${variant.replace("_", "-")}-${i + 1}`);
      const events = await readSse(d.eventsUrl, { until: (e) => e.event === "done" });
      if (i >= 0) deploys.push(events.at(-1)!.receivedAt - d.sentAt);
    }
    const databaseBytes = await metric(url, "portal_database_bytes");
    await portal.child.stop();
    const row = {
      file_mb: mb(fileBytes(dir)),
      database_mb: mb(databaseBytes),
      idle_cpu_ms: idle.cpu_ms,
      idle_rss_mib: idle.rss_median_mib,
      details_median_ms: r(median(details)),
      details_p99_ms: r(percentile(details, 99)),
      check_p99_during_idle_pass_ms: checks.p99_ms,
      check_p50_during_idle_pass_ms: checks.p50_ms,
      check_requests: checks.requests,
      idle_checks_in_window: idleChecksInWindow,
      stop_median_ms: r(median(stops)),
      start_median_ms: r(median(starts)),
      start_up_ms: r(portal.startMs, 1),
      rss_after_start_mib: r(rss / 1024, 1),
      stack_list_median_ms: stackList,
      capacity_median_ms: capacity,
      metrics_median_ms: metrics,
      new_deploy_median_ms: r(median(deploys)),
    };
    figure(BENCH, { figure: "variant", variant, ...row });
    return row;
  } finally {
    await portal.child.stop();
  }
}

export function run() {
  return runBench(BENCH, async ({ defer }) => {
    const sandbox = await startSandboxProcess({ deployMs: 20, buildConcurrency: SEED_CONCURRENCY, stackStartMs: 20 });
    const dirs = Object.fromEntries(VARIANTS.map((v) => [v, tempDir(`bench-history-${v}-`)])) as Record<Variant, ReturnType<typeof tempDir>>;
    for (const d of Object.values(dirs)) defer(d.remove);

    // 1. The live stacks, through the portal; then one real stop, start and redeploy to copy.
    progress(BENCH, `deploying ${STACKS} stacks`);
    const seeding = await startPortalProcess(env(sandbox.url, dirs.plain.path, { IDLE_STOP_AFTER: "0" }), "portal-seed");
    const t0 = performance.now();
    await deployAll(
      seeding.url,
      Array.from({ length: STACKS }, (_, i) => stackName(i)),
      SEED_CONCURRENCY,
      (n) => n % 100 === 0 && progress(BENCH, `${n} of ${STACKS} stacks deployed`),
    );
    const deployS = (performance.now() - t0) / 1000;
    const templates = {} as HistoryTemplates;
    for (const op of ["stop", "start", "redeploy"] as const) templates[op] = (await operate(seeding.url, stackName(0), op)).id;
    await seeding.child.stop();

    // 2. A year of history in a copy, and a second copy for the default retention.
    copyDatabase(dirs.plain.path, dirs.year_kept.path);
    progress(BENCH, `seeding ${DAYS} days of history for ${STACKS} stacks`);
    const t1 = performance.now();
    const db = new Database(join(dirs.year_kept.path, DB_FILE));
    db.exec("PRAGMA busy_timeout = 5000");
    const ids = (db.query("SELECT id FROM stacks WHERE status = 'ready' ORDER BY id").all() as { id: number }[]).map((x) => x.id);
    const seeded = seedHistory(db, templates, { stackIds: ids, days: DAYS });
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    db.close();
    const seedS = (performance.now() - t1) / 1000;
    copyDatabase(dirs.year_kept.path, dirs.year_default.path);
    figure(BENCH, {
      figure: "setup",
      stacks: STACKS,
      days: DAYS,
      deploy_s: r(deployS, 1),
      seed_s: r(seedS, 1),
      ...seeded,
      plain_file_mb: mb(fileBytes(dirs.plain.path)),
      year_file_mb: mb(fileBytes(dirs.year_kept.path)),
    });

    // 3. The default retention catches up, in the background of a running portal.
    progress(BENCH, "the default retention catches up with the year");
    const keeper = await startPortalProcess(env(sandbox.url, dirs.year_default.path, { RETENTION_INTERVAL: "1s" }), "portal-catch-up");
    const usage = watchUsage(keeper.child.pid);
    const t2 = performance.now();
    const during: Float64Array[] = [];
    while ((await metric(keeper.url, "portal_retention_last_pass_timestamp_seconds")) === 0) {
      during.push((await load({ url: keeper.url, paths: checkPaths(), connections: 4, durationS: 5, overallRate: CHECK_RATE })).samples);
    }
    const catchUp = usage.stop();
    const catchUpS = (performance.now() - t2) / 1000;
    const pruned = {
      history: await metric(keeper.url, 'portal_retention_pruned_rows_total\\{kind="history"\\}'),
      audit: await metric(keeper.url, 'portal_retention_pruned_rows_total\\{kind="audit"\\}'),
    };
    await keeper.child.stop();
    const all = Float64Array.from(during.flatMap((a) => [...a]));
    const catchUpFigures = {
      catch_up_s: r(catchUpS, 1),
      catch_up_cpu_ms: catchUp.cpu_ms,
      catch_up_cpu_percent_of_one_core: catchUp.cpu_percent_of_one_core,
      rows_pruned: pruned,
      check_p99_during_catch_up_ms: r(percentile(all, 99)),
      check_max_during_catch_up_ms: r(percentile(all, 100)),
      file_mb_after: mb(fileBytes(dirs.year_default.path)),
    };
    figure(BENCH, { figure: "catch_up", ...catchUpFigures });

    // 4. Each variant on its own portal, one after the other.
    const rows = {} as Record<Variant, Awaited<ReturnType<typeof measure>>>;
    for (const variant of VARIANTS) {
      progress(BENCH, `measuring ${variant}`);
      rows[variant] = await measure(
        variant,
        sandbox.url,
        dirs[variant].path,
        variant === "year_kept" ? { HISTORY_RETENTION: "0", AUDIT_RETENTION: "0" } : {},
      );
    }

    const ratio = (v: Variant, key: keyof (typeof rows)["plain"]) => r((rows[v][key] as number) / (rows.plain[key] as number), 2);
    const keys = Object.keys(rows.plain) as (keyof (typeof rows)["plain"])[];
    const ratios = Object.fromEntries(
      (["year_kept", "year_default"] as const).map((v) => [
        v,
        Object.fromEntries(keys.filter((k) => !/requests|in_window/.test(k)).map((k) => [k, ratio(v, k)])),
      ]),
    );
    figure(BENCH, { figure: "ratios", ...ratios });

    const targets: TargetResult[] = [];
    const gated: [keyof (typeof rows)["plain"], string][] = [
      ["idle_cpu_ms", `idle CPU in ${IDLE_S} s`],
      ["details_median_ms", "details, median"],
      ["check_p99_during_idle_pass_ms", "name check p99 during an idle pass"],
      ["stop_median_ms", "stop, median"],
      ["start_median_ms", "start, median"],
    ];
    for (const v of ["year_default", "year_kept"] as const) {
      for (const [key, label] of gated) {
        const value = ratio(v, key);
        targets.push({
          target: `${label}, year (${v === "year_kept" ? "all kept" : "default retention"}) / no history <= ${TARGET}`,
          value,
          verdict: verdict(value <= TARGET),
          note: `${rows[v][key]} vs ${rows.plain[key]}`,
        });
      }
    }
    const perThousand = r((rows.year_default.file_mb * 1000) / STACKS, 1);
    targets.push({
      target: `a year's file at the default retention per 1,000 stacks < ${FILE_TARGET_MB_PER_1000} MB`,
      value: perThousand,
      verdict: verdict(perThousand < FILE_TARGET_MB_PER_1000),
      note: `${rows.year_default.file_mb} MB for ${STACKS} stacks and ${DAYS} days; all kept ${rows.year_kept.file_mb} MB, no history ${rows.plain.file_mb} MB`,
    });
    return {
      targets,
      figures: {
        stacks: STACKS,
        days: DAYS,
        idle_s: IDLE_S,
        idle_interval_s: IDLE_INTERVAL_S,
        ...seeded,
        catch_up: catchUpFigures,
        variants: rows,
        ratios,
      },
      notes: [
        `the sandbox builds in 20 ms; ${STACKS} stacks deployed ${SEED_CONCURRENCY} at a time; history: ${seeded.operations} operations, ${seeded.events} events, ${seeded.audit} audit entries`,
        "each variant on a fresh portal, one after the other, background retention off while measuring; ratios are variant / no history, one run each",
        `name check: ${CHECK_RATE} req/s over 4 connections for one idle interval from the start of an idle pass; details: ${DETAILS_REQUESTS} sequential requests; stop and start: ${POWER_CYCLES} each`,
      ],
    };
  });
}

if (import.meta.main) process.exit((await run()).ok ? 0 : 1);
