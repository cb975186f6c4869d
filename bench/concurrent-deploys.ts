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
const BUILD_CONCURRENCY = [1, 4];

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
    for (const buildConcurrency of BUILD_CONCURRENCY) {
      const data = tempDir("bench-concurrent-");
      defer(data.remove);
      const portal = await startPortalProcess(
        portalEnv(sandbox.url, data.path, {
          DOKPLOY_MAX_CONCURRENCY: String(BULKHEAD),
          MAX_CONCURRENT_DEPLOYS: String(MAX_CONCURRENT_DEPLOYS),
          DEPLOY_TIMEOUT: "5m",
          HEALTH_TIMEOUT: "1m",
          POLL_INTERVAL: "250ms",
          PROBE_INTERVAL: "250ms",
        }),
        `portal-build-${buildConcurrency}`,
      );
      await sandbox.settings({ buildConcurrency });
      // Load the availability cache's project list before the burst.
      await (await fetch(`${portal.url}/api/check/warm-up`)).arrayBuffer();
      await sandbox.resetStats();

      const t0 = wallNow();
      const outcomes = await Promise.all(
        Array.from({ length: DEPLOYS }, async (_, i): Promise<Outcome> => {
          const name = `burst-c${buildConcurrency}-${i}`;
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
      const row = {
        build_concurrency: buildConcurrency,
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
      figures[`build_concurrency_${buildConcurrency}`] = row;
      progress(
        BENCH,
        `build concurrency ${buildConcurrency}: ${JSON.stringify(counts)} in ${Math.round(allDoneMs)} ms, max in flight ${state.maxInFlight}`,
      );
      const clear = Object.keys(counts).every((k) => k === "ready" || k.startsWith("failed:"));
      targets.push({
        target: `build concurrency ${buildConcurrency}: every deploy ready or clearly failed`,
        value: JSON.stringify(counts),
        verdict: verdict(clear),
        note: `all done after ${r(allDoneMs / 1000, 1)} s (builds alone need ${row.ideal_build_ms / 1000} s); ${queued} waited in the portal's queue`,
      });
      targets.push({
        target: `build concurrency ${buildConcurrency}: Dokploy calls in flight <= DOKPLOY_MAX_CONCURRENCY (${BULKHEAD})`,
        value: state.maxInFlight,
        verdict: verdict(state.maxInFlight <= BULKHEAD),
      });
      targets.push({
        target: `build concurrency ${buildConcurrency}: no SQLITE_BUSY in the portal's log`,
        value: busy,
        verdict: verdict(busy === 0),
        note: `${errorLines} error lines in the log`,
      });
    }
    return {
      targets,
      figures,
      notes: [
        `sandbox latency ${LATENCY_MS} ms per call, builds ${DEPLOY_MS} ms; POLL_INTERVAL=250ms, PROBE_INTERVAL=250ms, DEPLOY_TIMEOUT=5m`,
        `MAX_CONCURRENT_DEPLOYS left at its default ${MAX_CONCURRENT_DEPLOYS}: the portal queues the other deploys and tells their watchers their place`,
      ],
    };
  });
}

if (import.meta.main) process.exit((await run()).ok ? 0 : 1);
