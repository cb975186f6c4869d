import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Harness, deployAndWait, dokployPost, readEvents, sandboxState, startHarness } from "../support/harness.ts";

/**
 * Dokploy's application.start and .stop answer only once Swarm has converged (its
 * `docker service scale` waits), and an answer can be lost on the way. The portal waits as
 * long as a start may take, sends neither twice, and when the answer is lost asks Swarm's
 * task list what happened: its record says what Swarm did, never "failed" for a stack that runs.
 */

let h: Harness;
beforeAll(async () => {
  // Dokploy's answer comes 4 s after Swarm converged (the CLI's watch), past the portal's
  // 3.5 s wait for a scale (HEALTH_TIMEOUT + DOKPLOY_TIMEOUT): every answer to a scale is lost.
  h = await startHarness({ sandbox: { stackStopMs: 200, scaleSettleMs: 4_000 }, env: { HEALTH_TIMEOUT: "2s", DOKPLOY_TIMEOUT: "1500ms" } });
});
afterAll(() => h.stop());

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
async function operate(name: string, op: string, token: string) {
  const res = await fetch(`${h.url}/api/stacks/${name}/${op}`, { method: "POST", headers: bearer(token) });
  expect(res.status).toBe(202);
  const body = (await res.json()) as { eventsUrl: string };
  const events = await readEvents(`${h.url}${body.eventsUrl}`, { timeoutMs: 30_000 });
  return events.at(-1)!.data;
}
const serviceOf = async (name: string) => (await sandboxState(h)).services.find((s: any) => s.hosts.includes(`${name}.stacks.test`));
const calls = async (procedure: string) => ((await sandboxState(h)).calls[procedure] as number | undefined) ?? 0;

describe("a start or stop whose answer is lost", () => {
  test("Swarm has it: the stop and the start succeed, each sent once", async () => {
    const stack = await deployAndWait(h, "lost-answer");
    const [stopsBefore, startsBefore] = [await calls("application.stop"), await calls("application.start")];
    expect(await operate("lost-answer", "stop", stack.managementToken)).toMatchObject({ status: "stopped" });
    expect((await serviceOf("lost-answer")).state).toBe("stopped");
    expect(await operate("lost-answer", "start", stack.managementToken)).toMatchObject({ status: "ready" });
    expect((await serviceOf("lost-answer")).state).toBe("running");
    expect([await calls("application.stop"), await calls("application.start")]).toEqual([stopsBefore + 1, startsBefore + 1]);
    expect(h.logs.some((line) => line.includes("answer to the start was lost; Swarm has it"))).toBe(true);
    expect(h.portal.store.lifecycle.runState(h.portal.store.stacks.live("lost-answer")!.id).state).toBe("running");
  }, 40_000);

  test("Swarm does not have it: the start fails at once and the stack is stopped, as the record says", async () => {
    const stack = await deployAndWait(h, "never-sent");
    expect(await operate("never-sent", "stop", stack.managementToken)).toMatchObject({ status: "stopped" });
    // The connection drops before Dokploy runs anything.
    await fetch(`${h.sandboxUrl}/__sandbox/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ procedure: "application.start", kind: "drop", times: 1 }),
    });
    const done = await operate("never-sent", "start", stack.managementToken);
    expect(done).toMatchObject({ status: "failed", error: { code: "dokploy_unavailable" } });
    expect((await serviceOf("never-sent")).state).toBe("stopped");
    expect(h.portal.store.lifecycle.runState(h.portal.store.stacks.live("never-sent")!.id).state).toBe("stopped");
  }, 40_000);
});

describe("the sandbox answers a scale as Dokploy does", () => {
  test("application.stop answers once the task is gone, application.start once the new one runs", async () => {
    await h.sandbox.updateSettings({ scaleSettleMs: 0 });
    try {
      await deployAndWait(h, "converge");
      const app = (await sandboxState(h)).applications.find((a: any) => a.appName.includes("converge"));
      const tasks = async () =>
        (await (
          await fetch(`${h.sandboxUrl}/api/docker.getServiceContainersByAppName?appName=${app.appName}`, {
            headers: { "x-api-key": "test-sandbox-key-0123456789" },
          })
        ).json()) as any[];
      expect((await dokployPost(h.sandboxUrl, "application.stop", { applicationId: app.applicationId })).status).toBe(200);
      expect((await tasks()).map((t) => t.currentState.split(" ")[0])).not.toContain("Running");
      expect((await dokployPost(h.sandboxUrl, "application.start", { applicationId: app.applicationId })).status).toBe(200);
      expect((await tasks())[0].currentState).toStartWith("Running");
    } finally {
      await h.sandbox.updateSettings({ scaleSettleMs: 4_000 });
    }
  }, 20_000);
});
