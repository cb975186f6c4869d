import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  ADMIN_TOKEN,
  type Harness,
  deploy,
  deployAndWait,
  dokployPost,
  readEvents,
  sandboxState,
  startHarness,
  waitFor,
} from "../support/harness.ts";

/**
 * One server (the sandbox's 64 GiB node, no cluster) with 16 GiB reserved per stack: room for
 * four. A deploy it has no room for is refused at once (409 no_capacity), counted, audited
 * and logged for the administrator; a stack whose Swarm task cannot be placed anyway (the
 * node's memory taken by a service outside the portal) ends its deploy or start with Swarm's
 * reason, `unschedulable`, long before HEALTH_TIMEOUT (60 s here; the event streams give up
 * after 15).
 */

const GiB = 1024 ** 3;
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
const SWARM_REASON = "no suitable node (insufficient resources on 1 node)";
let h: Harness;

beforeAll(async () => {
  h = await startHarness({ env: { STACK_MEMORY_RESERVATION: "16g", STACK_MEMORY_LIMIT: "16g", HEALTH_TIMEOUT: "60s" } });
});
afterAll(() => h.stop());

const appOf = (state: any, name: string) => state.applications.find((a: any) => a.name === `ai-stack-${name}`);
const serviceOf = (state: any, appName: string) => state.services.find((s: any) => s.appName === appName);
const call = async (procedure: string, body: unknown) => {
  const res = await dokployPost(h.sandboxUrl, procedure, body);
  if (!res.ok) throw new Error(`${procedure}: ${res.status} ${await res.text()}`);
  const text = await res.text();
  return text ? JSON.parse(text) : null;
};

/** Another application on the same Dokploy, made by its admin: Swarm reserves `gib` for it on the node. */
async function outsideApp(name: string, gib: number): Promise<{ applicationId: string; appName: string }> {
  const { environment } = await call("project.create", { name });
  const app = await call("application.create", { name, appName: name, environmentId: environment.environmentId });
  await call("application.saveDockerProvider", {
    applicationId: app.applicationId,
    dockerImage: "nginx:1",
    username: null,
    password: null,
    registryUrl: null,
  });
  await call("application.update", { applicationId: app.applicationId, memoryReservation: String(gib * GiB) });
  await call("application.deploy", { applicationId: app.applicationId });
  await waitFor(
    () => sandboxState(h),
    (s) => serviceOf(s, app.appName)?.state === "running",
    `${name} running`,
  );
  return app;
}

const metrics = async () => (await fetch(`${h.url}/metrics`, { headers: admin })).text();

describe("a full server", () => {
  test("a task Swarm cannot place ends the deploy with Swarm's reason, not at HEALTH_TIMEOUT, and is rolled back", async () => {
    // 56 GiB taken outside the portal: by its own count the node has room for four stacks, Swarm for none.
    const outside = await outsideApp("wiki", 56);
    const result = await deployAndWait(h, "squeezed");
    expect(result.done.data.status).toBe("failed");
    expect(result.done.data.error.code).toBe("unschedulable");
    const failedStep = result.events.find((e) => e.event === "step" && e.data.state === "failed");
    expect(failedStep?.data).toMatchObject({ step: "wait_healthy", error: { code: "unschedulable" } });
    // Swarm's words are for the owner and the admin.
    const snapshot = (await (
      await fetch(`${h.url}${result.statusUrl}`, { headers: { authorization: `Bearer ${result.managementToken}` } })
    ).json()) as any;
    expect(snapshot.error).toMatchObject({ code: "unschedulable", detail: SWARM_REASON });
    const anonymous = (await (await fetch(`${h.url}${result.statusUrl}`)).json()) as any;
    expect(anonymous.error.detail).toBeUndefined();
    // The rollback removed what the deploy made; the stack is failed, not waiting.
    const state = await sandboxState(h);
    expect(appOf(state, "squeezed")).toBeUndefined();
    expect(state.services.some((s: any) => s.appName.startsWith("ai-stack-squeezed"))).toBe(false);
    expect(((await (await fetch(`${h.url}/api/stacks/squeezed`)).json()) as any).status).toBe("failed");
    expect(await metrics()).toContain('portal_deployments_total{kind="deploy",outcome="unschedulable"} 1');
    await call("application.delete", { applicationId: outside.applicationId });
  });

  test("a start Swarm cannot place ends with that reason, and the stack stays stopped", async () => {
    const stack = await deployAndWait(h, "sleeper");
    expect(stack.done.data.status).toBe("ready");
    const owner = { authorization: `Bearer ${stack.managementToken}` };
    const operation = async (op: string) => {
      const res = await fetch(`${h.url}/api/stacks/sleeper/${op}`, { method: "POST", headers: owner });
      expect(res.status).toBe(202);
      return (await readEvents(`${h.url}${((await res.json()) as any).eventsUrl}`)).at(-1)!;
    };
    expect((await operation("stop")).data.status).toBe("stopped");
    // While it sleeps, the room it had in Swarm is taken by someone else.
    const outside = await outsideApp("grafana", 56);
    const start = await operation("start");
    expect(start.data.status).toBe("failed");
    expect(start.data.error.code).toBe("unschedulable");
    const { appName } = appOf(await sandboxState(h), "sleeper");
    expect(serviceOf(await sandboxState(h), appName).state).toBe("stopped");
    const details = (await (await fetch(`${h.url}/api/stacks/sleeper/details`, { headers: owner })).json()) as any;
    expect(details.state).toBe("stopped");

    // The room comes back: the stack does not start by itself, and starts when asked.
    await call("application.delete", { applicationId: outside.applicationId });
    expect(serviceOf(await sandboxState(h), appName).state).toBe("stopped");
    expect((await operation("start")).data.status).toBe("ready");
  });

  test("a stop-first redeploy on a server full to the last byte waits for its old task, and is not taken for unschedulable", async () => {
    // Swarm keeps the old task's reservation until it has stopped (3 s here, past the grace):
    // meanwhile the new task is pending for want of room, which its own end will make.
    const outside = await outsideApp("metabase", 48);
    h.sandbox.updateSettings({ stackStopMs: 3_000 });
    try {
      const res = await fetch(`${h.url}/api/stacks/sleeper/redeploy`, { method: "POST", headers: admin });
      expect(res.status).toBe(202);
      const events = await readEvents(`${h.url}${((await res.json()) as any).eventsUrl}`);
      expect(events.at(-1)!.data.status).toBe("ready");
      const svc = serviceOf(await sandboxState(h), appOf(await sandboxState(h), "sleeper").appName);
      expect(svc.maxTasks).toBe(1);
    } finally {
      h.sandbox.updateSettings({ stackStopMs: 0 });
      await call("application.delete", { applicationId: outside.applicationId });
    }
  });

  test("deploys past the server's room are refused at once with 409 no_capacity: nothing made, audited, counted, logged", async () => {
    // sleeper has one of the four places; five deploys at once want the other three.
    const names = ["burst-a", "burst-b", "burst-c", "burst-d", "burst-e"];
    const answers = await Promise.all(names.map((name) => deploy(h, name)));
    const accepted = names.filter((_, i) => answers[i]!.status === 202);
    const refused = names.filter((_, i) => answers[i]!.status !== 202);
    expect(accepted).toHaveLength(3);
    expect(refused).toHaveLength(2);
    for (const [i, name] of names.entries()) {
      if (!refused.includes(name)) continue;
      expect(answers[i]!.status).toBe(409);
      expect(answers[i]!.body.error.code).toBe("no_capacity");
      expect(answers[i]!.body.error.message).toContain("administrator");
    }
    for (const [i, name] of names.entries()) {
      if (!accepted.includes(name)) continue;
      const done = (await readEvents(`${h.url}${answers[i]!.body.eventsUrl}`)).at(-1)!;
      expect(done.data.status, name).toBe("ready");
    }

    // Nothing was made in Dokploy for the refused ones, and the portal keeps no stack of them.
    const state = await sandboxState(h);
    for (const name of refused) {
      expect(state.projects.some((p: any) => p.name === `ai-stack-${name}`)).toBe(false);
      expect((await fetch(`${h.url}/api/stacks/${name}`)).status).toBe(404);
    }
    // The administrator is told: the audit log, a counter, an error in the log with each node's room.
    const audit = (await (await fetch(`${h.url}/api/admin/audit?limit=50`, { headers: admin })).json()) as any;
    const noCapacity = audit.entries.filter((e: any) => e.action === "deploy" && e.outcome === "no_capacity").map((e: any) => e.stackName);
    expect(noCapacity.sort()).toEqual([...refused].sort());
    expect(await metrics()).toContain('portal_deploys_refused_total{reason="no_capacity"} 2');
    const logged = h.logs.map((l) => JSON.parse(l)).filter((l) => l.msg === "deploy refused: no server has room for another stack");
    expect(logged).toHaveLength(2);
    expect(logged[0]).toMatchObject({ level: "error", nodes: [{ node: "dokploy-manager", stacks: 4, freeStacks: 0 }] });
    // The capacity view says the same: the one server takes no more.
    const capacity = (await (await fetch(`${h.url}/api/admin/capacity`, { headers: admin })).json()) as any;
    expect(capacity.nodes[0]).toMatchObject({ stacks: 4, freeStacks: 0, takesNewStacks: false });
  });
});
