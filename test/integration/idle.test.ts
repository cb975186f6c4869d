import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ADMIN_TOKEN, type Harness, deployAndWait, readEvents, sandboxState, startHarness } from "../support/harness.ts";
import { details, stoppedNow } from "../support/stack-details.ts";

/**
 * Idle stop: a running stack whose OpenCode shows no activity for IDLE_STOP_AFTER is
 * stopped with the reason "idle" and starts again on request; a busy or recently used one
 * is left alone. Here against the sandbox's emulated OpenCode (whose sessions a test sets, since
 * a real session can only be busy with a model provider); test/opencode/idle.test.ts against a
 * real one of each release.
 */

describe("idle stop, emulated OpenCode", () => {
  let h: Harness;
  beforeAll(async () => {
    // No warning time: the stop comes as soon as the idle time is over (idle-forecast.test.ts has the warning).
    h = await startHarness({ env: { IDLE_STOP_AFTER: "1s", IDLE_CHECK_INTERVAL: "100ms", IDLE_WARNING_BEFORE: "0" } });
  });
  afterAll(() => h.stop());

  test("busy and recently used stacks run on; an idle one is stopped for idle and starts again", async () => {
    const stack = await deployAndWait(h, "ivy");
    const appName = (await sandboxState(h)).applications.find((a: any) => a.name === "ai-stack-ivy").appName;
    const long = Date.now() - 3_600_000;
    h.sandbox.setOpenCodeActivity(appName, {
      sessions: [{ id: "ses_1", time: { created: long, updated: long } }],
      status: { ses_1: { type: "busy" } },
    });
    await Bun.sleep(1800);
    expect((await details(h, "ivy", stack.managementToken)).state).toBe("running");

    // Done working just now: recently used.
    h.sandbox.setOpenCodeActivity(appName, { sessions: [{ id: "ses_1", time: { created: long, updated: Date.now() } }], status: {} });
    await Bun.sleep(500);
    expect((await details(h, "ivy", stack.managementToken)).state).toBe("running");

    const stopped = await stoppedNow(h, "ivy", stack.managementToken, 5000);
    expect(stopped).toMatchObject({ state: "stopped", stopReason: "idle" });
    expect(stopped.operations[0]).toMatchObject({ kind: "stop", status: "succeeded" });
    expect((await fetch(`${h.sandboxUrl}/`, { headers: { host: "ivy.stacks.test" } })).status).toBe(502);

    const audit = (await (await fetch(`${h.url}/api/admin/audit?limit=50`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as any;
    expect(audit.entries.find((e: any) => e.action === "idle_stop")).toMatchObject({ stackName: "ivy", actor: "system", outcome: "accepted" });
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    expect(metrics).toMatch(/portal_idle_checks_total\{outcome="busy"\} [1-9]/);
    expect(metrics).toMatch(/portal_idle_checks_total\{outcome="stopped"\} 1\b/);

    const start = await fetch(`${h.url}/api/stacks/ivy/start`, { method: "POST", headers: { authorization: `Bearer ${stack.managementToken}` } });
    expect(start.status).toBe(202);
    expect((await readEvents(`${h.url}${((await start.json()) as any).eventsUrl}`)).at(-1)!.data.status).toBe("ready");
    expect(await details(h, "ivy", stack.managementToken)).toMatchObject({ state: "running", stopReason: null });
  });
});
