import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { capacityReport } from "../../src/stacks/fleet/capacity.ts";
import { fleetOverview } from "../../src/stacks/fleet/nodes-overview.ts";
import { ADMIN_TOKEN, SANDBOX_KEY, type Harness, deploy, deployAndWait, readEvents, startHarness, waitFor } from "../support/harness.ts";

/**
 * Capacity at a glance on a three-node emulated Swarm cluster: per node the stacks, what they
 * reserve and may use against the node's resources, and the room for new stacks by the rule
 * placement applies (a node shown full is one a deploy skips); a down or drained node names
 * the stacks it affects; the per-node metrics say the same; Dokploy failing leaves the fleet
 * part answering with `nodesError`.
 */

const GiB = 1024 ** 3;
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
let h: Harness;
const ids: Record<"manager" | "a" | "b", string> = { manager: "", a: "", b: "" };

beforeAll(async () => {
  h = await startHarness({
    env: {
      STACK_MEMORY_RESERVATION: "2g",
      STACK_MEMORY_LIMIT: "4g",
      STACK_CPU_RESERVATION: "0.5",
      STACK_CPU_LIMIT: "2",
      MAX_STACKS_PER_NODE: "3",
      MAX_STACKS: "20",
    },
  });
  const manager = h.sandbox.state().nodes.find((n: any) => n.role === "manager")!;
  ids.manager = manager.id;
  h.sandbox.updateNode(manager.id, { memoryBytes: 4 * GiB });
  ids.a = h.sandbox.addNode({ hostname: "worker-a", memoryBytes: 8 * GiB, nanoCpus: 4e9 }).id;
  ids.b = h.sandbox.addNode({ hostname: "worker-b", memoryBytes: 6 * GiB, nanoCpus: 2e9 }).id;
});
afterAll(() => h.stop());

const get = async (path: string) => {
  const res = await fetch(`${h.url}${path}`, { headers: admin });
  expect(res.status).toBe(200);
  return (await res.json()) as any;
};
const capacity = () => get("/api/admin/capacity");
const byHost = (nodes: any[], hostname: string) => nodes.find((n) => n.hostname === hostname);
const metricsText = async () => (await fetch(`${h.url}/metrics`, { headers: admin })).text();

describe("capacity per node", () => {
  test("per node: stacks, reservations and limits against the node's resources, and the room placement uses", async () => {
    // Free reservation: a 8, b 6, manager 4 GiB; 2 GiB a stack, 3 stacks a node at most.
    // Placement: a, b, a, manager, b, a -> a 3 (at its count), b 2, manager 1.
    for (const name of ["cap1", "cap2", "cap3", "cap4", "cap5", "cap6"]) expect((await deployAndWait(h, name)).done.data.status).toBe("ready");
    const stop = await fetch(`${h.url}/api/stacks/cap1/stop`, { method: "POST", headers: admin });
    expect(stop.status).toBe(202);
    expect((await readEvents(`${h.url}${((await stop.json()) as any).eventsUrl}`)).at(-1)!.data.status).toBe("stopped");

    const report = await capacity();
    // The answers are what the OpenAPI document says they are, field for field.
    expect(capacityReport.strict().safeParse({ ...report, fleet: capacityReport.shape.fleet.strict().parse(report.fleet) }).success).toBe(true);
    expect(report.nodesError).toBeNull();
    expect(report.fleet).toMatchObject({ live: 6, maxStacks: 20, freeStacks: 14, byRunState: { running: 5, stopped: 1 }, unplaced: 0 });
    expect(report.nodes.map((n: any) => n.hostname)).toEqual(["dokploy-manager", "worker-a", "worker-b"]);
    expect(byHost(report.nodes, "worker-a")).toEqual({
      id: ids.a,
      hostname: "worker-a",
      role: "worker",
      health: "ready",
      resources: { memoryBytes: 8 * GiB, nanoCpus: 4e9 },
      // The stopped stack keeps its place: it counts, as placement counts it.
      stacks: 3,
      running: 2,
      reserved: { memoryBytes: 6 * GiB, nanoCpus: 1.5e9 },
      limited: { memoryBytes: 12 * GiB, nanoCpus: 6e9 },
      freeMemoryBytes: 2 * GiB,
      freeStacks: 0,
      takesNewStacks: false,
      affected: [],
    });
    expect(byHost(report.nodes, "dokploy-manager")).toMatchObject({
      role: "manager",
      resources: { memoryBytes: 4 * GiB, nanoCpus: 16e9 },
      stacks: 1,
      running: 1,
      reserved: { memoryBytes: 2 * GiB, nanoCpus: 0.5e9 },
      freeMemoryBytes: 2 * GiB,
      freeStacks: 1,
      takesNewStacks: true,
    });
    expect(byHost(report.nodes, "worker-b")).toMatchObject({ stacks: 2, freeMemoryBytes: 2 * GiB, freeStacks: 1, takesNewStacks: true });

    // The node list shows the same figures.
    const overview = await get("/api/admin/nodes");
    expect(fleetOverview.strict().safeParse(overview).success).toBe(true);
    for (const n of report.nodes) {
      expect(byHost(overview.nodes, n.hostname)).toMatchObject({
        stacks: n.stacks,
        freeStacks: n.freeStacks,
        takesNewStacks: n.takesNewStacks,
        memoryBytes: n.resources.memoryBytes,
        reservedBytes: n.reserved.memoryBytes,
        freeBytes: n.freeMemoryBytes,
      });
    }

    const metrics = await metricsText();
    expect(metrics).toContain('portal_node_stacks{node="worker-a"} 3');
    expect(metrics).toContain('portal_node_free_stacks{node="worker-a"} 0');
    expect(metrics).toContain('portal_node_free_stacks{node="dokploy-manager"} 1');
    expect(metrics).toContain('portal_node_unavailable_stacks{node="worker-b"} 0');
  });

  test("a node shown full is one placement skips; all full, the deploy is refused", async () => {
    // The two nodes with room for one more get one each; worker-a (full) gets none.
    for (const name of ["cap7", "cap8"]) expect((await deployAndWait(h, name)).done.data.status).toBe("ready");
    const report = await capacity();
    expect(report.nodes.map((n: any) => [n.hostname, n.stacks, n.freeStacks, n.takesNewStacks])).toEqual([
      ["dokploy-manager", 2, 0, false],
      ["worker-a", 3, 0, false],
      ["worker-b", 3, 0, false],
    ]);
    const refused = await deploy(h, "cap9");
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("no_capacity");
    // The fleet limit still had room: it was the nodes that were full.
    expect((await capacity()).fleet.freeStacks).toBe(12);
  });

  test("a down or drained node: its health in words and the stacks it affects, not 'failed'", async () => {
    h.sandbox.updateNode(ids.b, { state: "down" });
    h.sandbox.updateNode(ids.a, { availability: "drain" });
    const report = await waitFor(
      capacity,
      (r) => byHost(r.nodes, "worker-b").health === "down" && byHost(r.nodes, "worker-a").health === "drained",
      "down and drained nodes",
    );
    const b = byHost(report.nodes, "worker-b");
    expect(b.affected.map((s: any) => s.name).sort()).toEqual(["cap2", "cap5", "cap8"]);
    expect(new Set(b.affected.map((s: any) => s.reason))).toEqual(new Set(["node_down"]));
    const a = byHost(report.nodes, "worker-a");
    expect(a.affected.map((s: any) => [s.name, s.reason]).sort()).toEqual([
      ["cap1", "node_drained"],
      ["cap3", "node_drained"],
      ["cap6", "node_drained"],
    ]);
    expect(byHost(report.nodes, "dokploy-manager").affected).toEqual([]);
    // Their stacks say so themselves, and the node list's affected stacks are the same ones.
    expect(((await (await fetch(`${h.url}/api/stacks/cap5`)).json()) as any).status).toBe("unavailable");
    const overview = await get("/api/admin/nodes");
    expect(overview.affected.map((s: any) => s.name).sort()).toEqual(["cap1", "cap2", "cap3", "cap5", "cap6", "cap8"]);
    const metrics = await metricsText();
    expect(metrics).toContain('portal_node_unavailable_stacks{node="worker-b"} 3');
    expect(metrics).toContain('portal_node_unavailable_stacks{node="worker-a"} 3');
    expect(metrics).toContain('portal_node_unavailable_stacks{node="dokploy-manager"} 0');

    h.sandbox.updateNode(ids.b, { state: "ready" });
    h.sandbox.updateNode(ids.a, { availability: "active" });
    await waitFor(capacity, (r) => r.nodes.every((n: any) => n.health === "ready" && n.affected.length === 0), "nodes back");
  });

  test("Dokploy failing: the fleet part still answers and nodesError says why, without details", async () => {
    const fault = await fetch(`${h.sandboxUrl}/__sandbox/faults`, {
      method: "POST",
      body: JSON.stringify({ procedure: "cluster.getNodes", kind: "status", status: 500, message: `boom ${SANDBOX_KEY}` }),
    });
    expect(fault.status).toBe(200);
    try {
      // The node list is reused for two seconds; after that, the fault shows.
      const report = await waitFor(capacity, (r) => r.nodes === null, "nodes unknown");
      expect(report.nodesError).toBe("Dokploy's node list (cluster.getNodes) could not be read; the fleet figures above are the portal's own");
      expect(report.fleet).toMatchObject({ live: 8, byStatus: { ready: 8 } });
      expect(JSON.stringify(report)).not.toContain(SANDBOX_KEY);
      expect(JSON.stringify(report)).not.toContain("boom");
      // The node list answers 503; the metrics drop the node series rather than keep stale ones.
      const nodes = await fetch(`${h.url}/api/admin/nodes`, { headers: admin });
      expect(nodes.status).toBe(503);
      expect(((await nodes.json()) as any).error.code).toBe("dokploy_unavailable");
      const metrics = await metricsText();
      expect(metrics).toContain("portal_stacks{");
      expect(metrics).not.toContain('portal_node_stacks{node="worker-a"}');
    } finally {
      await fetch(`${h.sandboxUrl}/__sandbox/faults`, { method: "DELETE" });
    }
  });
});
