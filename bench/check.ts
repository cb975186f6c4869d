/**
 * 1. check: GET /api/check/:name with 10, 1,000 and 10,000 existing stacks, against a
 * baseline Bun + Hono handler answering a constant JSON.
 *
 * Stacks exist on both sides the portal looks at: projects `ai-stack-<name>` created through
 * the sandbox Dokploy's API, and ready rows in the portal's SQLite, written before the portal
 * starts. The checked names cycle through available, taken and invalid ones. Portal and
 * baseline are separate `bun <file>` processes started the same way, loaded with the same
 * settings, alternating, in two load shapes:
 *  - saturated: closed loop, 10 connections, from wrk in its own process (throughput, and
 *    latency under full load; see bench/lib/wrk.ts for why not autocannon);
 *  - paced: 1,000 requests/s from autocannon in this process (latency at a load both handle
 *    easily; wrk has no pacing, and at this rate autocannon's own cost does not matter).
 */
import { Store } from "../src/store/index.ts";
import { runBench } from "./lib/bench.ts";
import { load, type LoadResult } from "./lib/load.ts";
import {
  BUN,
  LOOPBACK,
  SANDBOX_KEY,
  createProjects,
  portalEnv,
  rssKiB,
  spawnChild,
  startFixture,
  startPortalProcess,
  startSandboxProcess,
  tempDir,
} from "./lib/proc.ts";
import { figure, progress, verdict, type TargetResult } from "./lib/report.ts";
import { median, percentile, r } from "./lib/stats.ts";
import { type WrkResult, wrkLoad, wrkPath } from "./lib/wrk.ts";

const BENCH = "check";
const COUNTS = [10, 1_000, 10_000];
const ROUNDS = Number(process.env.BENCH_CHECK_ROUNDS ?? 3);
const DURATION_S = Number(process.env.BENCH_CHECK_DURATION ?? 3);
const CONNECTIONS = 10;
const PACED_RATE = 1_000;

const stackName = (i: number) => `stack-${i}`;

/** 10 names of each kind, interleaved, as URL paths. */
function checkPaths(n: number): { path: string; kind: "available" | "taken" | "invalid" }[] {
  const invalid = ["ab", "Bad_Name", "-lead", "trail-", "two--hyphens", "admin", "x".repeat(40), "9lives", "has%20space", "%E2%9C%93ok"];
  const out: { path: string; kind: "available" | "taken" | "invalid" }[] = [];
  for (let k = 0; k < 10; k++) {
    out.push({ path: `/api/check/free-${k}`, kind: "available" });
    out.push({ path: `/api/check/${stackName(Math.floor((k * n) / 10))}`, kind: "taken" });
    out.push({ path: `/api/check/${invalid[k]}`, kind: "invalid" });
  }
  return out;
}

function seedStore(dataDir: string, n: number): void {
  const store = Store.open(dataDir);
  try {
    const now = new Date().toISOString();
    store.transaction(() => {
      for (let i = 0; i < n; i++) {
        const name = stackName(i);
        const stack = store.stacks.insert(name, `https://${name}.stacks.bench`, "0".repeat(64), now);
        if (!stack) throw new Error(`seed: ${name} exists`);
        store.stacks.setStatus(stack.id, "ready", now);
      }
    });
  } finally {
    store.close();
  }
}

/** Asks each path once and counts answers that do not match its kind. */
async function verifyAnswers(url: string, paths: ReturnType<typeof checkPaths>): Promise<number> {
  let wrong = 0;
  for (const p of paths) {
    const body = (await (await fetch(`${url}${p.path}`)).json()) as { valid: boolean; available: boolean; reason: string | null };
    const kind = !body.valid ? "invalid" : body.available ? "available" : "taken";
    if (kind !== p.kind) wrong++;
  }
  return wrong;
}

export function run() {
  return runBench(BENCH, async ({ defer }) => {
    wrkPath(); // before anything starts: without wrk there is no saturated shape
    const sandbox = await startSandboxProcess();
    const cacheChild = spawnChild("dokploy-cache", [BUN, "bench/fixtures/dokploy-cache.ts"], { UPSTREAM: sandbox.url, HOST: LOOPBACK, PORT: "0" });
    const dokployUrl = (await cacheChild.waitFor(/listening on (http:\/\/\S+)/, 10_000))[1]!;
    const baseline = await startFixture("bench/fixtures/baseline.ts", "baseline");
    const headersBaseline = await startFixture("bench/fixtures/baseline.ts", "baseline-headers", "/health", { HEADERS: "portal" });

    type Target = "portal" | "baseline" | "headers";
    type Row = { stacks: number; target: Target; shape: "saturated" | "paced"; round: number } & (Omit<LoadResult, "samples"> | WrkResult);
    const rows: Row[] = [];
    const perCount: Record<number, Record<string, number>> = {};
    let seeded = 0;
    let previousHits = 0;

    for (const n of COUNTS) {
      progress(BENCH, `seeding ${n} stacks`);
      await createProjects(
        sandbox.url,
        Array.from({ length: n - seeded }, (_, i) => `ai-stack-${stackName(seeded + i)}`),
      );
      seeded = n;
      // What the sandbox itself spends on project.all (not the portal; see the memo fixture).
      const t0 = performance.now();
      const all = await fetch(`${sandbox.url}/api/project.all`, { headers: { "x-api-key": SANDBOX_KEY } });
      const listBytes = (await all.arrayBuffer()).byteLength;
      const sandboxListMs = performance.now() - t0;
      await (await fetch(`${dokployUrl}/__cache/clear`, { method: "POST" })).arrayBuffer();

      const data = tempDir("bench-check-");
      defer(data.remove);
      seedStore(data.path, n);
      const portal = await startPortalProcess(portalEnv(dokployUrl, data.path));
      const paths = checkPaths(n);
      const wrong = await verifyAnswers(portal.url, paths);
      figure(BENCH, { figure: "setup", stacks: n, sandbox_project_all_ms: r(sandboxListMs, 1), project_list_bytes: listBytes, wrong_answers: wrong });
      if (wrong) progress(BENCH, `WARNING: ${wrong} check answers did not match their kind`);

      const targets = { portal: portal.url, baseline: baseline.url, headers: headersBaseline.url } as const;
      // Warm-up (JIT, connection pools), not recorded.
      for (const url of Object.values(targets)) await wrkLoad({ url, paths: paths.map((p) => p.path), connections: CONNECTIONS, durationS: 1 });
      const rssBefore = rssKiB(portal.child.pid);
      const pooled = new Map<string, Float64Array[]>();
      for (let round = 1; round <= ROUNDS; round++) {
        // Alternate who goes first, so drift on the shared box does not favour one side.
        const order: Target[] = round % 2 === 1 ? ["baseline", "headers", "portal"] : ["portal", "headers", "baseline"];
        for (const shape of ["saturated", "paced"] as const) {
          for (const target of order) {
            const settings = { url: targets[target], paths: paths.map((p) => p.path), connections: CONNECTIONS, durationS: DURATION_S };
            let row: Row;
            if (shape === "saturated") row = { stacks: n, target, shape, round, ...(await wrkLoad(settings)) };
            else {
              const { samples, ...rest } = await load({ ...settings, overallRate: PACED_RATE });
              row = { stacks: n, target, shape, round, ...rest };
              pooled.set(`${target}/${shape}`, [...(pooled.get(`${target}/${shape}`) ?? []), samples]);
            }
            rows.push(row);
            figure(BENCH, { figure: "load", ...row });
          }
        }
      }
      // The memo counts every project.all the portals asked for; this portal's share is the difference.
      const memo = (await (await fetch(`${dokployUrl}/__cache/stats`)).json()) as { hits: number; bytes: number };
      const memoHits = memo.hits;
      figure(BENCH, {
        figure: "portal_memory",
        stacks: n,
        rss_kib_before_load: rssBefore,
        rss_kib_after_load: rssKiB(portal.child.pid),
        project_list_refreshes: memoHits - previousHits,
        project_list_bytes_served: memo.bytes,
      });
      previousHits = memoHits;
      await portal.child.stop();

      const saturated = (target: string) => rows.filter((x) => x.stacks === n && x.target === target && x.shape === "saturated");
      const rps = (target: string) => median(saturated(target).map((x) => x.rps));
      // Saturated: wrk reports percentiles per run (the median over rounds is taken); paced:
      // the percentiles of the samples of all rounds together.
      const pct = (target: string, shape: string, p: 50 | 99 | 99.9 | 100) => {
        if (shape === "saturated") {
          const key = ({ 50: "p50_ms", 99: "p99_ms", 99.9: "p999_ms", 100: "max_ms" } as const)[p];
          return r(p === 100 ? Math.max(...saturated(target).map((x) => x[key])) : median(saturated(target).map((x) => x[key])));
        }
        const parts = pooled.get(`${target}/${shape}`) ?? [];
        const all = new Float64Array(parts.reduce((k, a) => k + a.length, 0));
        let offset = 0;
        for (const a of parts) {
          all.set(a, offset);
          offset += a.length;
        }
        return r(percentile(all, p));
      };
      perCount[n] = {
        portal_rps: rps("portal"),
        baseline_rps: rps("baseline"),
        portal_p50_ms: pct("portal", "saturated", 50),
        baseline_p50_ms: pct("baseline", "saturated", 50),
        portal_p99_ms: pct("portal", "saturated", 99),
        baseline_p99_ms: pct("baseline", "saturated", 99),
        paced_portal_p50_ms: pct("portal", "paced", 50),
        paced_baseline_p50_ms: pct("baseline", "paced", 50),
        paced_portal_p99_ms: pct("portal", "paced", 99),
        paced_baseline_p99_ms: pct("baseline", "paced", 99),
        // The tail beyond p99: where a refresh of Dokploy's project list would show.
        portal_p999_ms: pct("portal", "saturated", 99.9),
        portal_max_ms: pct("portal", "saturated", 100),
        paced_portal_p999_ms: pct("portal", "paced", 99.9),
        paced_portal_max_ms: pct("portal", "paced", 100),
        baseline_max_ms: pct("baseline", "saturated", 100),
        // The baseline with the portal's response headers: the share of the portal's cost that is its protection.
        headers_rps: rps("headers"),
        headers_p99_ms: pct("headers", "saturated", 99),
        paced_headers_p99_ms: pct("headers", "paced", 99),
      };
      const c = perCount[n]!;
      c.p99_ratio = r(c.portal_p99_ms! / c.baseline_p99_ms!, 2);
      c.paced_p99_ratio = r(c.paced_portal_p99_ms! / c.paced_baseline_p99_ms!, 2);
      c.rps_ratio = r(c.portal_rps! / c.baseline_rps!, 3);
      c.headers_p99_ratio = r(c.headers_p99_ms! / c.baseline_p99_ms!, 2);
      c.paced_headers_p99_ratio = r(c.paced_headers_p99_ms! / c.paced_baseline_p99_ms!, 2);
      c.portal_over_headers_p99_ratio = r(c.portal_p99_ms! / c.headers_p99_ms!, 2);
      figure(BENCH, { figure: "per_count", stacks: n, ...c });
    }

    const first = perCount[COUNTS[0]!]!;
    const last = perCount[COUNTS.at(-1)!]!;
    // Growth is the portal's own p99 at 10,000 stacks over at 10; the baseline-normalised
    // figure is given too, but it carries the baseline's run-to-run noise as well.
    const growth = r(last.portal_p99_ms! / first.portal_p99_ms!, 2);
    const pacedGrowth = r(last.paced_portal_p99_ms! / first.paced_portal_p99_ms!, 2);
    const normGrowth = r(last.p99_ratio! / first.p99_ratio!, 2);
    const pacedNormGrowth = r(last.paced_p99_ratio! / first.paced_p99_ratio!, 2);
    const rpsGrowth = r(last.portal_rps! / first.portal_rps!, 2);
    const targets: TargetResult[] = [];
    for (const n of COUNTS) {
      const c = perCount[n]!;
      targets.push({
        target: `p99 ratio portal/baseline, saturated, ${n} stacks <= 2`,
        value: c.p99_ratio!,
        verdict: verdict(c.p99_ratio! <= 2),
        note: `p99 ${c.portal_p99_ms} vs ${c.baseline_p99_ms} ms; ${c.portal_rps} vs ${c.baseline_rps} req/s; the baseline with the portal's headers alone: ${c.headers_p99_ratio}x, the portal over it ${c.portal_over_headers_p99_ratio}x`,
      });
      targets.push({
        target: `p99 ratio portal/baseline, paced ${PACED_RATE}/s, ${n} stacks <= 2`,
        value: c.paced_p99_ratio!,
        verdict: verdict(c.paced_p99_ratio! <= 2),
        note: `p99 ${c.paced_portal_p99_ms} vs ${c.paced_baseline_p99_ms} ms; with the portal's headers alone ${c.paced_headers_p99_ratio}x; p50 ${c.paced_portal_p50_ms} vs ${c.paced_baseline_p50_ms} ms`,
      });
    }
    targets.push({
      target: `growth: portal p99 at ${COUNTS.at(-1)} / at ${COUNTS[0]} stacks, saturated <= 1.2`,
      value: growth,
      verdict: verdict(growth <= 1.2),
      note: `normalised by the baseline ${normGrowth}; throughput ${rpsGrowth}x; max ${first.portal_max_ms} -> ${last.portal_max_ms} ms`,
    });
    targets.push({
      target: `growth: portal p99 at ${COUNTS.at(-1)} / at ${COUNTS[0]} stacks, paced <= 1.2`,
      value: pacedGrowth,
      verdict: verdict(pacedGrowth <= 1.2),
      note: `normalised by the baseline ${pacedNormGrowth}; p99.9 ${first.paced_portal_p999_ms} -> ${last.paced_portal_p999_ms} ms`,
    });
    return {
      targets,
      figures: { connections: CONNECTIONS, duration_s: DURATION_S, rounds: ROUNDS, paced_rate: PACED_RATE, per_count: perCount },
      notes: [
        `${CONNECTIONS} connections, ${DURATION_S} s per run, ${ROUNDS} interleaved rounds; saturated: wrk (one thread, its own process), throughput and latency percentiles the median over rounds (max: the largest); paced: autocannon in the bench process, percentiles pooling the samples of all rounds`,
        "Dokploy's project.all is memoised in front of the sandbox (bench/fixtures/dokploy-cache.ts); the portal still fetches and validates it (off its main thread when large) every AVAILABILITY_CACHE_TTL, which the benchmark leaves at its default (30 s)",
      ],
    };
  });
}

if (import.meta.main) process.exit((await run()).ok ? 0 : 1);
