import { z } from "zod";
import { nodeHealth } from "./node-capacity.ts";

/**
 * GET /api/admin/nodes: every node with its room, every placed stack (its node, last backup),
 * and the stacks a node problem affects. The node figures are node-capacity.ts's, the same as
 * GET /api/admin/capacity's.
 */

const unavailableReason = z.enum(["node_down", "node_drained"]).nullable();

export const overviewNode = z.object({
  id: z.string(),
  hostname: z.string(),
  role: z.string().nullable(),
  health: nodeHealth,
  /** Swarm's MemoryBytes; null when unknown (a gone node). */
  memoryBytes: z.number().nullable(),
  /** The pinned stacks times STACK_MEMORY_RESERVATION (0 without one). */
  reservedBytes: z.number(),
  freeBytes: z.number().nullable(),
  stacks: z.number().int(),
  /** New stacks it can take by placement's rule; null: no per-node bound. */
  freeStacks: z.number().int().nullable(),
  takesNewStacks: z.boolean(),
});

export const placedStack = z.object({
  name: z.string(),
  status: z.string(),
  nodeId: z.string(),
  hostname: z.string(),
  unavailableReason,
  lastBackupAt: z.string().nullable(),
  backupFailing: z.boolean(),
  /** On a node Dokploy's backups cannot read (backup-reach.ts): it has no backups. */
  backupOutOfReach: z.boolean(),
});

export const fleetOverview = z.object({
  nodes: z.array(overviewNode),
  stacks: z.array(placedStack),
  /** The placed stacks whose node is down, gone or drained. */
  affected: z.array(placedStack),
});
export type FleetOverview = z.infer<typeof fleetOverview>;
