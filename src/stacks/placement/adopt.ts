import type { Ports } from "../runs/ports.ts";
import { now } from "../runs/saga.ts";

/**
 * A stack made before the portal pinned stacks has no placement, and Swarm may start its next
 * task on any node, where its volumes do not exist. Its volumes are on the node its newest
 * task was given (`docker service ps` lists the task history with each task's node), so it
 * is pinned there before anything starts it again.
 *
 * Returns the stack's node id (null: not known, nothing pinned) and whether it was pinned
 * just now, in which case Swarm's service does not carry the pin yet: only a deploy of the
 * application writes Dokploy's placement into the service.
 */
export async function adoptPlacement(
  deps: Pick<Ports, "client" | "store" | "log" | "cluster">,
  stack: { id: number; name: string },
  appName: string,
  signal?: AbortSignal,
): Promise<{ nodeId: string | null; adopted: boolean }> {
  const pinned = deps.store.placements.of(stack.id);
  if (pinned) return { nodeId: pinned.nodeId, adopted: false };
  if (!deps.cluster) return { nodeId: null, adopted: false };
  const [nodes, tasks] = await Promise.all([deps.cluster.nodes(signal), deps.client.serviceTasks(appName, signal)]);
  const hostname = tasks.find((t) => t.node !== "")?.node;
  const matching = nodes.filter((n) => n.hostname === hostname);
  // Two nodes of one hostname: which holds the volumes is not known, so nothing is guessed.
  const node = matching.length === 1 ? matching[0] : undefined;
  if (!node) return { nodeId: null, adopted: false };
  deps.store.placements.set(stack.id, node.id, node.hostname, now());
  deps.log.info({ stack: stack.name, node: node.hostname }, "a stack without a pin was pinned to the node its volumes are on");
  return { nodeId: node.id, adopted: true };
}
