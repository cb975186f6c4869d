import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Harness, SANDBOX_KEY, deployAndWait, dokployPost, readEvents, sandboxState, startHarness, waitFor } from "../support/harness.ts";

/**
 * The stack image's own HEALTHCHECK runs every 30 s, and Swarm keeps a new task "starting",
 * out of its DNS and so out of Traefik's reach, until the first check passes: on a real Swarm a
 * stack that listened after 3 s was reachable after 33 s. The portal switches that check off
 * for its stacks (healthCheckSwarm `Test: ["NONE"]`) and lets its own probe decide readiness.
 */

let h: Harness;
beforeAll(async () => {
  // The image's check as built; a health deadline far shorter than its first run.
  h = await startHarness({ sandbox: { imageHealthCheckMs: 30_000 }, env: { HEALTH_TIMEOUT: "5s" } });
});
afterAll(() => h.stop());

const serviceOf = async (name: string) => (await sandboxState(h)).services.find((s: any) => s.hosts.includes(`${name}.stacks.test`));
const tasksOf = async (appName: string) =>
  (await (
    await fetch(`${h.sandboxUrl}/api/docker.getServiceContainersByAppName?appName=${appName}`, { headers: { "x-api-key": SANDBOX_KEY } })
  ).json()) as {
    currentState: string;
  }[];

describe("the image's own health check", () => {
  test("is switched off for every stack the portal deploys: the stack is ready at once", async () => {
    const stack = await deployAndWait(h, "hc-new");
    expect(stack.done.data.status).toBe("ready");
    expect((await serviceOf("hc-new")).healthCheck).toEqual({ Test: ["NONE"] });
  });

  test("an application that has it keeps its task starting, and the owner's redeploy switches it off again", async () => {
    const stack = await deployAndWait(h, "hc-reset");
    const app = (await sandboxState(h)).applications.find((a: any) => a.appName.includes("hc-reset"));
    // Someone resets the setting in Dokploy and redeploys there.
    expect((await dokployPost(h.sandboxUrl, "application.update", { applicationId: app.applicationId, healthCheckSwarm: null })).status).toBe(200);
    expect((await dokployPost(h.sandboxUrl, "application.redeploy", { applicationId: app.applicationId })).status).toBe(200);
    await waitFor(
      () => tasksOf(app.appName),
      (tasks) => tasks[0]?.currentState.startsWith("Starting") ?? false,
      "the new task to be starting",
    );
    expect((await fetch(`${h.sandboxUrl}/`, { headers: { host: "hc-reset.stacks.test" } })).status).toBe(502);

    const res = await fetch(`${h.url}/api/stacks/hc-reset/redeploy`, {
      method: "POST",
      headers: { authorization: `Bearer ${stack.managementToken}` },
    });
    expect(res.status).toBe(202);
    const events = await readEvents(`${h.url}${((await res.json()) as { eventsUrl: string }).eventsUrl}`, { timeoutMs: 20_000 });
    expect(events.at(-1)!.data.status).toBe("ready");
    expect((await serviceOf("hc-reset")).healthCheck).toEqual({ Test: ["NONE"] });
    expect((await tasksOf(app.appName))[0]!.currentState).toStartWith("Running");
  }, 30_000);
});
