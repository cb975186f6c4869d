import { z } from "zod";
import type { Placement } from "../../store/placements.ts";
import type { ClusterNode } from "../placement/nodes.ts";

/**
 * Which stacks Dokploy's volume backups can read. Dokploy runs a backup as `docker run -v
 * <volume>:/volume_data` on its own server (docs/dokploy.md §8.15), not on the Swarm node of
 * the service. For a stack pinned to another node that command makes an empty volume of
 * the same name and uploads its empty tar as a success, and `keepLatestCount` then deletes
 * the good backups made before. So such a stack gets no backup schedule: it is shown as out
 * of the backups' reach instead of as backed up.
 */

/** The stack's node, and the node the backups run on (null: not found); null: the backups reach the stack. */
export const outOfReachSchema = z.object({ node: z.string(), backupNode: z.string().nullable() }).nullable();
export type OutOfReach = z.infer<typeof outOfReachSchema>;

/** The node Dokploy runs its backups on: BACKUP_NODE (id or hostname), else the Swarm leader. */
export function backupNodeOf(nodes: ClusterNode[], configured: string | undefined): ClusterNode | null {
  if (configured) return nodes.find((n) => n.id === configured || n.hostname === configured) ?? null;
  return nodes.find((n) => n.leader) ?? (nodes.length === 1 ? (nodes[0] ?? null) : null);
}

/**
 * Whether a stack's volumes are out of the backups' reach. An unpinned stack (one server, or
 * placed before pins) and an unknown node list keep what was there before: in reach.
 */
export function outOfReach(placement: Placement | null, nodes: ClusterNode[] | null, configured: string | undefined): OutOfReach {
  if (!placement || !nodes) return null;
  const backupNode = backupNodeOf(nodes, configured);
  if (backupNode?.id === placement.nodeId) return null;
  return { node: placement.hostname, backupNode: backupNode?.hostname ?? null };
}
