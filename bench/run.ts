/**
 * `npm run bench`: the benchmarks in sequence. Each prints one JSON line per figure on
 * stdout, then its summary; this prints the overall summary last. Progress goes to stderr.
 * Benchmarks report, they do not assert: the exit code is non-zero only when a benchmark
 * could not run, never because a target was missed.
 */
import { cpus, totalmem } from "node:os";
import { run as adminTable } from "./admin-table.ts";
import { run as check } from "./check.ts";
import { run as coldStart } from "./cold-start.ts";
import { run as concurrentDeploys } from "./concurrent-deploys.ts";
import { run as deployPath } from "./deploy-path.ts";
import { run as engineDeploy } from "./engine-deploy.ts";
import { run as history } from "./history.ts";
import { run as nodeLoss } from "./node-loss.ts";
import { run as pageLoad } from "./page-load.ts";
import { run as poolClaim } from "./pool-claim.ts";
import { run as rollout } from "./rollout.ts";
import { stopAll } from "./lib/proc.ts";
import type { BenchSummary } from "./lib/report.ts";
import { run as sseFanout } from "./sse-fanout.ts";

const BENCHES: [string, () => Promise<BenchSummary>][] = [
  ["check", check],
  ["deploy-path", deployPath],
  ["sse-fanout", sseFanout],
  ["concurrent-deploys", concurrentDeploys],
  ["cold-start", coldStart],
  ["page-load", pageLoad],
  ["rollout", rollout],
  ["engine-deploy", engineDeploy],
  ["pool-claim", poolClaim],
  ["history", history],
  ["node-loss", nodeLoss],
  ["admin-table", adminTable],
];

const only = process.argv.slice(2);
const machine = {
  nproc: cpus().length,
  cpu: cpus()[0]?.model ?? "unknown",
  mem_gib: Math.round((totalmem() / 2 ** 30) * 10) / 10,
  bun: Bun.version,
  platform: `${process.platform} ${process.arch}`,
};
process.stdout.write(`${JSON.stringify({ bench: "machine", ...machine })}\n`);

const results: BenchSummary[] = [];
const started = performance.now();
try {
  for (const [name, run] of BENCHES) {
    if (only.length && !only.includes(name)) continue;
    const t0 = performance.now();
    process.stderr.write(`\n=== ${name} ===\n`);
    results.push(await run());
    process.stderr.write(`=== ${name}: ${Math.round((performance.now() - t0) / 1000)} s ===\n`);
  }
} finally {
  await stopAll();
}

const totalS = Math.round((performance.now() - started) / 1000);
process.stdout.write(
  `${JSON.stringify({
    bench: "all",
    summary: true,
    seconds: totalS,
    benches: results.map((s) => ({
      bench: s.bench,
      ok: s.ok,
      met: s.targets.filter((t) => t.verdict === "met").length,
      missed: s.targets.filter((t) => t.verdict === "missed").length,
    })),
  })}\n`,
);
process.stdout.write(`# all benchmarks: ${totalS} s on ${machine.nproc} x ${machine.cpu}, Bun ${machine.bun}\n`);
for (const s of results) {
  process.stdout.write(`#   ${s.bench}: ${s.ok ? "ran" : `FAILED: ${s.error}`}\n`);
  for (const t of s.targets) process.stdout.write(`#     [${t.verdict}] ${t.target}: ${t.value}\n`);
}
process.exit(results.every((s) => s.ok) ? 0 : 1);
