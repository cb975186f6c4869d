import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ADMIN_TOKEN, type Harness, deployAndWait, readEvents, sandboxState, startHarness, waitFor } from "../support/harness.ts";
import { RELEASES, openCode } from "../support/opencode.ts";

/**
 * Idle stop: a running stack whose OpenCode shows no activity for IDLE_STOP_AFTER is
 * stopped with the reason "idle" and starts again on request; a busy or recently used one
 * is left alone. Against the sandbox's emulated OpenCode (whose sessions a test sets, since
 * a real session can only be busy with a model provider) and against a real one of each
 * release the fleet runs (its /session and /session/status, read with the stack's password).
 */

async function details(h: Harness, name: string, token: string) {
  return (await (await fetch(`${h.url}/api/stacks/${name}/details`, { headers: { authorization: `Bearer ${token}` } })).json()) as any;
}

/** The stack's details once it is stopped and no operation runs on it any more. */
const stoppedNow = (h: Harness, name: string, token: string, timeoutMs: number) =>
  waitFor(
    () => details(h, name, token),
    (d) => d.state === "stopped" && d.runningOperation === null,
    `${name} stopped`,
    timeoutMs,
  );

describe("idle stop, emulated OpenCode", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { IDLE_STOP_AFTER: "1s", IDLE_CHECK_INTERVAL: "100ms" } });
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

for (const release of RELEASES) {
  const oc = openCode(release);
  describe(`idle stop, a real OpenCode ${oc.version} (${release})`, () => {
    const root = mkdtempSync(join(tmpdir(), "sandbox-opencode-idle-"));
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness({
        // Roomy: a real OpenCode on a loaded machine can take seconds to open a session.
        env: { IDLE_STOP_AFTER: "8s", IDLE_CHECK_INTERVAL: "200ms", HEALTH_TIMEOUT: "20s", PROBE_ATTEMPT_TIMEOUT: "2s" },
        sandbox: {
          stackStopMs: 100,
          openCode: { command: oc.command, match: ["ai-stack-real-"], root },
        },
      });
    });
    afterAll(async () => {
      await h.stop();
      rmSync(root, { recursive: true, force: true });
    });

    test("a session used recently keeps it running; then it is stopped for idle, and its sessions are there after start", async () => {
      const stack = await deployAndWait(h, "real-idle", { timeoutMs: 40_000 });
      const auth = { authorization: `Basic ${Buffer.from(`opencode:${stack.credentials.password}`).toString("base64")}` };
      const oc = (path: string, init: RequestInit = {}) =>
        fetch(`${h.sandboxUrl}${path}`, { ...init, headers: { host: "real-idle.stacks.test", ...auth, ...init.headers } });
      const created = await oc("/session", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
      expect(created.status).toBe(200);
      const session = (await created.json()) as any;
      await Bun.sleep(2000);
      expect((await details(h, "real-idle", stack.managementToken)).state).toBe("running");

      const stopped = await stoppedNow(h, "real-idle", stack.managementToken, 30_000);
      expect(stopped).toMatchObject({ state: "stopped", stopReason: "idle" });
      expect(Date.parse(stopped.stoppedAt) - session.time.updated).toBeGreaterThanOrEqual(8000);

      const start = await fetch(`${h.url}/api/stacks/real-idle/start`, {
        method: "POST",
        headers: { authorization: `Bearer ${stack.managementToken}` },
      });
      expect((await readEvents(`${h.url}${((await start.json()) as any).eventsUrl}`, { timeoutMs: 25_000 })).at(-1)!.data.status).toBe("ready");
      const sessions = (await (await oc("/session")).json()) as any[];
      expect(sessions.map((s) => s.id)).toContain(session.id);
    }, 60_000);
  });
}
