import type { Store } from "../store/index.ts";
import type { Deployment, Stack } from "./model.ts";
import { backupSummary } from "./backups.ts";

function nodeOf(store: Store, stack: Stack, health?: (nodeId: string) => string | null): StackWithHistory["node"] {
  const placement = store.placements.of(stack.id);
  if (!placement) return null;
  const state = stack.status === "ready" ? (health?.(placement.nodeId) ?? null) : null;
  const unavailableReason = state === "down" || state === "gone" ? "node_down" : state === "drained" ? "node_drained" : null;
  return { hostname: placement.hostname, unavailableReason };
}

/**
 * The admin's list: each stack with its latest deployment (what happened, when, why) and,
 * for a deleted one, when its name is free for anyone again.
 */
export interface StackWithHistory extends Stack {
  lastDeployment: {
    id: string;
    kind: Deployment["kind"];
    status: Deployment["status"];
    errorCode: string | null;
    leftovers: number;
    finishedAt: string | null;
  } | null;
  /** Deleted: when the quarantine ends. Otherwise null (live: not free; failed: free now). */
  nameFreeAt: string | null;
  /** The Swarm node the stack is pinned to (null: none recorded). */
  node: { hostname: string; unavailableReason: "node_down" | "node_drained" | null } | null;
  /** The oldest of its volumes' last good backups, and whether a backup's last run failed (null: no backups). */
  backup: { lastBackupAt: string | null; failing: boolean } | null;
}

export function stacksWithHistory(
  store: Store,
  opts: { includeGone: boolean; quarantineDays: number; nodeHealth?: (nodeId: string) => string | null },
): StackWithHistory[] {
  return store.stacks.list({ includeGone: opts.includeGone }).map((stack) => {
    const d = store.deployments.latestFor(stack.id);
    const deletedAt = stack.status === "deleted" && stack.deletedAt ? Date.parse(stack.deletedAt) : Number.NaN;
    return {
      ...stack,
      lastDeployment: d
        ? { id: d.id, kind: d.kind, status: d.status, errorCode: d.error?.code ?? null, leftovers: d.leftovers.length, finishedAt: d.finishedAt }
        : null,
      nameFreeAt: Number.isFinite(deletedAt) ? new Date(deletedAt + opts.quarantineDays * 86_400_000).toISOString() : null,
      node: nodeOf(store, stack, opts.nodeHealth),
      backup: backupSummary({ store }, stack.id),
    };
  });
}
