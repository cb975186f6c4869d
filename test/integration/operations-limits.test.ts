import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ADMIN_TOKEN, type Harness, deployAndWait, startHarness } from "../support/harness.ts";

/** RATE_LIMIT_OPERATIONS limits owners per client address; the admin token is not limited. */

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ env: { RATE_LIMIT_OPERATIONS: "2/10m" } });
});
afterAll(() => h.stop());

const post = (name: string, op: string, token: string) =>
  fetch(`${h.url}/api/stacks/${name}/${op}`, { method: "POST", headers: { authorization: `Bearer ${token}` } });

describe("operation rate limit", () => {
  test("the third operation in the window is 429 with Retry-After; the admin token goes through", async () => {
    const stack = await deployAndWait(h, "lim");
    expect((await post("lim", "start", stack.managementToken)).status).toBe(200);
    expect((await post("lim", "start", stack.managementToken)).status).toBe(200);
    const limited = await post("lim", "start", stack.managementToken);
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(((await limited.json()) as any).error.code).toBe("rate_limited");
    expect((await post("lim", "start", ADMIN_TOKEN)).status).toBe(200);
    expect((await post("lim", "start", ADMIN_TOKEN)).status).toBe(200);
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    expect(metrics).toMatch(/portal_rate_limited_requests_total\{limit="operations"\} 1\b/);
    expect(metrics).toMatch(/portal_stack_operations_total\{operation="start",outcome="nothing_to_do"\} 4\b/);
  });
});
