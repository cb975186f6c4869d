/**
 * `npm test`: every tier, in two lanes side by side. The light lane (servers in this process or
 * a portal process each) runs its files in parallel; the heavy lane (a real OpenCode, a real
 * Docker engine, Chromium) runs one file at a time, since two of those at once on a small
 * machine make each other miss their deadlines. Each lane's output is printed whole when it
 * ends, so that a file's lines stay together.
 *
 *   bun scripts/test.ts              both lanes (npm test)
 *   bun scripts/test.ts --fast       the light lane only (npm run test:fast)
 *   bun scripts/test.ts <paths...>   just those files or folders, in parallel
 */

const TIMEOUT = "--timeout=20000";
export const LIGHT = ["test/unit", "test/integration", "test/sandbox", "test/probe", "test/contract", "test/placement", "test/ship"];
export const HEAVY = ["test/opencode", "test/stack-image", "test/engine", "test/browser"];
/** Light files at once: most of their time is spent waiting on servers, not on the CPU. */
const LIGHT_WORKERS = 3;

interface Lane {
  name: string;
  args: string[];
}

async function run(lane: Lane): Promise<{ lane: Lane; code: number; output: string; seconds: number }> {
  const started = performance.now();
  const proc = Bun.spawn([process.execPath, "test", TIMEOUT, ...lane.args], { stdout: "pipe", stderr: "pipe", env: process.env });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { lane, code, output: out + err, seconds: (performance.now() - started) / 1000 };
}

async function main(argv: string[]): Promise<number> {
  const fast = argv.includes("--fast");
  const paths = argv.filter((a) => !a.startsWith("--"));
  const lanes: Lane[] = paths.length
    ? [{ name: "chosen", args: [`--parallel=${LIGHT_WORKERS}`, ...paths] }]
    : [{ name: "light", args: [`--parallel=${LIGHT_WORKERS}`, ...LIGHT] }, ...(fast ? [] : [{ name: "heavy", args: HEAVY }])];
  const started = performance.now();
  let failed = false;
  await Promise.all(
    lanes.map(async (lane) => {
      const result = await run(lane);
      process.stdout.write(`\n===== ${lane.name} lane (${result.seconds.toFixed(0)} s) =====\n${result.output}`);
      if (result.code !== 0) failed = true;
    }),
  );
  process.stdout.write(`\n${lanes.map((l) => l.name).join(" + ")}: ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
  return failed ? 1 : 0;
}

process.exit(await main(process.argv.slice(2)));
