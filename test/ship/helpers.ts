// Shared helpers of the ship tests: run an operator script as a user would (a subprocess
// with only the environment given), free loopback ports, a stand-in /health server.
import { resolve } from "node:path";

export const REPO_ROOT = resolve(import.meta.dir, "..", "..");
export const BUN = resolve(REPO_ROOT, "node_modules", ".bin", "bun");

export interface ScriptResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout and stderr together, for "never prints X" checks. */
  output: string;
}

export interface Running {
  proc: ReturnType<typeof Bun.spawn>;
  result: Promise<ScriptResult>;
  /** What the script has written to stdout so far. */
  stdout(): string;
}

/** Starts `bun scripts/<script> ...args` in the repository with exactly `env` (plus PATH). */
export function startScript(script: string, args: string[], env: Record<string, string>, timeoutMs = 15_000): Running {
  const proc = Bun.spawn([BUN, `scripts/${script}`, ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const timer = setTimeout(() => proc.kill("SIGKILL"), timeoutMs);
  let stdout = "";
  const decoder = new TextDecoder();
  const reading = (async () => {
    for await (const chunk of proc.stdout as ReadableStream<Uint8Array>) stdout += decoder.decode(chunk, { stream: true });
  })();
  const result = (async () => {
    const [, stderr, code] = await Promise.all([reading, new Response(proc.stderr as ReadableStream).text(), proc.exited]);
    clearTimeout(timer);
    return { code, stdout, stderr, output: `${stdout}\n${stderr}` };
  })();
  return { proc, result, stdout: () => stdout };
}

export function runScript(script: string, args: string[], env: Record<string, string>, timeoutMs?: number): Promise<ScriptResult> {
  return startScript(script, args, env, timeoutMs).result;
}

/** A loopback port nothing listens on (bound, then released). */
export { freePort as deadPort } from "../support/ports.ts";

/** A stand-in portal /health: answers whatever `body()` returns at the moment. */
export function healthServer(body: () => unknown, status: () => number = () => 200) {
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: (req) => (new URL(req.url).pathname === "/health" ? Response.json(body(), { status: status() }) : new Response("no", { status: 404 })),
  });
  return { url: `http://127.0.0.1:${server.port}/health`, stop: () => server.stop(true) };
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}
