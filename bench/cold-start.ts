/**
 * 5. cold start: process start (spawn) to the first 200 from /health, for the portal
 * (`bun src/main.ts`, pointed at a running sandbox Dokploy, so /health includes its Dokploy
 * check) and for a bare Bun.serve hello world (bench/fixtures/hello.ts), each started the
 * same way N times, interleaved. One unmeasured start of each first warms the page cache.
 */
import { runBench } from "./lib/bench.ts";
import { BUN, LOOPBACK, freePort, portalEnv, spawnChild, startSandboxProcess, tempDir, waitFor200 } from "./lib/proc.ts";
import { figure, type TargetResult } from "./lib/report.ts";
import { median, r } from "./lib/stats.ts";

const BENCH = "cold-start";
const N = Number(process.env.BENCH_COLD_N ?? 20);

export function run() {
  return runBench(BENCH, async ({ defer }) => {
    const sandbox = await startSandboxProcess();
    const data = tempDir("bench-cold-");
    defer(data.remove);
    const env = portalEnv(sandbox.url, data.path);

    const start = async (which: "portal" | "hello"): Promise<number> => {
      const port = freePort();
      const since = performance.now();
      const child =
        which === "portal"
          ? spawnChild("portal", [BUN, "src/main.ts"], { ...env, PORT: String(port) })
          : spawnChild("hello", [BUN, "bench/fixtures/hello.ts"], { HOST: LOOPBACK, PORT: String(port) });
      try {
        return await waitFor200(`http://${LOOPBACK}:${port}/health`, { since, child, intervalMs: 2 });
      } finally {
        await child.stop();
      }
    };

    await start("portal"); // also creates and migrates the database: later starts are restarts
    await start("hello");
    const times: Record<"portal" | "hello", number[]> = { portal: [], hello: [] };
    for (let i = 0; i < N; i++) {
      const order = (i % 2 === 0 ? ["portal", "hello"] : ["hello", "portal"]) as ("portal" | "hello")[];
      for (const which of order) {
        const ms = await start(which);
        times[which].push(ms);
        figure(BENCH, { figure: "start", server: which, run: i + 1, ms: r(ms, 1) });
      }
    }
    const portal = r(median(times.portal), 1);
    const hello = r(median(times.hello), 1);
    const ratio = r(portal / hello, 2);
    const targets: TargetResult[] = [
      {
        target: "median start to first /health 200, portal",
        value: `${portal} ms`,
        verdict: "n/a",
        note: `min ${r(Math.min(...times.portal), 1)}, max ${r(Math.max(...times.portal), 1)}`,
      },
      {
        target: "median start to first 200, bare Bun.serve",
        value: `${hello} ms`,
        verdict: "n/a",
        note: `min ${r(Math.min(...times.hello), 1)}, max ${r(Math.max(...times.hello), 1)}`,
      },
      { target: "ratio portal / bare Bun.serve", value: ratio, verdict: "n/a" },
    ];
    return {
      targets,
      figures: { runs: N, portal_median_ms: portal, hello_median_ms: hello, ratio },
      notes: ["polled every 2 ms; an existing database (a restart); /health includes a Dokploy round trip to the local sandbox"],
    };
  });
}

if (import.meta.main) process.exit((await run()).ok ? 0 : 1);
