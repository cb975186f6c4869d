import type { Store } from "../../store/index.ts";
import { z } from "zod";
import { deploymentKind, deploymentStatus, stack as storedStack } from "../model/vocabulary.ts";
import type { Stack } from "../model/vocabulary.ts";
import { summariseBackups } from "../backups/backups.ts";
import { type OutOfReach, outOfReachSchema } from "../backups/backup-reach.ts";
import { unavailableFor } from "../placement/node-health.ts";

function nodeOf(store: Store, stack: Stack, health?: (nodeId: string) => string | null): StackWithHistory["node"] {
  const placement = store.placements.of(stack.id);
  if (!placement) return null;
  const unavailableReason = stack.status === "ready" ? unavailableFor(health?.(placement.nodeId)) : null;
  return { hostname: placement.hostname, unavailableReason };
}

/**
 * The admin's list: each stack with its latest deployment (what happened, when, why) and,
 * for a deleted one, when its name is free for anyone again.
 */
export const stackWithHistory = storedStack.extend({
  lastDeployment: z
    .object({
      id: z.string(),
      kind: deploymentKind,
      status: deploymentStatus,
      errorCode: z.string().nullable(),
      leftovers: z.number().int(),
      finishedAt: z.string().nullable(),
    })
    .nullable(),
  /** A ready stack: running or stopped, as the portal last left it; null otherwise. */
  runState: z.enum(["running", "stopped"]).nullable(),
  /** The kind of the deployment running on it now (a deploy, an operation, a delete); null when none. */
  running: deploymentKind.nullable(),
  /** The image the portal last gave the stack (pending: applied at its next start); null when not recorded. */
  image: z.object({ image: z.string(), pending: z.boolean() }).nullable(),
  /** Deleted: when the quarantine ends. Otherwise null (live: not free; failed: free now). */
  nameFreeAt: z.string().nullable(),
  /** The Swarm node the stack is pinned to (null: none recorded). */
  node: z.object({ hostname: z.string(), unavailableReason: z.enum(["node_down", "node_drained"]).nullable() }).nullable(),
  /** The oldest of its volumes' last good backups, whether a backup's last run failed, or why it has none (null: no backups). */
  backup: z.object({ lastBackupAt: z.string().nullable(), failing: z.boolean(), outOfReach: outOfReachSchema }).nullable(),
});
export type StackWithHistory = z.infer<typeof stackWithHistory>;

export function stacksWithHistory(
  store: Store,
  opts: {
    includeGone: boolean;
    quarantineDays: number;
    nodeHealth?: (nodeId: string) => string | null;
    /** Whether a stack is out of the backups' reach (only with backups on). */
    backupReach?: (stackId: number) => OutOfReach;
  },
): StackWithHistory[] {
  const images = store.images.all();
  const backups = store.backups.byStack();
  return store.stacks.list({ includeGone: opts.includeGone }).map((stack) => {
    const d = store.deployments.latestFor(stack.id);
    const deletedAt = stack.status === "deleted" && stack.deletedAt ? Date.parse(stack.deletedAt) : Number.NaN;
    return {
      ...stack,
      lastDeployment: d
        ? { id: d.id, kind: d.kind, status: d.status, errorCode: d.error?.code ?? null, leftovers: d.leftovers.length, finishedAt: d.finishedAt }
        : null,
      runState: stack.status === "ready" ? store.lifecycle.runState(stack.id).state : null,
      // Runs are one at a time per stack, and a delete that cancels a deploy is the newer one.
      running: d?.status === "running" ? d.kind : null,
      image: images.get(stack.id) ?? null,
      nameFreeAt: Number.isFinite(deletedAt) ? new Date(deletedAt + opts.quarantineDays * 86_400_000).toISOString() : null,
      node: nodeOf(store, stack, opts.nodeHealth),
      backup: summariseBackups(backups.get(stack.id) ?? [], opts.backupReach?.(stack.id) ?? null),
    };
  });
}
