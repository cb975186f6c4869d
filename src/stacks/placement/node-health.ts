/** What a Swarm node's health means for the stacks pinned to it (fleet/fleet.ts, fleet/node-capacity.ts, fleet/stack-list.ts). */

export type Unavailable = "node_down" | "node_drained";

/** null: they can run (a paused node keeps its tasks), or nothing is known. "gone": Dokploy no longer lists the node. */
export function unavailableFor(health: string | null | undefined): Unavailable | null {
  if (health === "down" || health === "gone") return "node_down";
  if (health === "drained") return "node_drained";
  return null;
}
