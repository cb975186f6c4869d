import { z } from "zod";
import { imageReference } from "../model/image-reference.ts";

/**
 * An image rollout across the fleet: one canary, then batches; each stack must answer on
 * the new image before the next batch starts; a stack that does not is put back on its
 * previous image. Persisted, so a restarted portal goes on where it was.
 */

export const rolloutStatus = z.enum([
  "running",
  /** Stopped by an admin, or by itself at maxFailures (reason says which); resume goes on. */
  "paused",
  "cancelled",
  /** Every stack was handled; some may have failed (below maxFailures). */
  "finished",
]);
export type RolloutStatus = z.infer<typeof rolloutStatus>;

export const rolloutStackState = z.enum([
  "pending",
  /** In the current batch: being redeployed, rolled back, or (stopped) given the image. */
  "active",
  /** Runs the new image and answered the probe. */
  "done",
  /** Stopped: the new image is saved in Dokploy and applied when the stack starts next. */
  "updated_stopped",
  /** Did not answer on the new image; back on its previous image and answering. */
  "failed",
  /** Did not answer on the new image, and the rollback did not bring it back either. */
  "rollback_failed",
  /** Gone from the rollout's reach: deleted, or no longer ready, when its turn came. */
  "skipped",
]);
export type RolloutStackState = z.infer<typeof rolloutStackState>;

export const rolloutPhase = z.enum(["upgrade", "rollback", "stopped"]);
export type RolloutPhase = z.infer<typeof rolloutPhase>;

export const rolloutRequest = z
  .object({
    image: imageReference.optional(),
    batchSize: z.number().int().min(1).max(100).default(5),
    maxFailures: z.number().int().min(1).max(1000).default(1),
  })
  .strict();
export type RolloutRequest = z.infer<typeof rolloutRequest>;

export const rollout = z.object({
  id: z.string(),
  image: z.string(),
  batchSize: z.number().int(),
  maxFailures: z.number().int(),
  status: rolloutStatus,
  reason: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  finishedAt: z.string().nullable(),
});
export type Rollout = z.infer<typeof rollout>;

export const rolloutStack = z.object({
  stackId: z.number().int(),
  name: z.string(),
  position: z.number().int(),
  /** The batch it was handled in: 0 is the canary, then batches of batchSize; null until its turn. */
  batch: z.number().int().nullable(),
  state: rolloutStackState,
  phase: rolloutPhase.nullable(),
  previousImage: z.string().nullable(),
  deploymentId: z.string().nullable(),
  attempts: z.number().int(),
  error: z.string().nullable(),
  updatedAt: z.string(),
});
export type RolloutStack = z.infer<typeof rolloutStack>;

/** A rollout with its stacks, and how many are in each state. */
export const rolloutView = z.object({
  rollout,
  counts: z.record(z.enum([...rolloutStackState.options, "remaining"]), z.number().int()),
  stacks: z.array(rolloutStack),
});
export type RolloutView = z.infer<typeof rolloutView>;

/** At maxFailures, or when a stack could not even be put back, a rollout pauses, saying why; null: it goes on. */
export function pauseReason(r: Rollout, rows: RolloutStack[]): string | null {
  const lost = rows.filter((s) => s.state === "rollback_failed");
  const failed = rows.filter((s) => s.state === "failed" || s.state === "rollback_failed");
  if (lost.length > 0)
    return `${lost.map((s) => s.name).join(", ")} did not answer on ${r.image} and not on the previous image either; look at ${lost.length === 1 ? "it" : "them"} before resuming`;
  if (failed.length >= r.maxFailures)
    return `${failed.length} of the stacks did not answer on ${r.image} (${failed.map((s) => s.name).join(", ")}) and were put back on their previous image; maxFailures is ${r.maxFailures}`;
  return null;
}
