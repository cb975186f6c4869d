import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { getRouterName } from "hono/dev";
import { ADMIN_TOKEN, type Harness, SANDBOX_KEY, deploy, deployAndWait, readEvents, sandboxState, startHarness } from "../support/harness.ts";

const json = async (res: Response) => (await res.json()) as any;
const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

describe("rate limits", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      env: { RATE_LIMIT_CHECK: "3/1m", RATE_LIMIT_DEPLOY: "2/10m", RATE_LIMIT_DELETE: "5/1h", RATE_LIMIT_AUTH: "7/10m", TRUST_PROXY: "true" },
    });
  });
  afterAll(() => h.stop());

  test("over the limit: 429, Retry-After and a stable code, per client", async () => {
    // Traefik appends the address it saw; whatever the client sent stays to its left.
    const from = (ip: string) => ({ "x-forwarded-for": `10.0.0.1, ${ip}` });
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${h.url}/api/check/abc`, { headers: from("198.51.100.1") });
      expect(res.status).toBe(200);
      // The budget left, in the IETF draft's RateLimit headers, on the answer itself.
      expect([res.headers.get("ratelimit-policy"), res.headers.get("ratelimit-limit"), res.headers.get("ratelimit-remaining")]).toEqual([
        "3;w=60",
        "3",
        String(2 - i),
      ]);
      expect(Number(res.headers.get("ratelimit-reset"))).toBeGreaterThan(0);
    }
    const limited = await fetch(`${h.url}/api/check/abc`, { headers: from("198.51.100.1") });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(limited.headers.get("ratelimit-remaining")).toBe("0");
    expect((await json(limited)).error.code).toBe("rate_limited");
    // Another client is not affected.
    expect((await fetch(`${h.url}/api/check/abc`, { headers: from("198.51.100.2") })).status).toBe(200);
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    expect(metrics).toMatch(/portal_rate_limited_requests_total\{limit="check"\} 1/);
  });

  test("a request under two limits (failed sign-ins, then deletes) shows the inner one's budget, each counted on its own", async () => {
    const from = { "x-forwarded-for": "10.0.0.1, 198.51.100.30", authorization: "Bearer not-the-token" };
    const first = await fetch(`${h.url}/api/stacks/nobody-here`, { method: "DELETE", headers: from });
    expect([first.headers.get("ratelimit-policy"), first.headers.get("ratelimit-limit"), first.headers.get("ratelimit-remaining")]).toEqual([
      "5;w=3600",
      "5",
      "4",
    ]);
    const second = await fetch(`${h.url}/api/stacks/nobody-here`, { method: "DELETE", headers: from });
    expect(second.headers.get("ratelimit-remaining")).toBe("3");
  });

  test("deploys have their own, stricter limit", async () => {
    const headers = { "x-forwarded-for": "198.51.100.9" };
    expect((await post(`${h.url}/api/deploy`, { name: "rl-one" }, headers)).status).toBe(202);
    expect((await post(`${h.url}/api/deploy`, { name: "rl-two" }, headers)).status).toBe(202);
    const third = await post(`${h.url}/api/deploy`, { name: "rl-three" }, headers);
    expect(third.status).toBe(429);
    expect((await sandboxState(h)).projects.some((p: any) => p.name === "ai-stack-rl-three")).toBe(false);
  });

  test("without TRUST_PROXY, X-Forwarded-For is ignored", async () => {
    const other = await startHarness({ env: { RATE_LIMIT_CHECK: "2/1m" } });
    try {
      for (let i = 0; i < 2; i++) await fetch(`${other.url}/api/check/abc`, { headers: { "x-forwarded-for": `203.0.113.${i}` } });
      const res = await fetch(`${other.url}/api/check/abc`, { headers: { "x-forwarded-for": "203.0.113.99" } });
      expect(res.status).toBe(429);
    } finally {
      await other.stop();
    }
  });
});

describe("quotas, the portal's queue and idempotency", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { MAX_STACKS: "3", MAX_CONCURRENT_DEPLOYS: "1" }, sandbox: { deployDurationMs: 150 } });
  });
  afterAll(() => h.stop());

  test("deploys beyond the cap wait in line and are told their position", async () => {
    const [a, b, c] = await Promise.all([deploy(h, "line-a"), deploy(h, "line-b"), deploy(h, "line-c")]);
    const streams = await Promise.all([a, b, c].map((r) => readEvents(`${h.url}${r.body.eventsUrl}`)));
    for (const events of streams) expect(events.at(-1)!.data.status).toBe("ready");
    const positions = streams.map((events) => events.filter((e) => e.event === "status" && e.data.status === "waiting").map((e) => e.data.position));
    // One ran at once; the others waited, the last one moving up from 2 to 1.
    expect(positions.filter((p) => p.length === 0).length).toBe(1);
    expect(positions.some((p) => p.join(",") === "2,1")).toBe(true);
  });

  test("beyond MAX_STACKS: 503 capacity_reached, nothing created", async () => {
    const res = await deploy(h, "one-too-many");
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe("capacity_reached");
    expect((await sandboxState(h)).projects.some((p: any) => p.name === "ai-stack-one-too-many")).toBe(false);
  });

  test("a repeated deploy with the same Idempotency-Key returns the same deployment", async () => {
    const del = await fetch(`${h.url}/api/stack/line-a`, { method: "DELETE", headers: admin });
    await readEvents(`${h.url}${(await json(del)).eventsUrl}`);
    const key = { "idempotency-key": crypto.randomUUID() };
    const [first, second] = await Promise.all([
      post(`${h.url}/api/deploy`, { name: "idem" }, key),
      post(`${h.url}/api/deploy`, { name: "idem" }, key),
    ]);
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    const [a, b] = [await json(first), await json(second)];
    expect(b).toEqual(a);
    expect([first.headers.get("idempotent-replayed"), second.headers.get("idempotent-replayed")]).toContain("true");
    const third = await post(`${h.url}/api/deploy`, { name: "idem" }, key);
    expect((await json(third)).deploymentId).toBe(a.deploymentId);
    const other = await post(`${h.url}/api/deploy`, { name: "not-idem" }, key);
    expect(other.status).toBe(422);
    expect((await json(other)).error.code).toBe("idempotency_key_reused");
    // The stored replay is sealed: the database does not hold the password in clear.
    const rows = h.portal.store.db.query("SELECT sealed FROM idempotency").all() as { sealed: string }[];
    expect(JSON.stringify(rows)).not.toContain(a.credentials.password);
    await readEvents(`${h.url}${a.eventsUrl}`);
  });
});

describe("HTTP hygiene", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { TRUST_PROXY: "true", METRICS_TOKEN: "metrics-token-0123456789" } });
  });
  afterAll(() => h.stop());

  test("the name check's answer carries the same security headers as the page's other answers", async () => {
    const names = (res: Response) => [...res.headers.keys()].filter((k) => !["content-length", "date", "x-request-id", "cache-control"].includes(k));
    const check = await fetch(`${h.url}/api/check/some-name`);
    const health = await fetch(`${h.url}/health`);
    expect(names(check).sort()).toEqual(names(health).sort());
    expect(check.headers.get("content-security-policy")).toBe(health.headers.get("content-security-policy"));
    expect(check.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const https = await fetch(`${h.url}/api/check/some-name`, { headers: { "x-forwarded-proto": "https" } });
    expect(https.headers.get("strict-transport-security")).toBe("max-age=31536000; includeSubDomains");
  });

  test("every route fits Hono's RegExpRouter (one match per request, not the slower trie)", async () => {
    await fetch(`${h.url}/api/check/some-name`);
    expect(getRouterName(h.portal.app)).toBe("SmartRouter + RegExpRouter");
  });

  test("security headers; HSTS only over https", async () => {
    const res = await fetch(`${h.url}/`);
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("unsafe-inline");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    expect(res.headers.get("strict-transport-security")).toBeNull();
    const https = await fetch(`${h.url}/health`, { headers: { "x-forwarded-proto": "https" } });
    expect(https.headers.get("strict-transport-security")).toContain("max-age=");
  });

  test("no CORS unless CORS_ORIGINS is set", async () => {
    const res = await fetch(`${h.url}/api/check/abc`, { headers: { origin: "https://evil.example" } });
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    const other = await startHarness({ env: { CORS_ORIGINS: "https://portal.example" } });
    try {
      const ok = await fetch(`${other.url}/api/check/abc`, { headers: { origin: "https://portal.example" } });
      expect(ok.headers.get("access-control-allow-origin")).toBe("https://portal.example");
      const no = await fetch(`${other.url}/api/check/abc`, { headers: { origin: "https://evil.example" } });
      expect(no.headers.get("access-control-allow-origin")).toBeNull();
    } finally {
      await other.stop();
    }
  });

  test("a body over the limit is 413; a non-JSON body is 415", async () => {
    const big = await post(`${h.url}/api/deploy`, { name: "x".repeat(20_000) });
    expect(big.status).toBe(413);
    expect((await json(big)).error.code).toBe("payload_too_large");
    const form = await fetch(`${h.url}/api/deploy`, { method: "POST", headers: { "content-type": "text/plain" }, body: "alice" });
    expect(form.status).toBe(415);
  });

  test("/metrics needs its token when one is set, and counts what happened", async () => {
    expect((await fetch(`${h.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${h.url}/metrics`, { headers: { authorization: "Bearer wrong-wrong-wrong" } })).status).toBe(403);
    await deployAndWait(h, "counted");
    await fetch(`${h.sandboxUrl}/__sandbox/faults`, { method: "POST", body: JSON.stringify({ kind: "deploy_error" }) });
    await deployAndWait(h, "uncounted");
    await fetch(`${h.sandboxUrl}/__sandbox/faults`, { method: "DELETE" });
    const res = await fetch(`${h.url}/metrics`, { headers: { authorization: "Bearer metrics-token-0123456789" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();
    expect(text).toMatch(/portal_deployments_total\{kind="deploy",outcome="succeeded"\} 1/);
    expect(text).toMatch(/portal_deployments_total\{kind="deploy",outcome="deploy_failed"\} 1/);
    expect(text).toMatch(/portal_deployment_step_duration_seconds_count\{kind="deploy",step="create_project",state="succeeded"\} 2/);
    expect(text).toMatch(/portal_dokploy_calls_total\{procedure="project.create",status="200"\} 2/);
    expect(text).toMatch(/portal_dokploy_call_duration_seconds_bucket\{le="[^"]+",procedure="application.create"\}/);
    expect(text).toMatch(/portal_dokploy_circuit_state 0/);
    expect(text).toMatch(/portal_stacks\{status="ready"\} 1/);
    expect(text).toMatch(/portal_stacks\{status="failed"\} 1/);
    expect(text).toContain("portal_sse_connections");
  });
});

describe("audit and reconcile (admin)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.stop());

  test("admin endpoints: 401 without a token, 403 with a wrong one", async () => {
    expect((await fetch(`${h.url}/api/admin/audit`)).status).toBe(401);
    expect((await fetch(`${h.url}/api/admin/audit`, { headers: { authorization: "Bearer nope-nope-nope" } })).status).toBe(403);
    expect((await post(`${h.url}/api/admin/reconcile`, {}, { authorization: "Bearer nope-nope-nope" })).status).toBe(403);
  });

  test("every deploy and delete is in the audit log, paged newest first", async () => {
    const stack = await deployAndWait(h, "audited");
    await deploy(h, "admin");
    await fetch(`${h.url}/api/stack/audited`, { method: "DELETE", headers: { authorization: `Bearer ${stack.managementToken}` } });
    const page1 = await json(await fetch(`${h.url}/api/admin/audit?limit=2`, { headers: admin }));
    expect(page1.entries.map((e: any) => [e.action, e.stackName, e.outcome, e.actor])).toEqual([
      ["delete", "audited", "accepted", "management"],
      ["deploy", "admin", "reserved", "anonymous"],
    ]);
    expect(page1.entries[0].client).toBe("127.0.0.1");
    const page2 = await json(await fetch(`${h.url}${page1.next}`, { headers: admin }));
    expect(page2.entries[0]).toMatchObject({ action: "deploy", stackName: "audited", outcome: "accepted" });
    expect(JSON.stringify([page1, page2])).not.toContain(stack.managementToken);
  });

  test("reconcile reports orphans and lost stacks, and cleans up only when asked", async () => {
    // An orphan: a project of the portal's naming that no stack of ours owns.
    const created = await post(`${h.sandboxUrl}/api/project.create`, { name: "ai-stack-ghost" }, { "x-api-key": SANDBOX_KEY });
    const ghost = (await json(created)).project.projectId;
    // The portal's own project shares the prefix; its name is reserved, so it is never an orphan.
    await post(`${h.sandboxUrl}/api/project.create`, { name: "ai-stack-portal" }, { "x-api-key": SANDBOX_KEY });
    // A lost stack: ready in the store, gone from Dokploy.
    const lost = await deployAndWait(h, "vanished");
    const app = (await sandboxState(h)).applications.find((a: any) => a.name === "ai-stack-vanished");
    await post(`${h.sandboxUrl}/api/application.delete`, { applicationId: app.applicationId }, { "x-api-key": SANDBOX_KEY });
    void lost;

    const dry = (await json(await post(`${h.url}/api/admin/reconcile`, {}, admin))).report;
    expect(dry.applied).toBe(false);
    expect(dry.orphanProjects).toEqual([{ projectId: ghost, name: "ai-stack-ghost" }]);
    expect(dry.lostStacks.map((s: any) => s.name)).toEqual(["vanished"]);
    expect((await sandboxState(h)).projects.some((p: any) => p.projectId === ghost)).toBe(true);
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    expect(metrics).toMatch(/portal_orphaned_resources\{kind="project"\} 1/);
    expect(metrics).toMatch(/portal_orphaned_resources\{kind="lost_stack"\} 1/);

    const applied = (await json(await post(`${h.url}/api/admin/reconcile`, { apply: true }, admin))).report;
    expect(applied.orphanProjects[0]).toMatchObject({ projectId: ghost, removed: true });
    expect(applied.lostStacks[0]).toMatchObject({ name: "vanished", marked: true });
    expect((await sandboxState(h)).projects.some((p: any) => p.projectId === ghost)).toBe(false);
    expect((await json(await fetch(`${h.url}/api/stacks/vanished`))).status).toBe("deleted");
    const again = (await json(await post(`${h.url}/api/admin/reconcile`, {}, admin))).report;
    expect(again.orphanProjects).toEqual([]);
    expect(again.lostStacks).toEqual([]);
    const audit = await json(await fetch(`${h.url}/api/admin/audit?limit=3`, { headers: admin }));
    expect(audit.entries.map((e: any) => e.action)).toContain("reconcile_apply");
  });
});
