/**
 * 3. SSE fan-out: 1,000 watchers of one deployment's event stream
 * (GET /api/deployments/:id/events), in separate processes (bench/fixtures/watchers.ts).
 * Delay = arrival at the watcher minus the event's `at` (set just before the event is
 * persisted), for events persisted after every watcher connected. Memory = the portal's
 * VmRSS before the watchers and while they are connected.
 *
 * To have all watchers connected before the deploy gets going, the sandbox holds the
 * deploy's project.create for HOLD_MS (a one-shot latency fault); the events before that
 * are replays and are not counted.
 *
 * Side by side: the same events with the same timing, fanned out to the same watchers by
 * two baselines that do nothing else (bench/fixtures/sse-baseline.ts): Hono's streamSSE
 * (how the portal writes) and a Bun direct stream (each event encoded once).
 */
import { runBench } from "./lib/bench.ts";
import { BUN, type Child, portalEnv, rssKiB, spawnChild, startFixture, startPortalProcess, startSandboxProcess, tempDir } from "./lib/proc.ts";
import { figure, progress, verdict, type TargetResult } from "./lib/report.ts";
import { postDeploy, readSse } from "./lib/sse.ts";
import { median, percentile, r } from "./lib/stats.ts";

const BENCH = "sse-fanout";
const WATCHERS = Number(process.env.BENCH_SSE_WATCHERS ?? 1_000);
const PROCS = Number(process.env.BENCH_SSE_PROCS ?? 2);
const HOLD_MS = 3_000;
/** Dokploy latency per call: 0 makes the saga emit its events in bursts a few ms apart. */
const LATENCIES = (process.env.BENCH_SSE_LATENCIES ?? "0,50").split(",").map(Number);

async function sampleRss(pid: number, n = 5, gapMs = 100): Promise<number> {
  const values: number[] = [];
  for (let i = 0; i < n; i++) {
    values.push(rssKiB(pid));
    await Bun.sleep(gapMs);
  }
  return median(values);
}

interface WatcherResult {
  opened: number;
  finished: number;
  failed: number;
  received: [string, number, number][];
}

interface Fanout {
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  max_ms: number;
  opened: number;
  finished: number;
  failed: number;
  deliveries_counted: number;
  deliveries_replayed: number;
  all_open_after_ms: number;
  rss_kib_before: number;
  rss_kib_with_watchers: number;
  growth_kib_per_watcher: number;
  /** When every watcher had its headers (wall ms). */
  allOpenAt: number;
}

/**
 * Connects the watchers to `eventsUrl`, calls `go` once all are in, and collects the delays
 * of events stamped after that moment.
 */
async function fanout(label: string, eventsUrl: string, serverPid: number, dir: string, since: number, go: () => Promise<void>): Promise<Fanout> {
  const rssBefore = await sampleRss(serverPid);
  const procs: Child[] = [];
  const files: string[] = [];
  for (let p = 0; p < PROCS; p++) {
    const count = Math.floor(WATCHERS / PROCS) + (p < WATCHERS % PROCS ? 1 : 0);
    const file = `${dir}/${label.replace(/\W+/g, "-")}-${p + 1}.json`;
    files.push(file);
    procs.push(
      spawnChild(`watchers-${p + 1}`, [BUN, "bench/fixtures/watchers.ts"], {
        EVENTS_URL: eventsUrl,
        COUNT: String(count),
        TIMEOUT_MS: "60000",
        RESULT_FILE: file,
        BUN_CONFIG_MAX_HTTP_REQUESTS: String(count + 64),
      }),
    );
  }
  const opens = await Promise.all(procs.map((c) => c.waitFor(/^OPEN (\d+) ([\d.]+)$/m, HOLD_MS + 5_000)));
  const allOpenAt = Math.max(...opens.map((m) => Number(m[2])));
  await Bun.sleep(200);
  const rssWith = await sampleRss(serverPid);
  await go();
  await Promise.all(procs.map((c) => c.waitFor(/^RESULT$/m, 60_000)));
  const results = await Promise.all(files.map(async (f) => JSON.parse(await Bun.file(f).text()) as WatcherResult));
  await Promise.all(procs.map((c) => c.stop()));

  const delays: number[] = [];
  let replayed = 0;
  for (const res of results)
    for (const [, at, delay] of res.received) {
      if (at < allOpenAt) replayed++;
      else delays.push(delay);
    }
  const sum = (k: "opened" | "finished" | "failed") => results.reduce((n, x) => n + x[k], 0);
  return {
    p50_ms: r(percentile(delays, 50), 2),
    p90_ms: r(percentile(delays, 90), 2),
    p99_ms: r(percentile(delays, 99), 2),
    max_ms: r(percentile(delays, 100), 2),
    opened: sum("opened"),
    finished: sum("finished"),
    failed: sum("failed"),
    deliveries_counted: delays.length,
    deliveries_replayed: replayed,
    all_open_after_ms: r(allOpenAt - since, 1),
    rss_kib_before: rssBefore,
    rss_kib_with_watchers: rssWith,
    growth_kib_per_watcher: r((rssWith - rssBefore) / WATCHERS, 2),
    allOpenAt,
  };
}

export function run() {
  return runBench(BENCH, async ({ defer }) => {
    const sandbox = await startSandboxProcess({ deployMs: 300, stackStartMs: 0 });
    const data = tempDir("bench-sse-");
    defer(data.remove);
    const targets: TargetResult[] = [];
    const figures: Record<string, unknown> = { watchers: WATCHERS, watcher_processes: PROCS };

    for (const latency of LATENCIES) {
      const scenario = latency === 0 ? "Dokploy latency 0 (bursts)" : `Dokploy latency ${latency} ms`;
      // A fresh portal per scenario, so its RSS has not seen 1,000 watchers before.
      const portal = await startPortalProcess(
        portalEnv(sandbox.url, `${data.path}/portal-${latency}`, { POLL_INTERVAL: "100ms", PROBE_INTERVAL: "100ms", DEPLOY_TIMEOUT: "60s" }),
      );
      await sandbox.settings({ latencyMs: latency });
      // Warm-up: one deploy watched by a few streams (JIT for the SSE path), not counted.
      const warm = await postDeploy(portal.url, `warm-${latency}`);
      await Promise.all(Array.from({ length: 20 }, () => readSse(warm.eventsUrl, { until: (e) => e.event === "done" })));
      await Bun.sleep(300);

      const name = `fanout-${latency}`;
      await sandbox.addFault({ procedure: "project.create", kind: "latency", ms: HOLD_MS, times: 1, match: `ai-stack-${name}` });
      const accepted = await postDeploy(portal.url, name);
      const measured = await fanout(`portal-${latency}`, accepted.eventsUrl, portal.child.pid, data.path, accepted.sentAt, async () => {});
      if (measured.all_open_after_ms > HOLD_MS)
        progress(BENCH, `WARNING: watchers took ${measured.all_open_after_ms} ms to connect, longer than the hold`);
      // The events the watchers counted, with their timing, for the baselines to replay.
      const events = (await readSse(accepted.eventsUrl, { until: (e) => e.event === "done" })).filter(
        (e) => Date.parse(e.data.at) >= measured.allOpenAt,
      );
      const t0 = Date.parse(events[0]?.data.at ?? "0");
      const schedule = events.map((e) => ({ offsetMs: Date.parse(e.data.at) - t0, type: e.event, data: e.data }));
      await portal.child.stop();
      const { allOpenAt: _a, ...portalRow } = measured;
      figure(BENCH, { figure: "fanout", server: "portal", scenario, latency_ms: latency, events: schedule.length, ...portalRow });

      const rows: Record<string, unknown> = { portal: portalRow };
      for (const mode of ["hono", "direct"] as const) {
        const base = await startFixture("bench/fixtures/sse-baseline.ts", `sse-baseline-${mode}`, "/health", { MODE: mode });
        const since = performance.timeOrigin + performance.now();
        const res = await fanout(`${mode}-${latency}`, `${base.url}/events`, base.child.pid, data.path, since, async () => {
          const started = await fetch(`${base.url}/start`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ schedule }),
          });
          await started.arrayBuffer();
        });
        await base.child.stop();
        const { allOpenAt: _b, ...row } = res;
        figure(BENCH, { figure: "fanout", server: `baseline-${mode}`, scenario, latency_ms: latency, events: schedule.length, ...row });
        rows[`baseline_${mode}`] = row;
      }
      figures[scenario] = rows;
      const hono = rows.baseline_hono as Fanout;
      const direct = rows.baseline_direct as Fanout;
      targets.push({
        target: `${scenario}: p99 delay persisted -> received, ${WATCHERS} watchers < 50 ms`,
        value: portalRow.p99_ms,
        verdict: verdict(portalRow.p99_ms < 50),
        note: `p50 ${portalRow.p50_ms}, max ${portalRow.max_ms} ms over ${portalRow.deliveries_counted} deliveries; same events via Hono streamSSE alone p99 ${hono.p99_ms}, via a direct stream p99 ${direct.p99_ms}`,
      });
      targets.push({
        target: `${scenario}: portal RSS growth per connected watcher < 20 KiB`,
        value: portalRow.growth_kib_per_watcher,
        verdict: verdict(portalRow.growth_kib_per_watcher < 20),
        note: `VmRSS ${portalRow.rss_kib_before} -> ${portalRow.rss_kib_with_watchers} KiB; Hono streamSSE alone ${hono.growth_kib_per_watcher}, direct stream ${direct.growth_kib_per_watcher} KiB per watcher`,
      });
    }
    return {
      targets,
      figures,
      notes: [
        "`at` has whole-millisecond resolution (truncated), so each delay reads up to 1 ms long",
        `watchers: ${PROCS} Bun processes with fetch streams; arrival stamped at once, parsing after the deploy`,
      ],
    };
  });
}

if (import.meta.main) process.exit((await run()).ok ? 0 : 1);
