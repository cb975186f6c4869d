import { describe, expect, test } from "bun:test";
import { type ClusterNode, chooseNode, roomOf, toClusterNode } from "../../src/stacks/placement/nodes.ts";

const GiB = 1024 ** 3;
const node = (id: string, memoryGiB: number, extra: Partial<ClusterNode> = {}): ClusterNode => ({
  id,
  hostname: id,
  role: "worker",
  leader: false,
  health: "ready",
  memoryBytes: memoryGiB * GiB,
  nanoCpus: null,
  labels: {},
  ...extra,
});
const config = { STACK_NODE_LABEL: undefined, MAX_STACKS_PER_NODE: 0, STACK_MEMORY_RESERVATION: GiB };

describe("choosing a node", () => {
  test("the most free reservation wins; ties go to fewer stacks", () => {
    const nodes = [node("m", 4), node("a", 8), node("b", 6)];
    const pick = (counts: [string, number][]) => (chooseNode(nodes, new Map(counts), config) as ClusterNode).id;
    expect(pick([])).toBe("a");
    expect(pick([["a", 3]])).toBe("b");
    expect(pick([["a", 2]])).toBe("b");
  });

  test("STACK_NODE_LABEL, health and MAX_STACKS_PER_NODE rule nodes out; all out is full", () => {
    const nodes = [
      node("m", 64, { labels: {} }),
      node("a", 8, { labels: { stacks: "yes" } }),
      node("b", 8, { labels: { stacks: "yes" }, health: "drained" }),
    ];
    const labelled = { ...config, STACK_NODE_LABEL: "stacks=yes", MAX_STACKS_PER_NODE: 2 };
    expect(chooseNode(nodes, new Map(), labelled)).toMatchObject({ id: "a" });
    expect(chooseNode(nodes, new Map([["a", 2]]), labelled)).toBe("full");
    // Out of memory reservation: 8 GiB holds eight 1 GiB stacks.
    expect(roomOf([node("a", 8)], new Map([["a", 8]]), config)[0]).toMatchObject({ full: true, freeBytes: 0 });
  });

  test("one node (no cluster) is full by the same rule as one of many; no node list means no pin", () => {
    expect(chooseNode([node("only", 2)], new Map([["only", 1]]), config)).toMatchObject({ id: "only" });
    expect(chooseNode([node("only", 2)], new Map([["only", 2]]), config)).toBe("full");
    expect(chooseNode([node("only", 64)], new Map([["only", 3]]), { ...config, MAX_STACKS_PER_NODE: 3 })).toBe("full");
    // Neither a reservation nor a per-node count: nothing bounds it.
    expect(chooseNode([node("only", 1)], new Map([["only", 50]]), { ...config, STACK_MEMORY_RESERVATION: null })).toMatchObject({ id: "only" });
    expect(chooseNode(null, new Map(), config)).toBeNull();
  });

  test("free room counts the stacks a node can still take, and is 0 exactly when placement calls it full", () => {
    const capped = { ...config, MAX_STACKS_PER_NODE: 3 };
    const nodes = [node("m", 4), node("a", 8), node("b", 6, { health: "down" })];
    const counts = new Map([
      ["m", 3],
      ["a", 1],
    ]);
    // m: 3 of 3 stacks; a: 7 GiB free but 2 more by count; b: down.
    expect(roomOf(nodes, counts, capped).map((r) => [r.node.id, r.freeStacks, r.full])).toEqual([
      ["m", 0, true],
      ["a", 2, false],
      ["b", 0, true],
    ]);
    // Memory alone: floor(free / reservation); no reservation and no count limit: no bound.
    expect(roomOf([node("a", 8)], new Map([["a", 5]]), config)[0]?.freeStacks).toBe(3);
    expect(roomOf([node("a", 8)], new Map(), { ...config, STACK_MEMORY_RESERVATION: null })[0]).toMatchObject({ freeStacks: null, full: false });
    // One node: the same room as one of many.
    expect(roomOf([node("only", 4)], new Map([["only", 3]]), config)[0]).toMatchObject({ freeStacks: 1, full: false });
    for (let n = 0; n <= 4; n++) {
      const c = new Map([
        ["m", n],
        ["a", 4 + n],
      ]);
      const rooms = roomOf(nodes, c, capped);
      expect(chooseNode(nodes, c, capped) === "full").toBe(rooms.every((r) => r.freeStacks === 0));
    }
  });

  test("Docker's Node objects: down, drained and paused nodes", () => {
    const base = {
      ID: "n1",
      Spec: { Role: "worker", Availability: "active" },
      Description: { Hostname: "h1", Resources: { MemoryBytes: GiB, NanoCPUs: 2e9 } },
    };
    expect(toClusterNode({ ...base, Status: { State: "ready" } })).toMatchObject({
      health: "ready",
      hostname: "h1",
      memoryBytes: GiB,
      nanoCpus: 2e9,
    });
    expect(toClusterNode({ ...base, Status: { State: "down" } }).health).toBe("down");
    expect(toClusterNode({ ...base, Status: { State: "ready" }, Spec: { Availability: "drain" } }).health).toBe("drained");
    expect(toClusterNode({ ...base, Status: { State: "ready" }, Spec: { Availability: "pause" } }).health).toBe("paused");
  });
});
