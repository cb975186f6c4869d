import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  ADMIN_TOKEN,
  SANDBOX_KEY,
  type Harness,
  deploy,
  deployAndWait,
  readEvents,
  sandboxState,
  startHarness,
  waitFor,
} from "../support/harness.ts";

/**
 * A three-node emulated Swarm cluster: stacks spread by free memory reservation, each pinned
 * to its node and kept there; a full cluster refuses; a node going down or drained shows its
 * stacks as unavailable; an admin's move starts the stack on another node with an empty
 * workspace, as Swarm would.
 */

const GiB = 1024 ** 3;
let h: Harness;
const node: Record<"manager" | "a" | "b", string> = { manager: "", a: "", b: "" };
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

beforeAll(async () => {
  h = await startHarness({ env: { STACK_MEMORY_RESERVATION: "2g", MAX_STACKS_PER_NODE: "2" } });
  const manager = (await sandboxState(h)).nodes.find((n: any) => n.role === "manager");
  node.manager = manager.id;
  h.sandbox.updateNode(manager.id, { memoryBytes: 4 * GiB });
  node.a = h.sandbox.addNode({ hostname: "worker-a", memoryBytes: 8 * GiB }).id;
  node.b = h.sandbox.addNode({ hostname: "worker-b", memoryBytes: 6 * GiB }).id;
});
afterAll(() => h.stop());

const appOf = (state: any, name: string) => state.applications.find((a: any) => a.name === `ai-stack-${name}`);
const serviceOf = (state: any, name: string) => state.services.find((s: any) => s.appName === appOf(state, name)?.appName);

const tokens: Record<string, string> = {};

describe("placement across three nodes", () => {
  test("stacks go to the node with the most free reservation, are pinned there, and a full cluster refuses with 409 no_capacity", async () => {
    // Free: a 8, b 6, manager 4 GiB; 2 GiB each, at most 2 stacks per node; ties go to fewer stacks.
    const expected: [string, keyof typeof node][] = [
      ["st1", "a"],
      ["st2", "b"],
      ["st3", "a"],
      ["st4", "manager"],
      ["st5", "b"],
      ["st6", "manager"],
    ];
    for (const [name] of expected) {
      const r = await deployAndWait(h, name);
      expect(r.done.data.status).toBe("ready");
      tokens[name] = r.managementToken;
    }
    const state = await sandboxState(h);
    for (const [name, where] of expected) {
      // The pin Dokploy got, and where Swarm runs the task.
      expect(appOf(state, name).placementSwarm).toEqual({ Constraints: [`node.id==${node[where]}`] });
      expect(serviceOf(state, name).node).toBe(node[where]);
      // The workspace volume came into being on that node only.
      expect(Object.keys(state.nodeVolumes[node[where]])).toContain(`portal-ai-workspace-${name}`);
    }
    const overview = (await (await fetch(`${h.url}/api/admin/nodes`, { headers: admin })).json()) as any;
    expect(overview.nodes.map((n: any) => [n.hostname, n.stacks, n.takesNewStacks])).toEqual([
      ["dokploy-manager", 2, false],
      ["worker-a", 2, false],
      ["worker-b", 2, false],
    ]);
    expect(overview.stacks.find((s: any) => s.name === "st2").hostname).toBe("worker-b");

    const full = await deploy(h, "st7");
    expect(full.status).toBe(409);
    expect(full.body.error.code).toBe("no_capacity");
    expect((await sandboxState(h)).projects.some((p: any) => p.name === "ai-stack-st7")).toBe(false);
  });

  test("a redeploy keeps the pin, and puts it back when it was taken off in Dokploy", async () => {
    // Someone clears the placement in Dokploy's UI: the next redeploy must pin the stack again.
    const cleared = await fetch(`${h.sandboxUrl}/api/application.update`, {
      method: "POST",
      headers: { "x-api-key": SANDBOX_KEY, "content-type": "application/json" },
      body: JSON.stringify({ applicationId: appOf(await sandboxState(h), "st1").applicationId, placementSwarm: null }),
    });
    expect(cleared.status).toBe(200);
    expect(appOf(await sandboxState(h), "st1").placementSwarm).toBeNull();
    const res = await fetch(`${h.url}/api/stacks/st1/redeploy`, { method: "POST", headers: { authorization: `Bearer ${tokens.st1}` } });
    expect(res.status).toBe(202);
    const events = await readEvents(`${h.url}${((await res.json()) as any).eventsUrl}`);
    expect(events.at(-1)!.data.status).toBe("ready");
    const state = await sandboxState(h);
    expect(appOf(state, "st1").placementSwarm).toEqual({ Constraints: [`node.id==${node.a}`] });
    expect(serviceOf(state, "st1").node).toBe(node.a);
    expect(serviceOf(state, "st1").updates.length).toBe(1);
  });

  test("a node that goes down shows its stacks as unavailable, not failed, and they never start elsewhere", async () => {
    h.sandbox.updateNode(node.b, { state: "down" });
    const status = await waitFor(
      async () => (await (await fetch(`${h.url}/api/stacks/st2`)).json()) as any,
      (s) => s.status === "unavailable",
      "st2 unavailable",
    );
    expect(status.unavailableReason).toBe("node_down");
    const details = (await (await fetch(`${h.url}/api/stacks/st5/details`, { headers: { authorization: `Bearer ${tokens.st5}` } })).json()) as any;
    expect(details).toMatchObject({ status: "unavailable", unavailableReason: "node_down", node: { hostname: "worker-b", health: "down" } });
    const overview = (await (await fetch(`${h.url}/api/admin/nodes`, { headers: admin })).json()) as any;
    expect(overview.affected.map((s: any) => [s.name, s.unavailableReason]).sort()).toEqual([
      ["st2", "node_down"],
      ["st5", "node_down"],
    ]);
    // The admin's stack list says which server each stack is on and that it is down.
    const listed = (await (await fetch(`${h.url}/api/admin/stacks`, { headers: admin })).json()) as any;
    expect(listed.stacks.find((s: any) => s.name === "st5").node).toEqual({ hostname: "worker-b", unavailableReason: "node_down" });
    expect(listed.stacks.find((s: any) => s.name === "st4").node).toEqual({ hostname: "dokploy-manager", unavailableReason: null });
    // Swarm cannot honour the pin elsewhere: the task waits, on no node.
    const state = await sandboxState(h);
    expect(serviceOf(state, "st2").node).toBeNull();
    expect(serviceOf(state, "st2").state).toBe("pending");
    // Other stacks are fine.
    expect(((await (await fetch(`${h.url}/api/stacks/st1`)).json()) as any).status).toBe("ready");

    h.sandbox.updateNode(node.a, { availability: "drain" });
    const drained = await waitFor(
      async () => (await (await fetch(`${h.url}/api/stacks/st1`)).json()) as any,
      (s) => s.status === "unavailable",
      "st1 unavailable",
    );
    expect(drained.unavailableReason).toBe("node_drained");

    h.sandbox.updateNode(node.b, { state: "ready" });
    h.sandbox.updateNode(node.a, { availability: "active" });
    await waitFor(
      async () => (await (await fetch(`${h.url}/api/stacks/st2`)).json()) as any,
      (s) => s.status === "ready",
      "st2 ready again",
    );
    expect(serviceOf(await sandboxState(h), "st2").node).toBe(node.b);
  });

  test("moving a stack is an explicit admin action; on the new node its workspace is empty", async () => {
    const volume = "portal-ai-workspace-st2";
    h.sandbox.writeVolume(node.b, volume, { "notes.md": "on worker-b" });
    h.sandbox.updateNode(node.manager, { memoryBytes: 16 * GiB });
    const move = (body: unknown) =>
      fetch(`${h.url}/api/admin/stacks/st2/move`, {
        method: "POST",
        headers: { ...admin, "content-type": "application/json" },
        body: JSON.stringify(body),
      });

    const unconfirmed = await move({ node: node.manager });
    expect(unconfirmed.status).toBe(409);
    const refusal = (await unconfirmed.json()) as any;
    expect(refusal.error.code).toBe("confirmation_required");
    expect(refusal.error.message).toContain("backup");
    expect(appOf(await sandboxState(h), "st2").placementSwarm.Constraints).toEqual([`node.id==${node.b}`]);

    const owner = await fetch(`${h.url}/api/admin/stacks/st2/move`, {
      method: "POST",
      headers: { authorization: `Bearer ${tokens.st2}`, "content-type": "application/json" },
      body: JSON.stringify({ node: node.manager, acknowledgeDataLoss: true }),
    });
    expect(owner.status).toBe(403);

    const res = await move({ node: "dokploy-manager", acknowledgeDataLoss: true });
    expect(res.status).toBe(202);
    const body = (await res.json()) as any;
    expect(body).toMatchObject({ from: "worker-b", to: "dokploy-manager" });
    const events = await readEvents(`${h.url}/api/deployments/${body.deploymentId}/events`);
    expect(events.at(-1)!.data.status).toBe("ready");
    const state = await sandboxState(h);
    expect(serviceOf(state, "st2").node).toBe(node.manager);
    expect(state.nodeVolumes[node.manager][volume]).toEqual({});
    expect(state.nodeVolumes[node.b][volume]).toEqual({ "notes.md": "on worker-b" });
  });
});
