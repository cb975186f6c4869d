import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ADMIN_TOKEN, type DeployResult, type Harness, deployAndWait, startHarness } from "../support/harness.ts";
import { type TestProvider, freePort, newSigningKey, oidcEnv, signIn, startProvider } from "../support/oidc.ts";

/**
 * Guessing a token must always end in 429 and leave a trace. Rather than a list of routes
 * kept by hand, this reads the portal's own API document: every operation that takes a
 * bearer token is tried with wrong tokens until the budget is spent.
 */

const METRICS_TOKEN = "metrics-token-for-tests-0123";
const BUDGET = 3;

interface Operation {
  method: string;
  path: string;
}

interface Walk {
  h: Harness;
  url: string;
  name: string;
  deploymentId: string;
  operations: Operation[];
}

/** The API document's operations that take a bearer token. */
async function bearerOperations(url: string): Promise<Operation[]> {
  const doc = (await (await fetch(`${url}/api/openapi.json`)).json()) as {
    paths: Record<string, Record<string, { security?: Record<string, string[]>[] }>>;
  };
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods)
      .filter(([, op]) => op.security?.some((scheme) => "bearer" in scheme))
      .map(([method]) => ({ method: method.toUpperCase(), path })),
  );
}

/** Each operation from its own address (TRUST_PROXY): wrong tokens up to the budget, one more, then the right one. */
async function walk(w: Walk, firstClient: number): Promise<{ outcomes: string[]; expected: string[] }> {
  const urlOf = (path: string) =>
    w.url + path.replace("{name}", w.name).replace("{id}", path.startsWith("/api/deployments/") ? w.deploymentId : "no-such-rollout");
  const tryWith = (op: Operation, token: string, client: string) =>
    fetch(urlOf(op.path), {
      method: op.method,
      headers: {
        authorization: `Bearer ${token}`,
        "x-forwarded-for": client,
        ...(op.method === "POST" ? { "content-type": "application/json" } : {}),
      },
      ...(op.method === "POST" ? { body: "{}" } : {}),
    });
  const outcomes: string[] = [];
  for (const [i, op] of w.operations.entries()) {
    const client = `198.51.100.${firstClient + i}`;
    const what = `${op.method} ${op.path}`;
    for (let attempt = 1; attempt <= BUDGET; attempt++) {
      const res = await tryWith(op, `wrong-token-${attempt}-0123456789abcdef`, client);
      await res.body?.cancel();
      outcomes.push(`${what} ${[401, 403].includes(res.status) ? "refused" : res.status}`);
    }
    const limited = await tryWith(op, "wrong-token-last-0123456789abcdef", client);
    outcomes.push(`${what} ${limited.status === 429 && (await limited.json()).error.code === "rate_limited" ? "limited" : limited.status}`);
    // The budget is the client's, not the token's: the right one waits too.
    const right = await tryWith(op, op.path === "/metrics" ? METRICS_TOKEN : ADMIN_TOKEN, client);
    await right.body?.cancel();
    outcomes.push(`${what} right token ${right.status === 429 ? "limited" : right.status}`);
    // A DELETE audits itself (a delete, or an unshare, with its outcome); everything else as auth_failed.
    const trail = w.h.portal.store.audit
      .page(500)
      .filter((e) => e.client === client && ["auth_failed", "delete", "unshare"].includes(e.action) && e.outcome !== "accepted");
    outcomes.push(`${what} audited ${trail.length === BUDGET ? "each" : trail.length}`);
  }
  const expected = w.operations.flatMap(({ method, path }) => {
    const what = `${method} ${path}`;
    return [...Array(BUDGET).fill(`${what} refused`), `${what} limited`, `${what} right token limited`, `${what} audited each`];
  });
  return { outcomes, expected };
}

const GUARD_ENV = { RATE_LIMIT_AUTH: `${BUDGET}/10m`, METRICS_TOKEN, TRUST_PROXY: "true" };

describe("every route that takes a bearer token, in open mode", () => {
  let h: Harness;
  let stack: DeployResult;
  let operations: Operation[];
  beforeAll(async () => {
    h = await startHarness({ env: GUARD_ENV });
    stack = await deployAndWait(h, "guard-target");
    operations = await bearerOperations(h.url);
  });
  afterAll(() => h.stop());

  test("the document names them, the two that once forgot included", () => {
    const names = operations.map((op) => `${op.method} ${op.path}`);
    expect(names).toContain("GET /api/deployments/{id}/log");
    expect(names).toContain("GET /api/stacks/{name}/access");
    expect(names).toContain("GET /api/deployments/{id}/report");
    expect(names).toContain("GET /metrics");
    expect(operations.length).toBeGreaterThan(25);
  });

  test("wrong tokens are refused, counted, audited, and then 429 even for the right token", async () => {
    // Claiming and sharing exist only with sign-in (the walk below, in AUTH_MODE=oidc, covers them).
    const open = operations.filter((op) => !op.path.endsWith("/claim") && !op.path.includes("/shares"));
    const { outcomes, expected } = await walk({ h, url: h.url, name: stack.name, deploymentId: stack.deploymentId, operations: open }, 1);
    expect(outcomes).toEqual(expected);
  }, 60_000);

  test("the audit keeps the path and never the token", () => {
    const rows = h.portal.store.audit.page(500).filter((e) => e.action === "auth_failed");
    expect(rows.some((e) => e.detail?.path === `/api/deployments/${stack.deploymentId}/log`)).toBe(true);
    expect(rows.some((e) => e.detail?.path === `/api/stacks/${stack.name}/access`)).toBe(true);
    expect(JSON.stringify(rows)).not.toContain("wrong-token");
  });

  test("a client with no credentials is not locked out of the public API by someone else's guessing", async () => {
    const res = await fetch(`${h.url}/api/check/anything`, { headers: { "x-forwarded-for": "198.51.100.1" } });
    expect(res.status).toBe(200);
    expect((await fetch(`${h.url}/api/deployments/${stack.deploymentId}`, { headers: { "x-forwarded-for": "198.51.100.1" } })).status).toBe(200);
  });
});

describe("every route that takes a bearer token, with AUTH_MODE=oidc", () => {
  let provider: TestProvider;
  let h: Harness;
  let portalUrl: string;
  beforeAll(async () => {
    portalUrl = `http://127.0.0.1:${await freePort()}`;
    provider = await startProvider({ keys: [await newSigningKey("key-1")], portalUrl });
    h = await startHarness({ env: { ...oidcEnv(provider, portalUrl), ...GUARD_ENV } });
  });
  afterAll(async () => {
    await h?.stop();
    await provider?.stop();
  });

  test("wrong tokens end in 429 and are audited here too, claiming included", async () => {
    const alice = (await signIn(portalUrl, "alice")).jar;
    const res = await fetch(`${portalUrl}/api/deploy`, {
      method: "POST",
      headers: { cookie: alice.header(), origin: portalUrl, "content-type": "application/json" },
      body: JSON.stringify({ name: "guard-owned" }),
    });
    expect(res.status).toBe(202);
    const accepted = (await res.json()) as { deploymentId: string; name: string };
    const operations = await bearerOperations(portalUrl);
    expect(operations.map((op) => op.path)).toContain("/api/stacks/{name}/claim");
    const { outcomes, expected } = await walk({ h, url: portalUrl, name: accepted.name, deploymentId: accepted.deploymentId, operations }, 101);
    expect(outcomes).toEqual(expected);
  }, 60_000);
});
