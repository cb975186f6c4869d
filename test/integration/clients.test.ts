import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ADMIN_TOKEN, type Harness, deploy, deployAndWait, readEvents, startHarness } from "../support/harness.ts";

/** Who a client is (X-Forwarded-For behind proxies), and what its budgets count. */

const json = async (res: Response) => (await res.json()) as any;
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
const auditOf = async (h: Harness, limit = 20) => (await json(await fetch(`${h.url}/api/admin/audit?limit=${limit}`, { headers: admin }))).entries;

describe("X-Forwarded-For behind TRUST_PROXY", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { TRUST_PROXY: "true", RATE_LIMIT_CHECK: "2/1m" } });
  });
  afterAll(() => h.stop());

  test("the entry the proxy added counts; what the client wrote to its left does not", async () => {
    // Traefik appends the address it saw: a client that sends its own header is still itself.
    const from = (spoof: string) => ({ "x-forwarded-for": `${spoof}, 198.51.100.20` });
    for (let i = 0; i < 2; i++) expect((await fetch(`${h.url}/api/check/abc`, { headers: from(`10.0.0.${i}`) })).status).toBe(200);
    const res = await fetch(`${h.url}/api/check/abc`, { headers: from("10.0.0.99") });
    expect(res.status).toBe(429);
    expect((await fetch(`${h.url}/api/check/abc`, { headers: { "x-forwarded-for": "198.51.100.21" } })).status).toBe(200);
  });

  test("an entry that is not an IP address means the socket address, in the audit too", async () => {
    const junk = `<script>${"x".repeat(6000)}`;
    await deploy(h, "admin", { "x-forwarded-for": junk });
    await deploy(h, "root", { "x-forwarded-for": "1.2.3.4, not-an-ip" });
    const entries = await auditOf(h, 2);
    expect(entries.map((e: any) => e.client)).toEqual(["127.0.0.1", "127.0.0.1"]);
  });

  test("TRUST_PROXY=<hops>: the client is that many entries from the right", async () => {
    const two = await startHarness({ env: { TRUST_PROXY: "2", RATE_LIMIT_CHECK: "1/1m" } });
    try {
      // client, then the CDN that Traefik saw: the client is second from the right.
      expect((await fetch(`${two.url}/api/check/abc`, { headers: { "x-forwarded-for": "9.9.9.9, 203.0.113.5, 10.1.1.1" } })).status).toBe(200);
      expect((await fetch(`${two.url}/api/check/abc`, { headers: { "x-forwarded-for": "8.8.8.8, 203.0.113.5, 10.1.1.2" } })).status).toBe(429);
      expect((await fetch(`${two.url}/api/check/abc`, { headers: { "x-forwarded-for": "203.0.113.6, 10.1.1.1" } })).status).toBe(200);
      await deploy(two, "admin", { "x-forwarded-for": "2001:db8::7, 10.1.1.1" });
      expect((await auditOf(two, 1))[0].client).toBe("2001:db8::7");
    } finally {
      await two.stop();
    }
  });
});

describe("budgets count what they should", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      env: { RATE_LIMIT_DEPLOY: "1/10m", RATE_LIMIT_CHECK: "3/1m", RATE_LIMIT_AUTH: "3/10m", METRICS_TOKEN: "metrics-token-0123456789" },
    });
  });
  afterAll(() => h.stop());

  test("rejected deploys do not use up the deploy budget; an accepted one does", async () => {
    for (const name of ["-bad", "x", "admin"]) expect((await deploy(h, name)).status).toBe(400);
    const ok = await deploy(h, "budget-ok");
    expect(ok.status).toBe(202);
    const next = await deploy(h, "budget-next");
    expect(next.status).toBe(429);
    await readEvents(`${h.url}${ok.body.eventsUrl}`);
  });

  test("a deploy that failed through the platform gives its use back: fail, try again, succeed; the 429 says what counts", async () => {
    const other = await startHarness({ env: { RATE_LIMIT_DEPLOY: "2/10m" } });
    try {
      // Dokploy's build fails once for this stack: the portal's fault as far as the person can tell.
      await fetch(`${other.sandboxUrl}/__sandbox/faults`, {
        method: "POST",
        body: JSON.stringify({ kind: "deploy_error", match: "fair-a", times: 1 }),
      });
      const failed = await deploy(other, "fair-a");
      expect(failed.status).toBe(202);
      expect(failed.headers.get("ratelimit-remaining")).toBe("1");
      expect((await readEvents(`${other.url}${failed.body.eventsUrl}`)).at(-1)!.data.status).toBe("failed");
      // Its use came back: the retry finds the whole budget.
      const retried = await deploy(other, "fair-a");
      expect(retried.status).toBe(202);
      expect(retried.headers.get("ratelimit-remaining")).toBe("1");
      expect((await readEvents(`${other.url}${retried.body.eventsUrl}`)).at(-1)!.data.status).toBe("ready");
      // A success keeps its use: one more deploy, then the limit, which says what counts and when.
      const second = await deploy(other, "fair-b");
      expect(second.status).toBe(202);
      await readEvents(`${other.url}${second.body.eventsUrl}`);
      const refused = await deploy(other, "fair-c");
      expect(refused.status).toBe(429);
      expect(refused.body.error.code).toBe("rate_limited");
      expect(refused.body.error.message).toContain("at most 2 per 10 min");
      expect(refused.body.error.message).toContain("one that failed through the platform's fault does not");
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(500);
    } finally {
      await other.stop();
    }
  });

  test("a deploy the person deleted while it was made keeps its use", async () => {
    const other = await startHarness({ env: { RATE_LIMIT_DEPLOY: "1/10m" }, sandbox: { deployDurationMs: 2000 } });
    try {
      const accepted = await deploy(other, "fair-del");
      expect(accepted.status).toBe(202);
      const removed = await fetch(`${other.url}/api/stacks/fair-del`, {
        method: "DELETE",
        headers: { authorization: `Bearer ${accepted.body.managementToken}` },
      });
      expect(removed.status).toBe(202);
      const end = (await readEvents(`${other.url}${accepted.body.eventsUrl}`)).at(-1)!.data;
      expect(end.error?.code).toBe("cancelled");
      expect((await deploy(other, "fair-next")).status).toBe(429);
    } finally {
      await other.stop();
    }
  });

  test("the admin token is not held to per-client budgets", async () => {
    const res = await deploy(h, "budget-admin", admin);
    expect(res.status).toBe(202);
    await readEvents(`${h.url}${res.body.eventsUrl}`);
    for (let i = 0; i < 5; i++) expect((await fetch(`${h.url}/api/check/abc`, { headers: admin })).status).toBe(200);
  });

  test("a stack's status shares the name check's budget (it tells whether a name exists)", async () => {
    const other = await startHarness({ env: { RATE_LIMIT_CHECK: "2/1m" } });
    try {
      expect((await fetch(`${other.url}/api/stacks/nobody`)).status).toBe(404);
      expect((await fetch(`${other.url}/api/check/nobody`)).status).toBe(200);
      const res = await fetch(`${other.url}/api/stacks/somebody`);
      expect(res.status).toBe(429);
      expect((await json(res)).error.code).toBe("rate_limited");
    } finally {
      await other.stop();
    }
  });

  test("a request spends a budget once, even where two of its routes match (/api/check and /api/check/*)", async () => {
    const other = await startHarness({ env: { RATE_LIMIT_CHECK: "2/1m" } });
    try {
      const first = await fetch(`${other.url}/api/check`);
      expect(first.status).toBe(200);
      expect(first.headers.get("ratelimit-remaining")).toBe("1");
      expect((await fetch(`${other.url}/api/check`)).status).toBe(200);
      expect((await fetch(`${other.url}/api/check`)).status).toBe(429);
    } finally {
      await other.stop();
    }
  });

  test("failed authentication is limited per client and audited", async () => {
    const wrong = { authorization: "Bearer wrong-token-0123456789" };
    expect((await fetch(`${h.url}/api/stacks`, { headers: wrong })).status).toBe(403);
    expect((await fetch(`${h.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${h.url}/api/admin/audit`, { headers: wrong })).status).toBe(403);
    // The budget is spent: every guarded route answers 429, even to a right token.
    for (const [path, headers] of [
      ["/api/stacks", wrong],
      ["/api/admin/reconcile", wrong],
      ["/metrics", { authorization: "Bearer metrics-token-0123456789" }],
    ] as const) {
      const res = await fetch(`${h.url}${path}`, { headers });
      expect(res.status).toBe(429);
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    }
    const del = await fetch(`${h.url}/api/stack/budget-ok`, { method: "DELETE", headers: wrong });
    expect(del.status).toBe(429);
    // The admin API itself is closed to this client now: read the audit from the store.
    const rows = h.portal.store.audit.page(20).filter((e) => e.action === "auth_failed");
    expect(rows.map((e) => [e.outcome, e.detail?.path, e.client])).toEqual([
      ["forbidden", "/api/admin/audit", "127.0.0.1"],
      ["unauthorized", "/metrics", "127.0.0.1"],
      ["forbidden", "/api/stacks", "127.0.0.1"],
    ]);
    expect(JSON.stringify(rows)).not.toContain("wrong-token");
  });
});

describe("the audit's actor", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { NAME_QUARANTINE_DAYS: "30" } });
  });
  afterAll(() => h.stop());

  test("any Bearer value on a new name is anonymous; only a token that reclaims its name is management", async () => {
    const fake = await deploy(h, "actor-new", { authorization: "Bearer totally-fake-token" });
    expect(fake.status).toBe(202);
    await readEvents(`${h.url}${fake.body.eventsUrl}`);
    expect((await auditOf(h, 1))[0]).toMatchObject({ action: "deploy", stackName: "actor-new", actor: "anonymous", outcome: "accepted" });

    const owned = await deployAndWait(h, "actor-held");
    const del = await fetch(`${h.url}/api/stack/actor-held`, { method: "DELETE", headers: { authorization: `Bearer ${owned.managementToken}` } });
    await readEvents(`${h.url}${(await json(del)).eventsUrl}`);
    const back = await deploy(h, "actor-held", { authorization: `Bearer ${owned.managementToken}` });
    expect(back.status).toBe(202);
    await readEvents(`${h.url}${back.body.eventsUrl}`);
    expect((await auditOf(h, 1))[0]).toMatchObject({ action: "deploy", stackName: "actor-held", actor: "management", outcome: "accepted" });
  });
});

describe("IPv6 clients count by their network (RATE_LIMIT_IPV6_PREFIX)", () => {
  test("a client on the IPv6 loopback is held to its budget", async () => {
    const h = await startHarness({ env: { HOST: "::1", RATE_LIMIT_CHECK: "2/1m" } });
    try {
      expect(h.url).toStartWith("http://[::1]:");
      for (let i = 0; i < 2; i++) expect((await fetch(`${h.url}/api/check/abc`)).status).toBe(200);
      expect((await fetch(`${h.url}/api/check/abc`)).status).toBe(429);
      // Audits keep the address itself.
      await deploy(h, "admin");
      expect((await auditOf(h, 1))[0].client).toBe("::1");
    } finally {
      await h.stop();
    }
  });

  test("behind a trusted proxy, addresses in one /64 share one budget; the next /64 has its own", async () => {
    const h = await startHarness({ env: { HOST: "::1", TRUST_PROXY: "true", RATE_LIMIT_CHECK: "2/1m" } });
    try {
      const from = (ip: string) => ({ headers: { "x-forwarded-for": ip } });
      expect((await fetch(`${h.url}/api/check/abc`, from("2001:db8:1:2::a"))).status).toBe(200);
      expect((await fetch(`${h.url}/api/check/abc`, from("2001:db8:1:2:dead:beef:0:1"))).status).toBe(200);
      expect((await fetch(`${h.url}/api/check/abc`, from("2001:db8:1:2::ffff"))).status).toBe(429);
      expect((await fetch(`${h.url}/api/check/abc`, from("2001:db8:1:3::a"))).status).toBe(200);
    } finally {
      await h.stop();
    }
  });

  test("with a /128 prefix each address is its own client again", async () => {
    const h = await startHarness({ env: { TRUST_PROXY: "true", RATE_LIMIT_CHECK: "1/1m", RATE_LIMIT_IPV6_PREFIX: "128" } });
    try {
      const from = (ip: string) => ({ headers: { "x-forwarded-for": ip } });
      expect((await fetch(`${h.url}/api/check/abc`, from("2001:db8:1:2::a"))).status).toBe(200);
      expect((await fetch(`${h.url}/api/check/abc`, from("2001:db8:1:2::b"))).status).toBe(200);
      expect((await fetch(`${h.url}/api/check/abc`, from("2001:db8:1:2::a"))).status).toBe(429);
    } finally {
      await h.stop();
    }
  });
});
