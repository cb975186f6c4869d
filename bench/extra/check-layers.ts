/**
 * Not one of the five benchmarks (not run by `npm run bench`): where the time of one
 * GET /api/check/:name goes inside the portal, measured in-process without HTTP by building
 * the portal's middleware stack layer by layer from src/ and calling `app.fetch` directly.
 *   bun bench/extra/check-layers.ts
 * Prints one JSON line per layer with microseconds per request.
 */
import { type Handler, Hono } from "hono";
import { methodNotAllowed } from "hono/method-not-allowed";
import type { DokployClient } from "../../src/dokploy/client.ts";
import type { AppEnv } from "../../src/http/env.ts";
import { requestContext } from "../../src/http/middleware.ts";
import { limitPerClient } from "../../src/http/rate-limits.ts";
import { CHECK_ROUTES } from "../../src/http/routes/check.ts";
import { securityMiddleware } from "../../src/http/security.ts";
import { createLogger } from "../../src/log.ts";
import { AvailabilityIndex } from "../../src/stacks/deploy/availability.ts";
import { projectList } from "../../src/dokploy/schemas.ts";
import { createSandbox } from "../../src/sandbox/index.ts";
import { Store } from "../../src/store/index.ts";
import { tempDir } from "../lib/proc.ts";
import { r } from "../lib/stats.ts";

const STACKS = 10_000;
const N = 20_000;

const dir = tempDir("bench-layers-");
const store = Store.open(dir.path);
try {
  const now = new Date().toISOString();
  store.transaction(() => {
    for (let i = 0; i < STACKS; i++) {
      const s = store.stacks.insert(`stack-${i}`, `https://stack-${i}.stacks.bench`, "0".repeat(64), now)!;
      store.stacks.setStatus(s.id, "ready", now);
    }
  });
  const log = createLogger({ level: "warn", destination: { write() {} } });
  const projects = Array.from({ length: STACKS }, (_, i) => ({ projectId: `p${i}`, name: `ai-stack-stack-${i}` }));
  const client = { projectAll: async () => projects } as unknown as DokployClient;
  const availability = new AvailabilityIndex(
    store,
    client,
    { prefix: "ai-stack-", suffix: "stacks.bench", reserved: ["admin"], quarantineDays: 30, cacheTtlMs: 3_600_000 },
    log,
  );
  await availability.check("warm-up");
  const ANSWER = { name: "x", valid: true, available: true, reason: null, url: "https://x.stacks.bench" };

  const build = (layers: Set<string>) => {
    const app = new Hono<AppEnv>();
    if (layers.has("context")) app.use(requestContext(log, { proxyHops: 0, ipv6Prefix: 64 }));
    if (layers.has("security")) app.use(...securityMiddleware({ corsOrigins: [], trustProxy: false }));
    if (layers.has("rate-limit")) app.get("/api/check/*", limitPerClient("check", null));
    if (layers.has("check")) for (const r of CHECK_ROUTES) app.get(r.path, r.handler({ availability }) as Handler<AppEnv>);
    else app.get("/api/check/*", (c) => c.json(ANSWER));
    if (layers.has("405")) app.use(methodNotAllowed({ app, onMethodNotAllowed: (c) => c.text("no", 405) }));
    return app;
  };
  const requests = ["free-1", "stack-500", "Bad_Name", "free-2", "stack-9000", "ab"].map((n) => new Request(`http://127.0.0.1/api/check/${n}`));
  // getConnInfo needs Bun's server.requestIP.
  const server = { requestIP: () => ({ address: "127.0.0.1", family: "IPv4", port: 1 }) };
  const perRequest = async (app: Hono<AppEnv>) => {
    for (let i = 0; i < 5_000; i++) await (await app.fetch(requests[i % requests.length]!.clone(), server)).arrayBuffer();
    const t0 = performance.now();
    for (let i = 0; i < N; i++) await (await app.fetch(requests[i % requests.length]!.clone(), server)).arrayBuffer();
    return ((performance.now() - t0) / N) * 1000;
  };
  const steps: [string, string[]][] = [
    ["constant JSON (Hono only)", []],
    ["+ requestContext (request id, pino child, client address, access log)", ["context"]],
    ["+ security headers, HSTS check, body limit", ["context", "security"]],
    ["+ check rate limit (off: pass-through)", ["context", "security", "rate-limit"]],
    ["+ methodNotAllowed", ["context", "security", "rate-limit", "405"]],
    ["check handler alone (availability: name rules, store lookup)", ["check"]],
    ["the portal's whole stack", ["context", "security", "rate-limit", "check", "405"]],
  ];
  // On a shared machine only side-by-side figures mean much: every layer is timed once per
  // round, ROUNDS rounds interleaved, and the median round is reported.
  const ROUNDS = Number(process.env.LAYER_ROUNDS ?? 5);
  const apps = steps.map(([, layers]) => build(new Set(layers)));
  const samples: number[][] = steps.map(() => []);
  for (let round = 0; round < ROUNDS; round++) for (const [i, app] of apps.entries()) samples[i]!.push(await perRequest(app));
  for (const [i, [label]] of steps.entries()) {
    const sorted = [...samples[i]!].sort((a, b) => a - b);
    process.stdout.write(
      `${JSON.stringify({ bench: "check-layers", layer: label, us_per_request: r(sorted[sorted.length >> 1]!, 2), min: r(sorted[0]!, 2) })}\n`,
    );
  }
  const time = async (label: string, fn: (i: number) => unknown) => {
    for (let i = 0; i < 10_000; i++) await fn(i);
    const t0 = performance.now();
    for (let i = 0; i < 100_000; i++) await fn(i);
    process.stdout.write(`${JSON.stringify({ bench: "check-layers", part: label, us: r((performance.now() - t0) / 100, 2) })}\n`);
  };
  const since = new Date(Date.now() - 30 * 86_400_000).toISOString();
  await time("log.child per request", (i) => log.child({ requestId: String(i) }));
  await time("store.stacks.holder (taken)", (i) => store.stacks.holder(`stack-${i % STACKS}`, since));
  await time("store.stacks.holder (free)", (i) => store.stacks.holder(`free-${i % 100}`, since));

  // What one refresh of Dokploy's project list costs the portal at STACKS projects: the
  // answer as the sandbox shapes it, parsed and validated as DokployClient.projectAll does.
  const sandbox = createSandbox({ apiKey: "k" });
  const api = (path: string, body?: unknown) =>
    sandbox.fetch(
      new Request(`http://sandbox/api/${path}`, {
        method: body ? "POST" : "GET",
        headers: { "x-api-key": "k", ...(body ? { "content-type": "application/json" } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      }),
    );
  for (let i = 0; i < STACKS; i++) await api("project.create", { name: `ai-stack-stack-${i}` });
  const text = await (await api("project.all")).text();
  sandbox.stop();
  const runs: number[] = [];
  for (let i = 0; i < 6; i++) {
    const t0 = performance.now();
    const parsed = projectList.safeParse(JSON.parse(text));
    runs.push(performance.now() - t0);
    if (!parsed.success) throw new Error("project list did not validate");
  }
  process.stdout.write(
    `${JSON.stringify({ bench: "check-layers", part: `project list refresh: JSON.parse + validate ${STACKS} projects (${text.length} bytes)`, ms_first: r(runs[0]!, 1), ms_warm: r(Math.min(...runs.slice(1)), 1) })}\n`,
  );
} finally {
  store.close();
  dir.remove();
}
