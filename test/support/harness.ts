import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config.ts";
import { createLogger } from "../../src/log.ts";
import { type Portal, startPortal } from "../../src/portal.ts";
import { type SandboxOptions, startSandbox } from "../../src/sandbox/index.ts";
import type { DeployAccepted } from "../../web/api.ts";

/**
 * A real portal on a loopback port, talking HTTP to a real sandbox Dokploy on another port.
 * Timings are shortened so a full deploy takes well under a second.
 */

export const SANDBOX_KEY = "test-sandbox-key-0123456789";
export const ADMIN_TOKEN = "admin-token-for-tests-0123456789";

export interface Harness {
  url: string;
  sandboxUrl: string;
  portal: Portal;
  sandbox: Awaited<ReturnType<typeof startSandbox>>["sandbox"];
  /** Every log line the portal wrote, as text. */
  logs: string[];
  dataDir: string;
  env: Record<string, string>;
  /** Stops only the sandbox Dokploy, as if Dokploy went away. */
  stopSandbox(): Promise<void>;
  stop(): Promise<void>;
}

export const FAST_ENV: Record<string, string> = {
  NODE_ENV: "test",
  HOST: "127.0.0.1",
  PORT: "0",
  LOG_LEVEL: "info",
  STACK_DOMAIN_SUFFIX: "stacks.test",
  ADMIN_TOKEN,
  DOKPLOY_TIMEOUT: "2s",
  DEPLOY_TIMEOUT: "5s",
  HEALTH_TIMEOUT: "3s",
  POLL_INTERVAL: "50ms",
  PROBE_INTERVAL: "50ms",
  PROBE_ATTEMPT_TIMEOUT: "1s",
  AVAILABILITY_CACHE_TTL: "200ms",
  DOKPLOY_CIRCUIT_COOLDOWN: "300ms",
  RATE_LIMIT_DEPLOY: "off",
  RATE_LIMIT_DELETE: "off",
  RATE_LIMIT_CHECK: "off",
  RATE_LIMIT_AUTH: "off",
  RATE_LIMIT_OPERATIONS: "off",
  RECONCILE_INTERVAL: "0",
  IDLE_STOP_AFTER: "0",
  // No background retention, nor removal of gone owners' volumes: tests run a pass when they want one.
  RETENTION_INTERVAL: "0",
};

/**
 * A warm pool on the sandbox: its stacks have no domain, so the probe reaches them by appName
 * (as `http://{appName}:{port}/` on Dokploy's network), besides the public host.
 */
export const poolEnv = (sandboxUrl: string, size = 2): Record<string, string> => ({
  STACK_PROBE_URLS: `${sandboxUrl}/ {host},${sandboxUrl}/ {appName}`,
  POOL_SIZE: String(size),
});

/** Until the portal's warm pool has `n` ready stacks and none being made. */
export const poolReady = (h: Pick<Harness, "portal">, n: number, timeoutMs = 15_000) =>
  waitFor(
    async () => h.portal.store.pool.counts(),
    (c) => c.ready === n && c.warming === 0,
    `${n} pooled stacks ready`,
    timeoutMs,
  );

/** The environment of a portal that talks to the sandbox at `sandboxUrl`. */
export function portalEnv(sandboxUrl: string, dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...FAST_ENV,
    DATA_DIR: dataDir,
    DOKPLOY_URL: sandboxUrl,
    DOKPLOY_API_TOKEN: SANDBOX_KEY,
    // The sandbox answers for deployed stacks by Host header, like Traefik.
    STACK_PROBE_URLS: `${sandboxUrl}/ {host}`,
    ...extra,
  };
}

export async function startHarness(
  opts: {
    /** Over the harness's environment; a function gets the sandbox's URL (for probe targets). */
    env?: Record<string, string> | ((sandboxUrl: string) => Record<string, string>);
    sandbox?: Partial<SandboxOptions> & { port?: number; runtime?: "memory" | "docker" };
    dataDir?: string;
    heartbeatMs?: number;
    /** The sessions' clock (ms), for tests that move time instead of waiting. */
    sessionClock?: () => number;
  } = {},
): Promise<Harness> {
  const sandbox = await startSandbox({ apiKey: SANDBOX_KEY, deployDurationMs: 60, stackStartMs: 20, ...opts.sandbox });
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "portal-test-"));
  const env = portalEnv(sandbox.url, dataDir, typeof opts.env === "function" ? opts.env(sandbox.url) : opts.env);
  const config = loadConfig(env);
  const logs: string[] = [];
  const log = createLogger({
    level: config.LOG_LEVEL,
    secrets: [config.DOKPLOY_API_TOKEN, config.ADMIN_TOKEN],
    destination: { write: (line) => logs.push(line) },
  });
  const portal = await startPortal({
    config,
    log,
    mode: "dokploy",
    dokployUrl: sandbox.url,
    dokployApiKey: config.DOKPLOY_API_TOKEN!,
    heartbeatMs: opts.heartbeatMs,
    sessionClock: opts.sessionClock,
    cleanup: { attempts: 4, baseDelayMs: 20 },
  });
  return {
    url: portal.url,
    sandboxUrl: sandbox.url,
    portal,
    sandbox: sandbox.sandbox,
    logs,
    dataDir,
    env,
    stopSandbox: () => sandbox.stop(),
    async stop() {
      await portal.runner.settle();
      await portal.stop();
      await sandbox.stop();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface SseEvent {
  id: string;
  event: string;
  data: any;
}

/** Reads an SSE stream to its end (or until `until` says stop) and returns its events. */
export async function readEvents(
  url: string,
  opts: { lastEventId?: string; until?: (e: SseEvent) => boolean; timeoutMs?: number; headers?: Record<string, string> } = {},
): Promise<SseEvent[]> {
  const res = await fetch(url, {
    headers: { ...opts.headers, ...(opts.lastEventId ? { "Last-Event-ID": opts.lastEventId } : {}) },
    signal: AbortSignal.timeout(opts.timeoutMs ?? 15_000),
  });
  if (!res.ok || !res.body) throw new Error(`SSE ${url}: HTTP ${res.status}`);
  const events: SseEvent[] = [];
  const decoder = new TextDecoder();
  let buffer = "";
  const reader = res.body.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    for (let cut = buffer.indexOf("\n\n"); cut >= 0; cut = buffer.indexOf("\n\n")) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const e: Partial<SseEvent> & { data?: any } = {};
      for (const line of block.split("\n")) {
        if (line.startsWith("id:")) e.id = line.slice(3).trim();
        else if (line.startsWith("event:")) e.event = line.slice(6).trim();
        else if (line.startsWith("data:")) e.data = JSON.parse(line.slice(5).trim());
      }
      if (e.event) {
        events.push(e as SseEvent);
        if (opts.until?.(e as SseEvent)) {
          await reader.cancel();
          return events;
        }
      }
    }
  }
  return events;
}

export async function deploy(h: Pick<Harness, "url">, name: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${h.url}/api/deploy`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ name }),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as any };
}

/** The harness runs in open mode: every deploy hands out its management token. */
export interface DeployResult extends DeployAccepted {
  managementToken: string;
  events: SseEvent[];
  done: SseEvent;
}

/** Deploys and waits for the terminal event; returns the 202 body and every event. */
export async function deployAndWait(h: Harness, name: string, opts: { timeoutMs?: number } = {}): Promise<DeployResult> {
  const accepted = await deploy(h, name);
  if (accepted.status !== 202) throw new Error(`deploy ${name}: ${accepted.status} ${JSON.stringify(accepted.body)}`);
  if (typeof accepted.body.managementToken !== "string") throw new Error(`deploy ${name}: no management token in the 202`);
  const events = await readEvents(`${h.url}${accepted.body.eventsUrl}`, { timeoutMs: opts.timeoutMs });
  return { ...accepted.body, events, done: events.at(-1)! };
}

/** Deploys every name, `parallel` at a time, each until its end; throws unless all are ready. */
export async function deployMany(h: Pick<Harness, "url">, names: string[], parallel = 20): Promise<void> {
  const queue = [...names];
  const worker = async () => {
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
      const accepted = await deploy(h, name);
      if (accepted.status !== 202) throw new Error(`deploy ${name}: ${accepted.status} ${JSON.stringify(accepted.body)}`);
      const end = (await readEvents(`${h.url}${accepted.body.eventsUrl}`, { timeoutMs: 60_000 })).at(-1);
      if (end?.data.status !== "ready") throw new Error(`deploy ${name}: ${JSON.stringify(end?.data)}`);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

export async function sandboxState(h: Pick<Harness, "sandboxUrl">): Promise<any> {
  return (await fetch(`${h.sandboxUrl}/__sandbox/state`)).json();
}

/** A procedure call to the sandbox Dokploy as an operator's script would make it (POST, the API key). */
export function dokployPost(sandboxUrl: string, procedure: string, body: unknown): Promise<Response> {
  return fetch(`${sandboxUrl}/api/${procedure}`, {
    method: "POST",
    headers: { "x-api-key": SANDBOX_KEY, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

/** Another portal on the harness's data and sandbox (the caller has stopped the first), with `env` over the harness's. */
export async function startAnotherPortal(h: Pick<Harness, "env" | "sandboxUrl">, env: Record<string, string> = {}): Promise<Portal> {
  const config = loadConfig({ ...h.env, ...env });
  return await startPortal({
    config,
    log: createLogger({ level: "silent", secrets: [], destination: { write: () => undefined } }),
    mode: "dokploy",
    dokployUrl: h.sandboxUrl,
    dokployApiKey: config.DOKPLOY_API_TOKEN!,
  });
}

/** Reads until `ok` holds, for at most `timeoutMs` (then fails saying what it waited for and what it last read). */
export async function waitFor<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`);
    await Bun.sleep(100);
  }
}
