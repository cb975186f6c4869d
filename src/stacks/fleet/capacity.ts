import { z } from "zod";
import type { Config } from "../../config.ts";
import type { Store } from "../../store/index.ts";
import { LIVE_STATUSES } from "../../store/stacks.ts";
import { type NodeCapacity, nodeCapacity } from "./node-capacity.ts";
import { currentFleetImage } from "../rollout/fleet-image.ts";

/**
 * Capacity at a glance (GET /api/admin/capacity): across the fleet, the stacks by status,
 * run state and image, and what the running ones reserve and may use by the portal's
 * settings (which every create and redeploy sends to Dokploy). Per node what Dokploy's Swarm
 * cluster reports, with the stacks the portal pinned there (node-capacity.ts): `nodes` comes
 * from a NodeSource; when Dokploy cannot be read the fleet part still answers and
 * `nodesError` says so.
 */

const maybeAmounts = z.object({ memoryBytes: z.number().nullable(), nanoCpus: z.number().nullable() });

/** Stable and free of details (an address or a token could be in the underlying error). */
export const NODES_UNREADABLE = "Dokploy's node list (cluster.getNodes) could not be read; the fleet figures above are the portal's own";

/** GET /api/admin/capacity's answer. */
export const capacityReport = z.object({
  fleet: z.object({
    live: z.number().int(),
    maxStacks: z.number().int().nullable(),
    freeStacks: z.number().int().nullable(),
    byStatus: z.record(z.string(), z.number().int()),
    byRunState: z.object({ running: z.number().int(), stopped: z.number().int() }),
    byImage: z.record(z.string(), z.number().int()),
    /** Live stacks pinned to no node (made before placement, or no node list then): counted on no node. */
    unplaced: z.number().int(),
    /** Stopped stacks whose new image waits for their next start. */
    pendingImages: z.number().int(),
    /** STACK_IMAGE: what a bare rollout rolls out. */
    defaultImage: z.string(),
    /** The fleet's current image, which new stacks and owners' upgrades get: the last finished rollout's, else STACK_IMAGE. */
    currentImage: z.string(),
    /** What the running stacks reserve and may use at most, by the portal's settings (null: none set). */
    running: z.object({ reserved: maybeAmounts, limited: maybeAmounts }),
  }),
  /** The warm pool (stacks/pool/): not in `fleet`, but its stacks hold room under MAX_STACKS and on their nodes. */
  pool: z.object({ wanted: z.number().int(), ready: z.number().int(), warming: z.number().int(), reserved: maybeAmounts }),
  nodes: z.array(nodeCapacity).nullable(),
  nodesError: z.string().nullable(),
});
export type CapacityReport = z.infer<typeof capacityReport>;

/** Per-node figures as Dokploy reports them; null when Dokploy cannot tell (no cluster). */
export type NodeSource = () => Promise<NodeCapacity[] | null>;

export type CapacityConfig = Pick<
  Config,
  "MAX_STACKS" | "POOL_SIZE" | "STACK_IMAGE" | "STACK_MEMORY_LIMIT" | "STACK_MEMORY_RESERVATION" | "STACK_CPU_LIMIT" | "STACK_CPU_RESERVATION"
>;

export async function fleetCapacity(
  store: Store,
  config: CapacityConfig,
  nodes?: NodeSource,
  onNodesError?: (err: unknown) => void,
): Promise<CapacityReport> {
  const byStatus = store.stacks.countByStatus();
  const live = store.stacks.list({ limit: 1_000_000 });
  const images = store.images.all();
  const byImage: Record<string, number> = {};
  const byRunState = { running: 0, stopped: 0 };
  let pendingImages = 0;
  for (const s of live) {
    if (s.status !== "ready") continue;
    const image = images.get(s.id);
    const key = image?.image ?? "unknown";
    byImage[key] = (byImage[key] ?? 0) + 1;
    if (image?.pending) pendingImages += 1;
    byRunState[store.lifecycle.runState(s.id).state] += 1;
  }
  const liveCount = LIVE_STATUSES.reduce((n, status) => n + (byStatus[status] ?? 0), 0);
  const pooled = store.pool.counts();
  const poolLive = store.pool.countLive();
  const times = (n: number, each: number | null) => (each === null ? null : n * each);
  let nodeFigures: NodeCapacity[] | null = null;
  let nodesError: string | null = null;
  if (nodes) {
    try {
      nodeFigures = await nodes();
    } catch (err) {
      onNodesError?.(err);
      nodesError = NODES_UNREADABLE;
    }
  }
  return {
    fleet: {
      live: liveCount,
      maxStacks: config.MAX_STACKS === 0 ? null : config.MAX_STACKS,
      freeStacks: config.MAX_STACKS === 0 ? null : Math.max(0, config.MAX_STACKS - liveCount - poolLive),
      byStatus,
      byRunState,
      byImage,
      unplaced: Math.max(0, liveCount + poolLive - store.placements.live().length),
      pendingImages,
      defaultImage: config.STACK_IMAGE,
      currentImage: currentFleetImage({ store, config }).current,
      running: {
        reserved: {
          memoryBytes: times(byRunState.running, config.STACK_MEMORY_RESERVATION),
          nanoCpus: times(byRunState.running, config.STACK_CPU_RESERVATION),
        },
        limited: { memoryBytes: times(byRunState.running, config.STACK_MEMORY_LIMIT), nanoCpus: times(byRunState.running, config.STACK_CPU_LIMIT) },
      },
    },
    pool: {
      wanted: config.POOL_SIZE ?? 0,
      ...pooled,
      // Every pooled stack runs (the pool is never idle-stopped).
      reserved: { memoryBytes: times(poolLive, config.STACK_MEMORY_RESERVATION), nanoCpus: times(poolLive, config.STACK_CPU_RESERVATION) },
    },
    nodes: nodeFigures,
    nodesError,
  };
}
