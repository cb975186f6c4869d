// Standalone sandbox Dokploy for integration tests and manual poking:
//   bun src/sandbox/cli.ts --port N [--api-key K] [--deploy-ms D]
//       [--build-concurrency C] [--latency-ms L] [--stack-start-ms S] [--stack-stop-ms T] [--scale-settle-ms M] [--image-health-check-ms I] [--runtime memory|docker] [--dokploy-workers W] [--dokploy-call-ms C] [--hostname H] [--verbose]
// Prints exactly one line to stdout once listening; notes go to stderr.
import { parseArgs } from "node:util";
import { startSandbox } from "./server.ts";
import { REAL_DOKPLOY_CAPACITY } from "./context.ts";

const DEFAULT_API_KEY = "sandbox-key";

const USAGE = `usage: bun src/sandbox/cli.ts [--port N] [--hostname H] [--api-key K] [--deploy-ms D]
       [--build-concurrency C] [--latency-ms L] [--stack-start-ms S] [--stack-stop-ms T] [--scale-settle-ms M] [--image-health-check-ms I] [--runtime memory|docker] [--dokploy-workers W] [--dokploy-call-ms C] [--verbose]`;

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

function num(name: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) fail(`--${name} must be a number >= ${min}, got "${value}"`);
  return n;
}

function runtimeOf(value: string | undefined): "memory" | "docker" {
  if (value === undefined || value === "memory" || value === "docker") return value ?? "memory";
  return fail(`--runtime must be memory or docker, got "${value}"`);
}

function parse() {
  try {
    return parseArgs({
      options: {
        port: { type: "string" },
        hostname: { type: "string" },
        "api-key": { type: "string" },
        "deploy-ms": { type: "string" },
        "build-concurrency": { type: "string" },
        "latency-ms": { type: "string" },
        "stack-start-ms": { type: "string" },
        "stack-stop-ms": { type: "string" },
        "scale-settle-ms": { type: "string" },
        "image-health-check-ms": { type: "string" },
        runtime: { type: "string" },
        "dokploy-workers": { type: "string" },
        "dokploy-call-ms": { type: "string" },
        verbose: { type: "boolean" },
        help: { type: "boolean" },
      },
      strict: true,
    });
  } catch (err) {
    return fail((err as Error).message);
  }
}
const parsed = parse();
const args = parsed.values;
if (args.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

const apiKey = args["api-key"] ?? DEFAULT_API_KEY;
if (!args["api-key"]) process.stderr.write(`sandbox: no --api-key given, accepting the default key "${DEFAULT_API_KEY}" (header x-api-key)\n`);

const started = await startSandbox({
  apiKey,
  port: num("port", args.port, 0) ?? 0,
  hostname: args.hostname ?? "127.0.0.1",
  runtime: runtimeOf(args.runtime),
  // As bounded as a real Dokploy unless told otherwise (capacity.ts); 0 for either: unbounded.
  dokployWorkers: num("dokploy-workers", args["dokploy-workers"], 0) ?? REAL_DOKPLOY_CAPACITY.dokployWorkers,
  dokployCallMs: num("dokploy-call-ms", args["dokploy-call-ms"], 0) ?? REAL_DOKPLOY_CAPACITY.dokployCallMs,
  deployDurationMs: num("deploy-ms", args["deploy-ms"], 0),
  buildConcurrency: num("build-concurrency", args["build-concurrency"], 1),
  latencyMs: num("latency-ms", args["latency-ms"], 0),
  stackStartMs: num("stack-start-ms", args["stack-start-ms"], 0),
  stackStopMs: num("stack-stop-ms", args["stack-stop-ms"], 0),
  scaleSettleMs: num("scale-settle-ms", args["scale-settle-ms"], 0),
  imageHealthCheckMs: num("image-health-check-ms", args["image-health-check-ms"], 0),
  log: args.verbose ? (msg, fields) => process.stderr.write(`${JSON.stringify({ msg, ...fields })}\n`) : undefined,
});
process.stdout.write(`sandbox dokploy listening on ${started.url}\n`);

let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void started.stop().then(() => process.exit(0));
  });
}
