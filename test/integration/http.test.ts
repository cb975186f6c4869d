import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Harness, SANDBOX_KEY, startHarness } from "../support/harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.stop());

const json = async (res: Response) => (await res.json()) as any;

describe("GET /api/check/:name", () => {
  test("an available name", async () => {
    const res = await fetch(`${h.url}/api/check/Alice-1`);
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({
      name: "alice-1",
      valid: true,
      available: true,
      reason: null,
      url: "https://alice-1.stacks.test",
      suggestions: [],
    });
  });

  test("each rule gives its reason", async () => {
    const cases: [string, string][] = [
      ["ab", "too_short"],
      ["a".repeat(40), "too_long"],
      ["al_ice", "invalid_characters"],
      ["9lives", "must_start_with_letter"],
      ["alice-", "invalid_end"],
      ["xn--abc", "consecutive_hyphens"],
      ["root", "reserved"],
    ];
    for (const [input, reason] of cases) {
      const body = await json(await fetch(`${h.url}/api/check/${encodeURIComponent(input)}`));
      expect(body).toMatchObject({ valid: false, available: false, reason });
    }
  });

  test("hostile input always gets a 200 verdict, never a 500", async () => {
    const inputs = [
      "%D0%B0lice", // Cyrillic а
      "%EF%BD%81%EF%BD%82%EF%BD%83", // fullwidth
      "a%2Fb",
      "..%2F..%2Fetc%2Fpasswd",
      "a/b/c",
      "%00%01%02",
      "%E0%A4%A", // broken percent-encoding
      "%F0%9F%99%82%F0%9F%99%82",
      "x".repeat(5000),
      "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
      "alice%0D%0AX-Injected:%201",
      "",
    ];
    for (const input of inputs) {
      const res = await fetch(`${h.url}/api/check/${input}`);
      expect(res.status).toBe(200);
      const body = await json(res);
      expect(body.valid).toBe(false);
      expect(typeof body.reason).toBe("string");
    }
  });

  test("a project of the portal's naming in Dokploy makes the name taken", async () => {
    await fetch(`${h.sandboxUrl}/api/project.create`, {
      method: "POST",
      headers: { "x-api-key": SANDBOX_KEY, "content-type": "application/json" },
      body: JSON.stringify({ name: "ai-stack-outsider" }),
    });
    // The availability list is cached briefly; wait out its TTL.
    let body: any;
    for (let i = 0; i < 20; i++) {
      body = await json(await fetch(`${h.url}/api/check/outsider`));
      if (body.reason === "taken") break;
      await Bun.sleep(100);
    }
    expect(body).toMatchObject({ valid: true, available: false, reason: "taken" });
  });

  test("a domain with that host on an application outside the portal makes the name taken", async () => {
    const call = async (procedure: string, body: unknown) =>
      (await fetch(`${h.sandboxUrl}/api/${procedure}`, {
        method: "POST",
        headers: { "x-api-key": SANDBOX_KEY, "content-type": "application/json" },
        body: JSON.stringify(body),
      }).then((r) => r.json())) as any;
    const { environment } = await call("project.create", { name: "someone-elses-project" });
    const app = await call("application.create", { name: "web", environmentId: environment.environmentId });
    await call("domain.create", { host: "claimed.stacks.test", applicationId: app.applicationId, port: 80, https: false });
    let body: any;
    for (let i = 0; i < 30; i++) {
      body = await json(await fetch(`${h.url}/api/check/claimed`));
      if (body.reason === "taken") break;
      await Bun.sleep(100);
    }
    expect(body).toMatchObject({ valid: true, available: false, reason: "taken" });
  });

  test("checks do not cost a Dokploy listing each", async () => {
    const before = (await json(await fetch(`${h.sandboxUrl}/__sandbox/state`))).calls["project.all"] ?? 0;
    await Promise.all(Array.from({ length: 50 }, (_, i) => fetch(`${h.url}/api/check/name-${i}`)));
    const after = (await json(await fetch(`${h.sandboxUrl}/__sandbox/state`))).calls["project.all"] ?? 0;
    expect(after - before).toBeLessThanOrEqual(1);
  });
});

describe("GET /health", () => {
  test("healthy when Dokploy answers", async () => {
    const res = await fetch(`${h.url}/health`);
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body).toMatchObject({
      status: "healthy",
      mode: "dokploy",
      checks: { dokploy: { status: "up", circuit: "closed" }, database: { status: "up" } },
    });
    expect(typeof body.version).toBe("string");
    expect(typeof body.uptimeSeconds).toBe("number");
    expect(typeof body.checks.dokploy.latencyMs).toBe("number");
  });

  test("degraded, and fast, while Dokploy hangs", async () => {
    const other = await startHarness();
    try {
      await fetch(`${other.sandboxUrl}/__sandbox/faults`, {
        method: "POST",
        body: JSON.stringify({ procedure: "settings.getDokployVersion", kind: "hang" }),
      });
      const started = performance.now();
      const res = await fetch(`${other.url}/health`);
      const elapsed = performance.now() - started;
      expect(res.status).toBe(200);
      expect((await json(res)).status).toBe("degraded");
      // Behaviour, not a benchmark: it must not wait for Dokploy's own timeout.
      expect(elapsed).toBeLessThan(1900);
    } finally {
      await other.stop();
    }
  });

  test("degraded with the reason when the key is rejected", async () => {
    const other = await startHarness({ env: { DOKPLOY_API_TOKEN: "wrong-key" } });
    try {
      const body = await json(await fetch(`${other.url}/health`));
      expect(body.status).toBe("degraded");
      expect(body.checks.dokploy.status).toBe("unauthorized");
      expect(JSON.stringify(body)).not.toContain("wrong-key");
    } finally {
      await other.stop();
    }
  });

  test("degraded when Dokploy is gone (the sandbox stopped)", async () => {
    const other = await startHarness();
    try {
      await other.stopSandbox();
      const res = await fetch(`${other.url}/health`);
      expect(res.status).toBe(200);
      const body = await json(res);
      expect(body.status).toBe("degraded");
      expect(body.checks.dokploy.status).toBe("unreachable");
      expect(body.checks.database.status).toBe("up");
    } finally {
      await other.stop();
    }
  });
});

describe("HTTP hygiene", () => {
  test("unknown routes are 404 and wrong methods 405, in the portal's error format", async () => {
    const missing = await fetch(`${h.url}/api/nothing`);
    expect(missing.status).toBe(404);
    expect((await json(missing)).error.code).toBe("not_found");
    const wrong = await fetch(`${h.url}/api/deploy`, { method: "GET" });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toContain("POST");
    expect((await json(wrong)).error.code).toBe("method_not_allowed");
  });

  test("every response carries a request id, and a sane given one is kept", async () => {
    const res = await fetch(`${h.url}/api/stacks/nobody`, { headers: { "x-request-id": "abc-123" } });
    expect(res.headers.get("x-request-id")).toBe("abc-123");
    const generated = await fetch(`${h.url}/api/check/x`, { headers: { "x-request-id": "bad id with spaces" } });
    expect(generated.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(h.logs.some((l) => l.includes('"requestId":"abc-123"'))).toBe(true);
  });

  test("the page is served with its title", async () => {
    const res = await fetch(`${h.url}/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("<title>AI Stack Deployer</title>");
  });

  test("unknown deployments are 404", async () => {
    expect((await fetch(`${h.url}/api/deployments/nope`)).status).toBe(404);
    expect((await fetch(`${h.url}/api/deployments/nope/events`)).status).toBe(404);
    expect((await fetch(`${h.url}/api/stacks/nobody`)).status).toBe(404);
  });
});
