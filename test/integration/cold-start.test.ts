import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FAST_ENV, startHarness } from "../support/harness.ts";

/**
 * The start loads only what answering needs (docs/performance.md, cold start): what only rare
 * paths use is imported at their first use, and still works then.
 */

const dataDir = mkdtempSync(join(tmpdir(), "portal-cold-start-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** A fresh portal process (its own module cache): the modules loaded once `paths` were requested. */
async function loadedAfter(paths: string[], env: Record<string, string> = {}): Promise<{ statuses: Record<string, number>; modules: string[] }> {
  const proc = Bun.spawn(["./node_modules/.bin/bun", "test/support/loaded-modules.ts", ...paths], {
    env: { PATH: process.env.PATH ?? "", ...FAST_ENV, DATA_DIR: dataDir, DOKPLOY_URL: "http://127.0.0.1:9", DOKPLOY_API_TOKEN: "unused", ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`loaded-modules.ts exited with ${code}: ${err}`);
  return JSON.parse(out.trim().split("\n").at(-1)!);
}

/** Modules only rare paths need (the OpenAPI document, sign-in's libraries), or nothing does. */
const RARE = [
  "src/http/openapi/",
  "src/http/responses.ts",
  "node_modules/openid-client/",
  "node_modules/jose/",
  "node_modules/@opentelemetry/",
  "node_modules/prom-client/lib/pushgateway.js",
  "node_modules/prom-client/lib/cluster.js",
  // hono/bun: its static-file, SSG and WebSocket helpers (the client address is read without it).
  "node_modules/hono/dist/adapter/",
];
const rare = (modules: string[]) => modules.filter((m) => RARE.some((r) => m.includes(r)));

test("answering /health loads none of what only rare paths need", async () => {
  const { statuses, modules } = await loadedAfter(["/health"]);
  expect(statuses["/health"]).toBe(200);
  expect(modules.some((m) => m.endsWith("src/portal.ts"))).toBe(true);
  expect(rare(modules)).toEqual([]);
});

test("the OpenAPI document and the default metrics are loaded at their first request, and answer", async () => {
  const { statuses, modules } = await loadedAfter(["/api/openapi.json", "/metrics"]);
  expect(statuses).toEqual({ "/api/openapi.json": 200, "/metrics": 200 });
  expect(modules.some((m) => m.includes("src/http/openapi/document.ts"))).toBe(true);
  expect(modules.some((m) => m.includes("node_modules/@opentelemetry/"))).toBe(true);
});

test("the first scrape, right after the start, already has the process metrics", async () => {
  const h = await startHarness();
  try {
    const text = await (await fetch(`${h.url}/metrics`)).text();
    expect(text).toContain("portal_process_cpu_user_seconds_total");
    expect(text).toContain("portal_nodejs_eventloop_lag_seconds");
    expect(text).toContain("portal_deployments_total");
  } finally {
    await h.stop();
  }
});
