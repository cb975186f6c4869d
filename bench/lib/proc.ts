/**
 * Child processes for the benchmarks: the sandbox Dokploy, the portal, the baselines and the
 * SSE watchers. Every process started here is tracked and killed by `stopAll()` (called in
 * each benchmark's `finally`), and again with SIGKILL if the bench process exits anyway.
 */
import type { Subprocess } from "bun";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The Bun binary running the bench: every child runs on the same one. */
export const BUN = process.execPath;
/** The repository root (bench/lib/ -> ../..). */
export const ROOT = join(import.meta.dir, "..", "..");
export const LOOPBACK = "127.0.0.1";
export const SANDBOX_KEY = "bench-sandbox-key-0123456789";

export interface Child {
  name: string;
  proc: Subprocess<"ignore", "pipe", "pipe">;
  pid: number;
  /** Everything the process wrote to stdout and stderr so far (capped). */
  output(): string;
  /** Resolves with the first output line that matches. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<Child>();
const tempDirs = new Set<string>();
const OUTPUT_CAP = 8 * 1024 * 1024;

export function spawnChild(name: string, cmd: string[], env: Record<string, string>): Child {
  const proc = Bun.spawn(cmd, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  let out = "";
  const listeners = new Set<() => void>();
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of stream) {
        if (out.length < OUTPUT_CAP) out += decoder.decode(chunk, { stream: true });
        for (const l of listeners) l();
      }
    } catch {
      // The process went away; what we have is what it said.
    }
  };
  const drained = Promise.all([pump(proc.stdout), pump(proc.stderr)]);
  const child: Child = {
    name,
    proc,
    pid: proc.pid,
    output: () => out,
    waitFor(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        const done = (fn: () => void) => {
          listeners.delete(check);
          clearTimeout(timer);
          fn();
        };
        const check = () => {
          const m = pattern.exec(out);
          if (m) done(() => resolve(m));
        };
        const timer = setTimeout(
          () => done(() => reject(new Error(`${name}: no ${pattern} within ${timeoutMs} ms; output:\n${out.slice(-2000)}`))),
          timeoutMs,
        );
        listeners.add(check);
        // Read what it wrote before it exited, then decide.
        Promise.all([proc.exited, drained]).then(([code]) => {
          check();
          if (listeners.has(check)) done(() => reject(new Error(`${name} exited (${code}) before ${pattern}; output:\n${out.slice(-2000)}`)));
        });
        check();
      });
    },
    async stop(graceMs = 3_000) {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill("SIGTERM");
        const exited = await Promise.race([proc.exited.then(() => true), Bun.sleep(graceMs).then(() => false)]);
        if (!exited) {
          proc.kill("SIGKILL");
          await proc.exited;
        }
      }
      live.delete(child);
    },
  };
  live.add(child);
  proc.exited.then(() => live.delete(child));
  return child;
}

/** Stops every child still running (in parallel). */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((c) => c.stop(2_000).catch(() => undefined)));
}

// Last resort: never leave a portal or a sandbox (or a temp dir) behind, whatever happened.
process.on("exit", () => {
  for (const c of live) {
    try {
      c.proc.kill("SIGKILL");
    } catch {
      // already gone
    }
  }
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    void stopAll().finally(() => process.exit(130));
  });
}

/** A loopback port that was free a moment ago (the portal needs PORT up front). */
export function freePort(): number {
  const server = Bun.serve({ hostname: LOOPBACK, port: 0, fetch: () => new Response(null) });
  const port = server.port!;
  server.stop(true);
  return port;
}

/** Polls `url` until it answers 200; returns ms since `since` (performance.now()). */
export async function waitFor200(
  url: string,
  opts: { since?: number; timeoutMs?: number; intervalMs?: number; child?: Child } = {},
): Promise<number> {
  const since = opts.since ?? performance.now();
  const deadline = since + (opts.timeoutMs ?? 20_000);
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.status === 200) return performance.now() - since;
    } catch {
      // not listening yet
    }
    if (opts.child && opts.child.proc.exitCode !== null)
      throw new Error(`${opts.child.name} exited (${opts.child.proc.exitCode}):\n${opts.child.output().slice(-2000)}`);
    if (performance.now() > deadline)
      throw new Error(`${url} did not answer 200 in time${opts.child ? `:\n${opts.child.output().slice(-2000)}` : ""}`);
    await Bun.sleep(opts.intervalMs ?? 10);
  }
}

/** A fresh directory under the OS temp dir, removed by `remove()` or at exit at the latest. */
export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(path);
  return {
    path,
    remove: () => {
      rmSync(path, { recursive: true, force: true });
      tempDirs.delete(path);
    },
  };
}

/** Resident set size of a process in KiB, from /proc/<pid>/status. */
export function rssKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]);
}

// --- the sandbox Dokploy ------------------------------------------------------------------

export interface SandboxProcess {
  url: string;
  child: Child;
  settings(patch: {
    latencyMs?: number;
    deployDurationMs?: number;
    buildConcurrency?: number;
    stackStartMs?: number;
    stackStopMs?: number;
  }): Promise<void>;
  state(): Promise<SandboxStateView>;
  resetStats(): Promise<void>;
  /** An empty Dokploy again (settings kept). */
  reset(): Promise<void>;
  addFault(fault: Record<string, unknown>): Promise<void>;
}

export interface SandboxStateView {
  calls: Record<string, number>;
  inFlight: number;
  maxInFlight: number;
  projects: unknown[];
  deployments: { status: string }[];
}

/** The sandbox Dokploy as its own process (src/sandbox/cli.ts), on a loopback port. */
export async function startSandboxProcess(
  opts: { deployMs?: number; buildConcurrency?: number; latencyMs?: number; stackStartMs?: number; runtime?: "memory" | "docker" } = {},
): Promise<SandboxProcess> {
  const args = [BUN, "src/sandbox/cli.ts", "--port", "0", "--hostname", LOOPBACK, "--api-key", SANDBOX_KEY];
  if (opts.deployMs !== undefined) args.push("--deploy-ms", String(opts.deployMs));
  if (opts.buildConcurrency !== undefined) args.push("--build-concurrency", String(opts.buildConcurrency));
  if (opts.latencyMs !== undefined) args.push("--latency-ms", String(opts.latencyMs));
  if (opts.stackStartMs !== undefined) args.push("--stack-start-ms", String(opts.stackStartMs));
  if (opts.runtime !== undefined) args.push("--runtime", opts.runtime);
  const child = spawnChild("sandbox", args, {});
  const m = await child.waitFor(/listening on (http:\/\/\S+)/, 15_000);
  const url = m[1]!;
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`sandbox ${path}: ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
  };
  return {
    url,
    child,
    settings: (patch) => post("/__sandbox/settings", patch),
    resetStats: () => post("/__sandbox/stats/reset", {}),
    reset: () => post("/__sandbox/reset", {}),
    addFault: (fault) => post("/__sandbox/faults", fault),
    async state() {
      return (await (await fetch(`${url}/__sandbox/state`)).json()) as SandboxStateView;
    },
  };
}

/** Creates Dokploy projects through the sandbox's API, `concurrency` requests at a time. */
export async function createProjects(sandboxUrl: string, names: string[], concurrency = 32): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < names.length) {
      const name = names[next++]!;
      const res = await fetch(`${sandboxUrl}/api/project.create`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-api-key": SANDBOX_KEY },
        body: JSON.stringify({ name, description: "bench seed" }),
      });
      if (!res.ok) throw new Error(`project.create ${name}: ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

// --- the portal ---------------------------------------------------------------------------

export interface PortalProcess {
  url: string;
  port: number;
  child: Child;
  /** ms from spawn to the first /health 200. */
  startMs: number;
}

/** Environment for a portal pointed at a sandbox: loopback only, no rate limits, quiet log. */
export function portalEnv(sandboxUrl: string, dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: "production",
    HOST: LOOPBACK,
    LOG_LEVEL: "warn",
    DATA_DIR: dataDir,
    DOKPLOY_URL: sandboxUrl,
    DOKPLOY_API_TOKEN: SANDBOX_KEY,
    STACK_PROBE_URLS: `${sandboxUrl}/ {host}`,
    STACK_DOMAIN_SUFFIX: "stacks.bench",
    RATE_LIMIT_CHECK: "off",
    RATE_LIMIT_DEPLOY: "off",
    RATE_LIMIT_DELETE: "off",
    MAX_STACKS: "0",
    RECONCILE_INTERVAL: "0",
    ...extra,
  };
}

/**
 * `bun src/main.ts` as its own process. LOG_LEVEL=warn hides the "listening" line, so the
 * port is chosen here and readiness is the first /health 200. Retries on a port clash.
 */
export async function startPortalProcess(env: Record<string, string>, name = "portal"): Promise<PortalProcess> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = freePort();
    const since = performance.now();
    const child = spawnChild(name, [BUN, "src/main.ts"], { ...env, PORT: String(port) });
    const url = `http://${LOOPBACK}:${port}`;
    try {
      const startMs = await waitFor200(`${url}/health`, { since, child, intervalMs: 5 });
      return { url, port, child, startMs };
    } catch (err) {
      lastError = err;
      await child.stop(500);
      if (!/EADDRINUSE|address already in use/i.test(child.output())) break;
    }
  }
  throw lastError;
}

/** A bench fixture (bench/fixtures/*.ts) started exactly like the portal: PORT in env, /health. */
export async function startFixture(file: string, name: string, healthPath = "/health", env: Record<string, string> = {}): Promise<PortalProcess> {
  const port = freePort();
  const since = performance.now();
  const child = spawnChild(name, [BUN, file], { ...env, HOST: LOOPBACK, PORT: String(port) });
  const url = `http://${LOOPBACK}:${port}`;
  const startMs = await waitFor200(`${url}${healthPath}`, { since, child, intervalMs: 5 });
  return { url, port, child, startMs };
}
