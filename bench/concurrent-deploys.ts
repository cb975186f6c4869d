/**
 * 4. concurrent deploys: 50 deploys posted at once against the sandbox, with its build
 * queue at concurrency 1 and at 4. Reported: outcomes, time until every deploy is done, the
 * most Dokploy calls in flight (the sandbox's `maxInFlight`) against the portal's bulkhead
 * (DOKPLOY_MAX_CONCURRENCY), and any SQLITE_BUSY / "database is locked" in the portal's log.
 *
 * The portal runs at most MAX_CONCURRENT_DEPLOYS (default 10) sagas at once and queues the
 * rest ("waiting" events with their position); that is left at its default here.
 */
import { runBench } from "./lib/bench.ts";
import { portalEnv, startPortalProcess, startSandboxProcess, tempDir } from "./lib/proc.ts";
import { figure, progress, verdict, type TargetResult } from "./lib/report.ts";
import { postDeploy, readSse, wallNow } from "./lib/sse.ts";
import { median, percentile, r } from "./lib/stats.ts";

const BENCH = "concurrent-deploys";
const DEPLOYS = 50;
const LATENCY_MS = 25;
const DEPLOY_MS = 400;
const BULKHEAD = 8;
const MAX_CONCURRENT_DEPLOYS = 10;
/**
 * The first two runs use short intervals (POLL_INTERVAL=250ms, PROBE_INTERVAL=250ms); the last
 * leaves them at their defaults and reports the Dokploy calls per second while the deploys wait.
 */
const RUNS: { buildConcurrency: number; intervals: "short" | "defaults" }[] = [
  { buildConcurrency: 1, intervals: "short" },
  { buildConcurrency: 4, intervals: "short" },
  { buildConcurrency: 1, intervals: "defaults" },
];
const SHORT_INTERVALS = { POLL_INTERVAL: "250ms", PROBE_INTERVAL: "250ms" };

interface Outcome {
  name: string;
  outcome: string;
  doneMs: number;
  maxPosition: number;
}

export function run() {
  return runBench(BENCH, async ({ defer }) => {
    const sandbox = await startSandboxProcess({ latencyMs: LATENCY_MS, deployMs: DEPLOY_MS, stackStartMs: 0 });
    const targets: TargetResult[] = [];
    const figures: Record<string, unknown> = {
      deploys: DEPLOYS,
      latency_ms: LATENCY_MS,
      deploy_ms: DEPLOY_MS,
      dokploy_max_concurrency: BULKHEAD,
      max_concurrent_deploys: MAX_CONCURRENT_DEPLOYS,
    };
    for (const { buildConcurrency, intervals } of RUNS) {
      const label = intervals === "short" ? `build concurrency ${buildConcurrency}` : `build concurrency ${buildConcurrency}, default intervals`;
      // Each run starts from an empty Dokploy: the sandbox's one node takes 128 stacks at the
      // default STACK_MEMORY_RESERVATION (the portal refuses more with no_capacity, as Swarm
      // would leave them pending), so runs must not add up.
      await sandbox.reset();
      const data = tempDir("bench-concurrent-");
      defer(data.remove);
      const portal = await startPortalProcess(
        portalEnv(sandbox.url, data.path, {
          DOKPLOY_MAX_CONCURRENCY: String(BULKHEAD),
          MAX_CONCURRENT_DEPLOYS: String(MAX_CONCURRENT_DEPLOYS),
          DEPLOY_TIMEOUT: "5m",
          HEALTH_TIMEOUT: "1m",
          ...(intervals === "short" ? SHORT_INTERVALS : {}),
        }),
        `portal-build-${buildConcurrency}-${intervals}`,
      );
      await sandbox.settings({ buildConcurrency });
      // Load the availability cache's project list before the burst.
      await (await fetch(`${portal.url}/api/check/warm-up`)).arrayBuffer();
      await sandbox.resetStats();

      const t0 = wallNow();
      const outcomes = await Promise.all(
        Array.from({ length: DEPLOYS }, async (_, i): Promise<Outcome> => {
          const name = `burst-c${buildConcurrency}${intervals === "short" ? "" : "d"}-${i}`;
          try {
            const accepted = await postDeploy(portal.url, name);
            let maxPosition = 0;
            const events = await readSse(accepted.eventsUrl, {
              until: (e) => e.event === "done",
              onEvent: (e) => {
                if (e.event === "status" && e.data.status === "waiting") maxPosition = Math.max(maxPosition, e.data.position ?? 0);
              },
            });
            const done = events.at(-1);
            const outcome =
              done?.event !== "done" ? "no_done_event" : done.data.status === "ready" ? "ready" : `failed:${done.data.error?.code ?? "unknown"}`;
            return { name, outcome, doneMs: (done?.receivedAt ?? wallNow()) - t0, maxPosition };
          } catch (err) {
            return {
              name,
              outcome: `request_error:${err instanceof Error ? err.message.slice(0, 80) : String(err)}`,
              doneMs: wallNow() - t0,
              maxPosition: 0,
            };
          }
        }),
      );
      const allDoneMs = Math.max(...outcomes.map((o) => o.doneMs));
      const state = await sandbox.state();
      const log = portal.child.output();
      await portal.child.stop();
      const busy = (log.match(/SQLITE_BUSY|database is locked/g) ?? []).length;
      const errorLines = log.split("\n").filter((l) => /"level":(50|60)/.test(l)).length;
      const counts: Record<string, number> = {};
      for (const o of outcomes) counts[o.outcome] = (counts[o.outcome] ?? 0) + 1;
      const totalCalls = Object.values(state.calls).reduce((a, b) => a + b, 0);
      const queued = outcomes.filter((o) => o.maxPosition > 0).length;
      const callsPerS = totalCalls / (allDoneMs / 1000);
      const pollsPerS = (state.calls["deployment.all"] ?? 0) / (allDoneMs / 1000);
      const row = {
        build_concurrency: buildConcurrency,
        intervals,
        dokploy_calls_per_s: r(callsPerS, 1),
        dokploy_polls_per_s: r(pollsPerS, 1),
        // Swings with the machine's round trip, not only the code (docs/performance.md section 4).
        dokploy_polls_per_deploy: r((state.calls["deployment.all"] ?? 0) / DEPLOYS, 2),
        outcomes: counts,
        all_done_ms: r(allDoneMs, 0),
        done_ms_p50: r(median(outcomes.map((o) => o.doneMs)), 0),
        done_ms_p90: r(
          percentile(
            outcomes.map((o) => o.doneMs),
            90,
          ),
          0,
        ),
        queued_in_portal: queued,
        max_queue_position: Math.max(...outcomes.map((o) => o.maxPosition)),
        dokploy_max_in_flight: state.maxInFlight,
        dokploy_calls_total: totalCalls,
        dokploy_calls: state.calls,
        sqlite_busy_lines: busy,
        portal_error_lines: errorLines,
        ideal_build_ms: Math.ceil(DEPLOYS / buildConcurrency) * DEPLOY_MS,
      };
      figure(BENCH, { figure: "burst", ...row });
      figures[`build_concurrency_${buildConcurrency}${intervals === "short" ? "" : "_default_intervals"}`] = row;
      progress(
        BENCH,
        `${label}: ${JSON.stringify(counts)} in ${Math.round(allDoneMs)} ms, max in flight ${state.maxInFlight}, ${r(callsPerS, 1)} Dokploy calls/s`,
      );
      const clear = Object.keys(counts).every((k) => k === "ready" || k.startsWith("failed:"));
      targets.push({
        target: `${label}: every deploy ready or clearly failed`,
        value: JSON.stringify(counts),
        verdict: verdict(clear),
        note: `all done after ${r(allDoneMs / 1000, 1)} s (builds alone need ${row.ideal_build_ms / 1000} s); ${queued} waited in the portal's queue`,
      });
      targets.push({
        target: `${label}: Dokploy calls in flight <= DOKPLOY_MAX_CONCURRENCY (${BULKHEAD})`,
        value: state.maxInFlight,
        verdict: verdict(state.maxInFlight <= BULKHEAD),
      });
      targets.push({
        target: `${label}: no SQLITE_BUSY in the portal's log`,
        value: busy,
        verdict: verdict(busy === 0),
        note: `${errorLines} error lines in the log`,
      });
    }
    return {
      targets,
      figures,
      notes: [
        `sandbox latency ${LATENCY_MS} ms per call, builds ${DEPLOY_MS} ms, DEPLOY_TIMEOUT=5m; POLL_INTERVAL=250ms and PROBE_INTERVAL=250ms except in the default-intervals run (1s and 2s)`,
        "Dokploy calls per second: every call the sandbox counted from the burst's start until the last deploy was done, over that time",
        `MAX_CONCURRENT_DEPLOYS left at its default ${MAX_CONCURRENT_DEPLOYS}: the portal queues the other deploys and tells their watchers their place`,
      ],
    };
  });
}

if (import.meta.main) process.exit((await run()).ok ? 0 : 1);
