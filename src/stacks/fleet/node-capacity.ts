import { z } from "zod";
import type { Config } from "../../config.ts";
import { unavailableFor } from "../placement/node-health.ts";
import { type ClusterNode, type PlacementConfig, roomOf } from "../placement/nodes.ts";

/**
 * Each Swarm node's share of the fleet, for GET /api/admin/capacity, GET /api/admin/nodes and
 * the per-node metrics alike, so that they never disagree with each other or with placement:
 * the room comes from roomOf, the rule the deploy itself applies.
 */

const amounts = z.object({ memoryBytes: z.number().nullable(), nanoCpus: z.number().nullable() });

export const nodeHealth = z.enum(["ready", "down", "drained", "paused", "gone"]);

export const affectedStack = z.object({ name: z.string(), reason: z.enum(["node_down", "node_drained"]) });

export const nodeCapacity = z.object({
  id: z.string(),
  hostname: z.string(),
  /** manager or worker; null for a node Dokploy no longer lists ("gone"). */
  role: z.string().nullable(),
  /** ready, down (not ready, or gone: Dokploy no longer lists it), drained, paused (takes no new tasks, runs its own). */
  health: nodeHealth,
  /** What Swarm reports the node has (Description.Resources); null when it does not say. */
  resources: amounts,
  /** Live stacks the portal pinned here (deploying, ready, deleting or not cleaned up), stopped ones included. */
  stacks: z.number().int(),
  /** Of those, the ones running (not stopped by their owner or the idle stop). */
  running: z.number().int(),
  /**
   * The pinned stacks times STACK_MEMORY_RESERVATION / STACK_CPU_RESERVATION (null: not set).
   * Stopped stacks count: they keep their place, as placement counts them.
   */
  reserved: amounts,
  /** The pinned stacks times STACK_MEMORY_LIMIT / STACK_CPU_LIMIT (null: not set): what they may use at most. */
  limited: amounts,
  /** The node's memory less the reservations (placement's free reservation); null when the memory is unknown. */
  freeMemoryBytes: z.number().nullable(),
  /** New stacks the node can take by placement's rule; 0: full; null: no per-node bound (see roomOf). */
  freeStacks: z.number().int().nullable(),
  takesNewStacks: z.boolean(),
  /** Ready stacks here that cannot run because the node is down, gone or drained. */
  affected: z.array(affectedStack),
});
export type NodeCapacity = z.infer<typeof nodeCapacity>;

export type NodeCapacityConfig = PlacementConfig & Pick<Config, "STACK_MEMORY_LIMIT" | "STACK_CPU_RESERVATION" | "STACK_CPU_LIMIT">;

/** A live stack's pin, as the store's placements list it. */
export interface PlacedStack {
  stackId: number;
  name: string;
  status: string;
  nodeId: string;
  hostname: string;
}

/**
 * Per node: Dokploy's nodes in its order, then any node the portal pinned stacks to that
 * Dokploy no longer lists (gone: its stacks are down and it takes nothing).
 */
export function nodeFigures(
  nodes: ClusterNode[],
  placed: PlacedStack[],
  isRunning: (stackId: number) => boolean,
  config: NodeCapacityConfig,
): NodeCapacity[] {
  const byNode = new Map<string, PlacedStack[]>();
  for (const p of placed) byNode.set(p.nodeId, [...(byNode.get(p.nodeId) ?? []), p]);
  const counts = new Map([...byNode].map(([id, list]) => [id, list.length]));
  const times = (n: number, each: number | undefined | null) => (each === undefined || each === null ? null : n * each);
  const figures = (
    id: string,
    hostname: string,
    role: string | null,
    health: NodeCapacity["health"],
    resources: NodeCapacity["resources"],
    room: { freeStacks: number | null; full: boolean },
  ): NodeCapacity => {
    const here = byNode.get(id) ?? [];
    const reason = unavailableFor(health);
    const reserved = { memoryBytes: times(here.length, config.STACK_MEMORY_RESERVATION), nanoCpus: times(here.length, config.STACK_CPU_RESERVATION) };
    return {
      id,
      hostname,
      role,
      health,
      resources,
      stacks: here.length,
      running: here.filter((p) => isRunning(p.stackId)).length,
      reserved,
      limited: { memoryBytes: times(here.length, config.STACK_MEMORY_LIMIT), nanoCpus: times(here.length, config.STACK_CPU_LIMIT) },
      freeMemoryBytes: resources.memoryBytes === null ? null : resources.memoryBytes - (reserved.memoryBytes ?? 0),
      freeStacks: room.freeStacks,
      takesNewStacks: !room.full,
      affected: reason ? here.filter((p) => p.status === "ready").map((p) => ({ name: p.name, reason })) : [],
    };
  };
  const listed = roomOf(nodes, counts, config).map((r) =>
    figures(r.node.id, r.node.hostname, r.node.role, r.node.health, { memoryBytes: r.node.memoryBytes || null, nanoCpus: r.node.nanoCpus }, r),
  );
  const known = new Set(nodes.map((n) => n.id));
  const gone = [...byNode]
    .filter(([id]) => !known.has(id))
    .map(([id, list]) => figures(id, list[0]?.hostname ?? id, null, "gone", { memoryBytes: null, nanoCpus: null }, { freeStacks: 0, full: true }));
  return [...listed, ...gone];
}
