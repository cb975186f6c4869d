import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Harness, deployAndWait, sandboxState, startHarness, waitFor } from "../support/harness.ts";
import { details, stoppedNow } from "../support/stack-details.ts";

/**
 * Idle stops the owner sees coming (issue 26, part 1), against the sandbox's emulated OpenCode:
 * the details say when the stack stops and why, the owner keeps it awake, and the organisation's
 * chat is warned once before the stop. test/opencode/idle.test.ts does it with a real OpenCode.
 */

const HOUR = 3_600_000;
const keepAwake = (h: Harness, name: string, token: string | null, body?: unknown) =>
  fetch(`${h.url}/api/stacks/${name}/keep-awake`, {
    method: "POST",
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  }).then(async (res) => ({ status: res.status, body: (await res.json()) as any }));

const appNameOf = async (h: Harness, name: string) =>
  (await sandboxState(h)).applications.find((a: any) => a.name === `ai-stack-${name}`).appName as string;

describe("when a stack stops for idleness, in its details", () => {
  let h: Harness;
  beforeAll(async () => {
    // The checks run rarely here: these tests read the forecast, they do not wait for the stop.
    h = await startHarness({ env: { IDLE_STOP_AFTER: "1h", IDLE_CHECK_INTERVAL: "1h", IDLE_KEEP_AWAKE_MAX: "8h", IDLE_WARNING_BEFORE: "30m" } });
  });
  afterAll(() => h.stop());

  test("no activity since its start, or its newest session with something in it; an empty session does not count", async () => {
    const stack = await deployAndWait(h, "fore");
    const first = (await details(h, "fore", stack.managementToken)).idle;
    expect(first).toMatchObject({ state: "idle", keepAwakeUntil: null, stopAfterMs: HOUR, keepAwakeMaxMs: 8 * HOUR, warningBeforeMs: HOUR / 2 });
    const started = Date.parse(first.lastActivityAt);
    expect(Date.parse(first.stopsAt) - started).toBe(HOUR);

    const appName = await appNameOf(h, "fore");
    const used = Date.now() + 60_000;
    const opened = Date.now() + 120_000;
    h.sandbox.setOpenCodeActivity(appName, {
      sessions: [
        { id: "ses_used", time: { created: started - 1000, updated: used } },
        // Opened later and left empty: not use.
        { id: "ses_empty", time: { created: opened, updated: opened } },
      ],
      status: {},
    });
    const idle = (await details(h, "fore", stack.managementToken)).idle;
    expect(idle).toMatchObject({ state: "idle", lastActivityAt: new Date(used).toISOString(), stopsAt: new Date(used + HOUR).toISOString() });

    h.sandbox.setOpenCodeActivity(appName, {
      sessions: [{ id: "ses_used", time: { created: started, updated: used } }],
      status: { ses_used: { type: "busy" } },
    });
    expect((await details(h, "fore", stack.managementToken)).idle).toMatchObject({ state: "busy", stopsAt: null });
  });

  test("the owner keeps it awake up to the operator's maximum, and lets it go again", async () => {
    const stack = await deployAndWait(h, "awake");
    expect((await keepAwake(h, "awake", null)).status).toBe(401);
    expect(await keepAwake(h, "awake", stack.managementToken, { hours: 9 })).toMatchObject({
      status: 400,
      body: { error: { code: "invalid_request" } },
    });
    expect(await keepAwake(h, "awake", stack.managementToken, { hours: "two" })).toMatchObject({ status: 400 });

    const before = Date.now();
    const kept = await keepAwake(h, "awake", stack.managementToken, { hours: 2 });
    expect(kept.status).toBe(200);
    expect(Date.parse(kept.body.keepAwakeUntil) - before).toBeGreaterThanOrEqual(2 * HOUR);
    expect(Date.parse(kept.body.keepAwakeUntil) - Date.now()).toBeLessThanOrEqual(2 * HOUR);
    const idle = (await details(h, "awake", stack.managementToken)).idle;
    expect(idle).toMatchObject({ state: "kept_awake", keepAwakeUntil: kept.body.keepAwakeUntil, stopsAt: kept.body.keepAwakeUntil });

    // No body: the maximum.
    const longest = await keepAwake(h, "awake", stack.managementToken);
    expect(Date.parse(longest.body.keepAwakeUntil) - before).toBeGreaterThanOrEqual(8 * HOUR);
    expect((await keepAwake(h, "awake", stack.managementToken, { hours: 0 })).body.keepAwakeUntil).toBeNull();
    expect((await details(h, "awake", stack.managementToken)).idle.state).toBe("idle");

    const audit = h.portal.store.audit.page(50).filter((e) => e.action === "keep_awake");
    // Newest first; a body that is not JSON of the right shape is refused before anything is asked.
    expect(audit.map((e) => e.outcome)).toEqual(["accepted", "accepted", "accepted", "invalid_request", "unauthorized"]);

    // Stopped: nothing to keep awake, and no forecast.
    const stop = await fetch(`${h.url}/api/stacks/awake/stop`, { method: "POST", headers: { authorization: `Bearer ${stack.managementToken}` } });
    expect(stop.status).toBe(202);
    const stopped = await stoppedNow(h, "awake", stack.managementToken, 10_000);
    expect(stopped.idle).toBeNull();
    expect(await keepAwake(h, "awake", stack.managementToken, { hours: 1 })).toMatchObject({
      status: 409,
      body: { error: { code: "stack_not_running" } },
    });
  });
});

describe("the idle stop with a keep-awake and a warning", () => {
  const received: any[] = [];
  let chat: ReturnType<typeof Bun.serve>;
  let h: Harness;
  beforeAll(async () => {
    chat = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: async (req) => {
        received.push({ path: new URL(req.url).pathname, body: await req.json() });
        return new Response("ok");
      },
    });
    h = await startHarness({
      env: {
        IDLE_STOP_AFTER: "3s",
        IDLE_CHECK_INTERVAL: "100ms",
        IDLE_WARNING_BEFORE: "2s",
        IDLE_WARNING_WEBHOOK: `http://127.0.0.1:${chat.port}/hooks/T000/B000/secret-webhook-token`,
        PUBLIC_URL: "https://portal.example.test",
      },
    });
  });
  afterAll(async () => {
    await h.stop();
    chat.stop(true);
  });

  test("kept awake it runs on; let go, the chat is warned once before the stop, which then comes", async () => {
    const stack = await deployAndWait(h, "warned");
    expect((await keepAwake(h, "warned", stack.managementToken, { hours: 1 })).status).toBe(200);
    await Bun.sleep(3500);
    expect((await details(h, "warned", stack.managementToken)).state).toBe("running");
    expect(received).toEqual([]);

    expect((await keepAwake(h, "warned", stack.managementToken, { hours: 0 })).status).toBe(200);
    const stopped = await stoppedNow(h, "warned", stack.managementToken, 10_000);
    expect(stopped).toMatchObject({ state: "stopped", stopReason: "idle" });
    // Idle since its start, more than 3 s ago: warned once, then stopped.
    expect(received).toHaveLength(1);
    const warning = received[0];
    expect(warning.path).toBe("/hooks/T000/B000/secret-webhook-token");
    expect(warning.body).toMatchObject({
      event: "idle_warning",
      stack: "warned",
      url: "https://warned.stacks.test",
      page: "https://portal.example.test/#stack=warned",
      owner: null,
    });
    expect(warning.body.text).toContain("The AI stack warned stops at");
    // The stop came no sooner than the warning said.
    expect(Date.parse(stopped.stoppedAt)).toBeGreaterThanOrEqual(Date.parse(warning.body.stopsAt));
    // Nothing secret went to the chat, and the webhook's address is in no log line.
    expect(JSON.stringify(warning.body)).not.toContain(stack.credentials.password);
    expect(JSON.stringify(warning.body)).not.toContain(stack.managementToken);
    expect(h.logs.join("\n")).not.toContain("secret-webhook-token");
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    expect(metrics).toContain('portal_idle_warnings_total{outcome="sent"} 1');
    expect(metrics).toMatch(/portal_idle_checks_total\{outcome="kept_awake"\} [1-9]/);
  });

  test("an empty session opened after the start does not keep a stack running", async () => {
    const stack = await deployAndWait(h, "empty");
    const appName = await appNameOf(h, "empty");
    await waitFor(
      async () => {
        const now = Date.now();
        // Opened again and again, never used.
        h.sandbox.setOpenCodeActivity(appName, { sessions: [{ id: "ses_empty", time: { created: now, updated: now } }], status: {} });
        return (await details(h, "empty", stack.managementToken)).state;
      },
      (state) => state === "stopped",
      "the stack with only an empty session stopped",
      10_000,
    );
  });
});
