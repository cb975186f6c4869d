import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config.ts";
import { createLogger } from "../../src/log.ts";
import { type Portal, startPortal } from "../../src/portal.ts";
import { startSandbox } from "../../src/sandbox/index.ts";
import { ADMIN_TOKEN, SANDBOX_KEY, portalEnv, readEvents } from "../support/harness.ts";

/**
 * STACK_SSO switched on and off against one sandbox Dokploy: Traefik's middleware file gets
 * the portal's forwardAuth middleware and loses it again byte for byte; stacks made before
 * get it at their redeploy or by the admin action, and lose it before the file does.
 */

/** An admin's own middlewares.yml: comments, another middleware, a tcp section. */
const ADMINS_FILE = `# kept by the Dokploy admin
http:
  middlewares:
    redirect-to-https:
      redirectScheme:
        scheme: https
        permanent: true

    # the office only
    office-only:
      ipAllowList:
        sourceRange: ["10.0.0.0/8"]
tcp:
  routers: {}
`;

let sandbox: Awaited<ReturnType<typeof startSandbox>>;
const dataDir = mkdtempSync(join(tmpdir(), "portal-sso-switch-"));
let portal: Portal | null = null;

const api = (procedure: string, body?: unknown) =>
  fetch(`${sandbox.url}/api/${procedure}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { "x-api-key": SANDBOX_KEY, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

async function startWith(env: Record<string, string>): Promise<Portal> {
  // The probe asks the service itself (http://{appName}:{port}/ in Dokploy's network): through
  // Traefik the gate answers first, at an address this test does not serve.
  const config = loadConfig(portalEnv(sandbox.url, dataDir, { STACK_PROBE_URLS: `${sandbox.url}/ {appName}`, ...env }));
  portal = await startPortal({
    config,
    log: createLogger({ level: "silent" }),
    mode: "dokploy",
    dokployUrl: sandbox.url,
    dokployApiKey: SANDBOX_KEY,
    cleanup: { attempts: 2, baseDelayMs: 10 },
  });
  return portal;
}

async function stop() {
  await portal?.runner.settle();
  await portal?.stop();
  portal = null;
}

const SSO = (on: "on" | "off") => ({
  AUTH_MODE: "oidc",
  PUBLIC_URL: "http://127.0.0.1:9",
  OIDC_ISSUER: "http://127.0.0.1:9",
  OIDC_CLIENT_ID: "portal",
  OIDC_CLIENT_SECRET: "secret",
  STACK_SSO: on,
  STACK_SSO_ADDRESS: "http://portal-app:3000/auth/stack",
});

const middlewaresOf = (name: string) =>
  Object.values(sandbox.sandbox.state().traefik)
    .flat()
    .find((r) => r.host === `${name}.stacks.test`)?.middlewares;

async function until(check: () => boolean) {
  for (let i = 0; i < 200 && !check(); i++) await Bun.sleep(25);
  expect(check()).toBe(true);
}

beforeAll(async () => {
  sandbox = await startSandbox({ apiKey: SANDBOX_KEY, deployDurationMs: 60, stackStartMs: 20 });
  expect((await api("settings.updateMiddlewareTraefikConfig", { traefikConfig: ADMINS_FILE })).status).toBe(200);
});

afterAll(async () => {
  await stop();
  await sandbox.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("switching STACK_SSO on and off", () => {
  test("on: the file gains the middleware; old stacks follow at redeploy or by the admin action; off: all of it goes, the file byte for byte", async () => {
    // Before: two stacks made in open mode, no middleware anywhere.
    let p = await startWith({});
    const made: Record<string, string> = {};
    for (const name of ["early", "later"]) {
      const res = await fetch(`${p.url}/api/deploy`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name }),
      });
      const body = (await res.json()) as { eventsUrl: string; managementToken: string };
      made[name] = body.managementToken;
      const events = await readEvents(`${p.url}${body.eventsUrl}`);
      expect(events.at(-1)!.data.status).toBe("ready");
    }
    expect(middlewaresOf("early")).toEqual([]);
    await stop();

    // On: the file at start; the stacks keep their domains until redeployed or the admin acts.
    p = await startWith(SSO("on"));
    await until(() => sandbox.sandbox.state().middlewareFile !== ADMINS_FILE);
    const file = sandbox.sandbox.state().middlewareFile!;
    expect(file).toContain('address: "http://portal-app:3000/auth/stack"');
    expect(Bun.YAML.parse(file)).toMatchObject({
      http: { middlewares: { "office-only": {}, "redirect-to-https": {}, "ai-stack-sso": {} } },
      tcp: {},
    });
    expect(middlewaresOf("later")).toEqual([]);
    const redeploy = await fetch(`${p.url}/api/stacks/later/redeploy`, { method: "POST", headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(redeploy.status).toBe(202);
    const statusUrl = `${p.url}${((await redeploy.json()) as { statusUrl: string }).statusUrl}`;
    let status = "";
    for (let i = 0; i < 300 && status !== "succeeded" && status !== "failed"; i++) {
      await Bun.sleep(25);
      status = ((await (await fetch(statusUrl, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as { status: string }).status;
    }
    expect(status).toBe("succeeded");
    expect(middlewaresOf("later")).toEqual(["ai-stack-sso"]);
    expect(middlewaresOf("early")).toEqual([]);
    // The admin action brings the rest.
    const applied = await fetch(`${p.url}/api/admin/stack-sso`, { method: "POST", headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(applied.status).toBe(200);
    expect(await applied.json()).toEqual({ file: "unchanged", domains: { updated: ["early"], unchanged: 1, failed: [] } });
    expect(middlewaresOf("early")).toEqual(["ai-stack-sso"]);
    // Idempotent: a second run changes nothing.
    const again = (await (
      await fetch(`${p.url}/api/admin/stack-sso`, { method: "POST", headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
    ).json()) as any;
    expect(again).toEqual({ file: "unchanged", domains: { updated: [], unchanged: 2, failed: [] } });
    expect(sandbox.sandbox.state().middlewareFile).toBe(file);
    // Only admins may run it.
    expect((await fetch(`${p.url}/api/admin/stack-sso`, { method: "POST" })).status).toBe(401);
    await stop();

    // Off (the address left set): the domains first, then the file, exactly as the admin had it.
    p = await startWith(SSO("off"));
    await until(() => sandbox.sandbox.state().middlewareFile === ADMINS_FILE);
    expect(middlewaresOf("early")).toEqual([]);
    expect(middlewaresOf("later")).toEqual([]);
    // The gate is gone with it.
    expect((await fetch(`${p.url}/auth/stack`, { headers: { "x-forwarded-host": "early.stacks.test" } })).status).toBe(404);
  }, 60_000);
});
