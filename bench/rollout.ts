/**
 * 7. rollout at fleet scale: 200 ready stacks in the sandbox, rolled onto a new image at
 * batch sizes 1, 5 and 20. Reported per rollout: total time (POST /api/admin/rollouts until
 * its `done` event), the number of batches (the canary is a batch of its own: 1 + ceil(199 /
 * batch size)), and total / (batches x R), where R is one stack's redeploy time measured in
 * the same run (the owner's redeploy of one stack, POST until its `done` event, median of
 * the ones just before and just after that rollout). Target <= 1.2. Also the portal
 * process's CPU time and RSS (from /proc) while each rollout runs.
 */
import { runBench } from "./lib/bench.ts";
import { portalEnv, rssKiB, startPortalProcess, startSandboxProcess, tempDir } from "./lib/proc.ts";
import { cpuMs, watchUsage } from "./lib/proc-usage.ts";
import { figure, progress, verdict, type TargetResult } from "./lib/report.ts";
import { deployAll, readSse, wallNow } from "./lib/sse.ts";
import { median, r } from "./lib/stats.ts";

const BENCH = "rollout";
const STACKS = 200;
/**
 * The rollouts, in this order. The last one repeats batch size 20 on a portal restarted with a
 * Dokploy bulkhead (DOKPLOY_MAX_CONCURRENCY) larger than a batch's burst of calls, to show
 * how much of the batch's time is spent queued in the bulkhead; its R is measured on it too.
 */
const ALL_RUNS: { batchSize: number; bulkhead?: number }[] = [{ batchSize: 1 }, { batchSize: 5 }, { batchSize: 20 }, { batchSize: 20, bulkhead: 32 }];
/** BENCH_ROLLOUT_BATCHES=20 (comma-separated batch sizes) runs only those rollouts, for a quick look; the verdict needs all. */
const only = process.env.BENCH_ROLLOUT_BATCHES?.split(",").map(Number);
const RUNS = only ? ALL_RUNS.filter((x) => only.includes(x.batchSize)) : ALL_RUNS;
/** The shipped DOKPLOY_MAX_CONCURRENCY. */
const BULKHEAD = 8;
/**
 * Dokploy's side of one redeploy: every API call answers after LATENCY_MS, the deploy (pull
 * and service update) takes DEPLOY_MS, the old container takes STOP_MS to stop (the stacks'
 * updates are stop-first) and the new one START_MS to answer. Real ones take seconds; these
 * are short enough for 250 redeploys in batches to fit in a few minutes, and long enough that
 * Dokploy's work, not the portal's, is most of a redeploy.
 */
const LATENCY_MS = 10;
const DEPLOY_MS = 300;
const STOP_MS = 50;
const START_MS = 150;
/** Builds while seeding: only the stacks' existence matters then. */
const SEED_DEPLOY_MS = 20;
/** Redeploys the largest batch at once: Dokploy's build concurrency and MAX_CONCURRENT_DEPLOYS. */
const CONCURRENCY = 20;
/** Owner redeploys (R) before each rollout and after the last. */
const REDEPLOYS = 4;
const TARGET = 1.2;
const ADMIN_TOKEN = "bench-admin-token-0123456789abcdef";
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
const name = (i: number) => `fleet-${String(i + 1).padStart(3, "0")}`;

/** One owner redeploy of `stack`, POST until the `done` event (ms), and its deployment id. */
async function redeploy(portalUrl: string, stack: string): Promise<{ ms: number; id: string }> {
  const sentAt = wallNow();
  const res = await fetch(`${portalUrl}/api/stacks/${stack}/redeploy`, { method: "POST", headers: admin });
  const body = (await res.json()) as any;
  if (res.status !== 202) throw new Error(`redeploy ${stack}: HTTP ${res.status} ${JSON.stringify(body)}`);
  const events = await readSse(`${portalUrl}${body.eventsUrl}`, { until: (e) => e.event === "done" });
  const done = events.at(-1)!;
  if (done.data.status !== "ready") throw new Error(`redeploy ${stack} ended ${JSON.stringify(done.data)}`);
  return { ms: done.receivedAt - sentAt, id: body.deploymentId };
}

/**
 * Where the time of redeploys went, from the portal's own record (GET /api/deployments/:id):
 * each one's duration and each step's, medians and maxima, in ms.
 */
async function profile(portalUrl: string, ids: string[]) {
  const snaps: any[] = [];
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const res = await fetch(`${portalUrl}/api/deployments/${ids[next++]}`, { headers: admin });
      snaps.push(await res.json());
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  const span = (a: string | null, b: string | null) => (a && b ? Date.parse(b) - Date.parse(a) : Number.NaN);
  const summary = (values: number[]) => ({ median: r(median(values), 0), max: r(Math.max(...values), 0) });
  const steps: Record<string, { median: number; max: number }> = {};
  for (const step of ["apply_plan", "deploy", "wait_running", "wait_healthy"]) {
    const own = snaps.map((sn) => sn.steps.find((x: any) => x.step === step)).filter(Boolean);
    steps[step] = summary(own.map((x: any) => span(x.startedAt, x.finishedAt)));
  }
  // From the deployment's creation to its first step: the wait for a deploy slot, if any.
  const toFirstStep = snaps.map((sn) => span(sn.createdAt, sn.steps[0]?.startedAt ?? null));
  return { redeploy: summary(snaps.map((sn) => span(sn.createdAt, sn.finishedAt))), before_first_step: summary(toFirstStep), steps };
}

interface BatchTimes {
  /** First seen active (ms after the POST). */
  start: number;
  /** Every stack of the batch seen in an end state (ms after the POST). */
  end: number;
}

/** One rollout onto `image`, followed over its SSE progress stream as the admin page does. */
async function rollout(portalUrl: string, image: string, batchSize: number) {
  const sentAt = wallNow();
  const res = await fetch(`${portalUrl}/api/admin/rollouts`, {
    method: "POST",
    headers: { ...admin, "content-type": "application/json" },
    body: JSON.stringify({ image, batchSize, maxFailures: 1 }),
  });
  const body = (await res.json()) as any;
  if (res.status !== 202) throw new Error(`rollout ${image}: HTTP ${res.status} ${JSON.stringify(body)}`);
  const acceptedMs = wallNow() - sentAt;
  const batches = new Map<number, BatchTimes>();
  let last: any = null;
  let views = 0;
  const events = await readSse(`${portalUrl}${body.eventsUrl}`, {
    headers: admin,
    until: (e) => e.event === "done",
    onEvent: (e) => {
      if (e.event !== "progress") return;
      views++;
      last = e.data;
      const at = e.receivedAt - sentAt;
      const open = new Map<number, boolean>();
      for (const s of e.data.stacks as { batch: number | null; state: string }[]) {
        if (s.batch === null) continue;
        if (!batches.has(s.batch)) batches.set(s.batch, { start: at, end: Number.NaN });
        open.set(s.batch, (open.get(s.batch) ?? false) || s.state === "active" || s.state === "pending");
      }
      for (const [b, isOpen] of open) {
        const t = batches.get(b)!;
        if (!isOpen && Number.isNaN(t.end)) t.end = at;
      }
    },
  });
  const done = events.at(-1)!;
  if (done.event !== "done" || done.data.status !== "finished" || done.data.counts.done !== STACKS)
    throw new Error(`rollout ${image} (batch size ${batchSize}) ended ${JSON.stringify(done.data)}`);
  const ordered = [...batches.entries()].sort((a, b) => a[0] - b[0]).map(([, t]) => t);
  const durations = ordered.map((t) => t.end - t.start);
  // From one batch's end to the next one's start, as the watcher saw them.
  const gaps = ordered.slice(1).map((t, i) => t.start - ordered[i]!.end);
  return {
    totalMs: done.receivedAt - sentAt,
    acceptedMs,
    batches: ordered.length,
    sizes: last ? countBy((last.stacks as { batch: number }[]).map((s) => s.batch)) : {},
    firstBatchStartMs: ordered[0]?.start ?? Number.NaN,
    canaryMs: durations[0] ?? Number.NaN,
    batchMedianMs: median(durations.slice(1)),
    batchMaxMs: Math.max(...durations.slice(1)),
    gapMedianMs: median(gaps),
    gapMaxMs: Math.max(...gaps),
    views,
    deploymentIds: ((last?.stacks ?? []) as { deploymentId: string | null }[]).flatMap((s) => (s.deploymentId ? [s.deploymentId] : [])),
  };
}

function countBy(values: number[]): Record<string, number> {
  const sizes = new Map<number, number>();
  for (const v of values) sizes.set(v, (sizes.get(v) ?? 0) + 1);
  // How many batches had each size: {"1": 1, "20": 9, "19": 1}.
  const out: Record<string, number> = {};
  for (const n of sizes.values()) out[n] = (out[n] ?? 0) + 1;
  return out;
}

export function run() {
  return runBench(BENCH, async ({ defer }) => {
    const sandbox = await startSandboxProcess({ latencyMs: 0, deployMs: SEED_DEPLOY_MS, stackStartMs: 0, buildConcurrency: CONCURRENCY });
    const data = tempDir("bench-rollout-");
    defer(data.remove);
    const env = (bulkhead: number) =>
      portalEnv(sandbox.url, data.path, {
        ADMIN_TOKEN,
        STACK_IMAGE: "registry.bench/opencode:v1",
        MAX_CONCURRENT_DEPLOYS: String(CONCURRENCY),
        DOKPLOY_MAX_CONCURRENCY: String(bulkhead),
        DEPLOY_TIMEOUT: "2m",
        HEALTH_TIMEOUT: "1m",
        // The sandbox's one node has 64 GiB: 200 stacks at the default 512 MiB reservation do not fit.
        STACK_MEMORY_RESERVATION: "256m",
      });
    let bulkhead = BULKHEAD;
    let portal = await startPortalProcess(env(bulkhead));
    const logs: string[] = [];
    const idleRssMib = r(rssKiB(portal.child.pid) / 1024, 1);

    // Seed: 200 real deploys through the portal's API, CONCURRENCY at a time.
    const seedStart = performance.now();
    await deployAll(
      portal.url,
      Array.from({ length: STACKS }, (_, i) => name(i)),
      CONCURRENCY,
    );
    const seedMs = performance.now() - seedStart;
    progress(BENCH, `seeded ${STACKS} stacks in ${Math.round(seedMs / 1000)} s`);

    await sandbox.settings({ latencyMs: LATENCY_MS, deployDurationMs: DEPLOY_MS, stackStartMs: START_MS, stackStopMs: STOP_MS });
    // Warm-up (JIT, connections), not counted; the last stack is also R's.
    const probeStack = name(STACKS - 1);
    await redeploy(portal.url, probeStack);
    // What the portal costs doing nothing (timers, metrics), to read the rollouts' CPU against.
    const idle = watchUsage(portal.child.pid);
    await Bun.sleep(3_000);
    const idleUsage = idle.stop();
    const redeploySets: number[][] = [];
    const redeployIds: string[] = [];
    let redeployCpuMs = 0;
    const measureR = async () => {
      const set: number[] = [];
      const cpu0 = cpuMs(portal.child.pid);
      for (let i = 0; i < REDEPLOYS; i++) {
        const one = await redeploy(portal.url, probeStack);
        set.push(one.ms);
        redeployIds.push(one.id);
      }
      redeployCpuMs += cpuMs(portal.child.pid) - cpu0;
      redeploySets.push(set);
      progress(BENCH, `one redeploy: ${set.map((v) => Math.round(v)).join(", ")} ms`);
      return set;
    };

    const targets: TargetResult[] = [];
    const rows: Record<string, unknown>[] = [];
    let before = await measureR();
    for (const [i, { batchSize, bulkhead: wanted = BULKHEAD }] of RUNS.entries()) {
      if (wanted !== bulkhead) {
        // The same data directory: the stacks and their history stay.
        logs.push(portal.child.output());
        await portal.child.stop();
        bulkhead = wanted;
        portal = await startPortalProcess(env(bulkhead), `portal-bulkhead-${bulkhead}`);
        await redeploy(portal.url, probeStack);
        before = await measureR();
      }
      await sandbox.resetStats();
      const usage = watchUsage(portal.child.pid);
      const result = await rollout(portal.url, `registry.bench/opencode:v${i + 2}`, batchSize);
      const used = usage.stop();
      const state = await sandbox.state();
      const inRollout = await profile(portal.url, result.deploymentIds);
      const after = await measureR();
      // R for this rollout: the redeploys just before and just after it, on the same portal.
      const R = median([...before, ...after]);
      before = after;
      const expected = 1 + Math.ceil((STACKS - 1) / batchSize);
      const ratio = result.totalMs / (result.batches * R);
      const calls = Object.values(state.calls).reduce((a, b) => a + b, 0);
      const row = {
        batch_size: batchSize,
        dokploy_max_concurrency: bulkhead,
        total_ms: r(result.totalMs, 0),
        batches: result.batches,
        batches_expected: expected,
        batch_sizes: result.sizes,
        redeploy_ms: r(R, 0),
        ratio: r(ratio, 3),
        accepted_ms: r(result.acceptedMs, 1),
        first_batch_start_ms: r(result.firstBatchStartMs, 0),
        canary_ms: r(result.canaryMs, 0),
        batch_median_ms: r(result.batchMedianMs, 0),
        batch_max_ms: r(result.batchMaxMs, 0),
        gap_between_batches_median_ms: r(result.gapMedianMs, 1),
        gap_between_batches_max_ms: r(result.gapMaxMs, 1),
        progress_events: result.views,
        dokploy_calls: calls,
        dokploy_calls_per_stack: r(calls / STACKS, 1),
        dokploy_max_in_flight: state.maxInFlight,
        portal: used,
        portal_cpu_ms_per_stack: r(used.cpu_ms / STACKS, 1),
        profile: inRollout,
      };
      rows.push(row);
      figure(BENCH, { figure: "rollout", ...row });
      const label = `batch size ${batchSize}${bulkhead === BULKHEAD ? "" : `, DOKPLOY_MAX_CONCURRENCY=${bulkhead}`}`;
      progress(
        BENCH,
        `${label}: ${Math.round(result.totalMs)} ms, ${result.batches} batches x R ${Math.round(R)} ms -> ratio ${r(ratio, 3)}; portal CPU ${used.cpu_ms} ms (${used.cpu_percent_of_one_core}% of a core), RSS peak ${used.rss_peak_mib} MiB`,
      );
      targets.push({
        target: `${label}: total / (batches x one redeploy) <= ${TARGET}`,
        value: r(ratio, 3),
        verdict: result.batches === expected ? verdict(ratio <= TARGET) : "missed",
        note: `${r(result.totalMs / 1000, 1)} s for ${result.batches} batches (canary + ${result.batches - 1}) x R ${Math.round(R)} ms; gap between batches median ${r(result.gapMedianMs, 0)} ms; portal CPU ${r(used.cpu_ms / 1000, 2)} s (${used.cpu_percent_of_one_core}% of one core), RSS peak ${used.rss_peak_mib} MiB, median ${used.rss_median_mib} MiB`,
      });
    }
    const redeployProfile = await profile(portal.url, redeployIds);
    logs.push(portal.child.output());
    const errorLines = logs
      .join("\n")
      .split("\n")
      .filter((l) => /"level":(50|60)/.test(l)).length;
    await portal.child.stop();
    const allR = redeploySets.flat();
    return {
      targets,
      figures: {
        stacks: STACKS,
        latency_ms: LATENCY_MS,
        deploy_ms: DEPLOY_MS,
        stack_stop_ms: STOP_MS,
        stack_start_ms: START_MS,
        concurrency: CONCURRENCY,
        seed_s: r(seedMs / 1000, 1),
        portal_rss_idle_mib: idleRssMib,
        portal_idle: idleUsage,
        redeploy_ms_all: allR.map((v) => r(v, 0)),
        redeploy_ms_median: r(median(allR), 0),
        redeploy_profile: redeployProfile,
        // The portal's CPU for one owner redeploy (with its watcher), to compare with a rollout's per stack.
        portal_cpu_ms_per_owner_redeploy: r(redeployCpuMs / allR.length, 1),
        portal_error_lines: errorLines,
        rollouts: rows,
      },
      notes: [
        `sandbox: every Dokploy call ${LATENCY_MS} ms, a deploy ${DEPLOY_MS} ms, the old container stops in ${STOP_MS} ms and the new one answers after ${START_MS} ms; shipped POLL_INTERVAL and PROBE_INTERVAL`,
        `Dokploy's build concurrency and MAX_CONCURRENT_DEPLOYS are ${CONCURRENCY}, so a batch of ${CONCURRENCY} really runs at once (at Dokploy's default of 1 it would build one stack after another); DOKPLOY_MAX_CONCURRENCY at its default ${BULKHEAD}, except in the last rollout`,
        "batches: the canary is a batch of its own, so 200 stacks are 1 + ceil(199 / batch size) batches",
        `one redeploy (R): the owner's redeploy of one stack, POST until its done event, ${REDEPLOYS} before and ${REDEPLOYS} after each rollout; each ratio uses the median of the ${2 * REDEPLOYS} around it`,
        "portal CPU: utime + stime from /proc/<pid>/stat over the rollout; RSS sampled every 200 ms; an admin follows the rollout's progress stream throughout",
      ],
    };
  });
}

if (import.meta.main) process.exit((await run()).ok ? 0 : 1);
