import { readFileSync } from "node:fs";
import { Glob } from "bun";

/**
 * `npm test`: every tier, in two lanes side by side. One lane runs the files that mostly wait on
 * servers: first the light tiers, several files at once, then the browser tests, one at a time
 * (beside the other lane, two Chromium flows at once starve each other). The other lane
 * runs the files that keep the CPU busy one at a time: a real Docker engine (engine, stack-image)
 * and every file that starts a real OpenCode (it imports test/support/opencode.ts). Each run's
 * output is printed whole when it ends, so that a file's lines stay together.
 *
 *   bun scripts/test.ts              both lanes (npm test)
 *   bun scripts/test.ts --fast       the light tiers only (npm run test:fast)
 *   bun scripts/test.ts <paths...>   just those files or folders, several at once
 */

const TIMEOUT = "--timeout=20000";
const LIGHT = ["unit", "integration", "sandbox", "probe", "contract", "placement", "ship"];
/** Run one at a time, whatever they import. */
const ENGINE = ["engine", "stack-image"];
/** Beside the CPU lane. */
const LIGHT_WORKERS = 3;
/** `--fast` has the machine to itself: more files at once, up to what two cores take (measured: 3 → 75 s, 5 → 65 s). */
const FAST_WORKERS = 5;
/** One Chromium flow at a time: beside the CPU lane, two already made flows miss their limits. */
const BROWSER_WORKERS = 1;

const startsOpenCode = (file: string) => /support\/opencode\.ts"/.test(readFileSync(file, "utf8"));

function testFiles(tiers: string[]): string[] {
  return tiers.flatMap((tier) => [...new Glob(`test/${tier}/**/*.test.ts`).scanSync(".")].sort());
}

const parallel = (workers: number, files: string[]) => [`--parallel=${workers}`, ...files];

/** Each lane is a list of `bun test` runs, one after the other; the lanes run side by side. */
function lanes(fast: boolean): { name: string; runs: string[][] }[] {
  const light = testFiles(LIGHT);
  if (fast) return [{ name: "fast", runs: [parallel(FAST_WORKERS, light)] }];
  // The engine first, the browser's gate test last: at the start the light tiers keep both cores
  // busiest, and OpenCode 1.18's terminal stays silent under that (seen at load 13).
  const rest = testFiles([...ENGINE, "opencode", "browser"]);
  const cpu = rest.filter((f) => ENGINE.some((tier) => f.startsWith(`test/${tier}/`)) || startsOpenCode(f));
  const browser = rest.filter((f) => !cpu.includes(f));
  return [
    { name: "waiting", runs: [parallel(LIGHT_WORKERS, light), parallel(BROWSER_WORKERS, browser)] },
    { name: "cpu", runs: [cpu] },
  ];
}

async function run(args: string[]): Promise<{ code: number; output: string }> {
  const proc = Bun.spawn([process.execPath, "test", TIMEOUT, ...args], { stdout: "pipe", stderr: "pipe", env: process.env });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, output: out + err };
}

const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(0)} s`;

async function main(argv: string[]): Promise<number> {
  const paths = argv.filter((a) => !a.startsWith("--"));
  const chosen = paths.length ? [{ name: "chosen", runs: [parallel(LIGHT_WORKERS, paths)] }] : lanes(argv.includes("--fast"));
  const started = performance.now();
  let failed = false;
  await Promise.all(
    chosen.map(async (lane) => {
      for (const [i, args] of lane.runs.entries()) {
        const since = performance.now();
        const result = await run(args);
        process.stdout.write(`\n===== ${lane.name} lane, run ${i + 1} of ${lane.runs.length} (${seconds(since)}) =====\n${result.output}`);
        if (result.code !== 0) failed = true;
      }
    }),
  );
  process.stdout.write(`\nall lanes: ${seconds(started)}\n`);
  return failed ? 1 : 0;
}

process.exit(await main(process.argv.slice(2)));
