import { z } from "zod";
import { DELETE_STEPS, DEPLOY_STEPS, OPERATION_KINDS, STEP_IDS } from "./steps.ts";
import { owner } from "../owners/person.ts";

/** The domain's vocabulary: what a stack, a deployment and a progress event are. */

export const stackStatus = z.enum([
  "deploying",
  "ready",
  /** The deploy failed and everything it created was removed. */
  "failed",
  "deleting",
  "deleted",
  /** Something could not be removed from Dokploy; it is listed in the deployment's leftovers. */
  "cleanup_failed",
]);
export type StackStatus = z.infer<typeof stackStatus>;

/** A pooled stack while it is made, and once its OpenCode answered and it can be claimed. */
export const poolState = z.enum(["warming", "ready"]);
export type PoolState = z.infer<typeof poolState>;

export const stack = z.object({
  id: z.number().int(),
  name: z.string(),
  status: stackStatus,
  url: z.string(),
  projectId: z.string().nullable(),
  environmentId: z.string().nullable(),
  applicationId: z.string().nullable(),
  appName: z.string().nullable(),
  domainId: z.string().nullable(),
  mountIds: z.array(z.string()),
  /** Which volumes the stack mounts: 0 for a name's first owner, higher for later owners (stacks/volumes.ts). */
  volumeGeneration: z.number().int().min(0),
  createdAt: z.string(),
  updatedAt: z.string(),
  readyAt: z.string().nullable(),
  deletedAt: z.string().nullable(),
  /** Who signed in and deployed (or claimed) it; null for stacks of AUTH_MODE=open. */
  owner: owner.nullable(),
  /** A stack of the warm pool (stacks/pool/): no owner yet. Null for every owned stack. */
  pool: poolState.nullable(),
  /** The name its volumes carry when not its own (a claimed pooled stack's pool name); null: its name. */
  volumeName: z.string().nullable(),
});
export type Stack = z.infer<typeof stack>;
/** A stack as anyone may see it (GET /api/stacks/:name): no ids, no secrets. */
export const publicStack = z.object({
  name: z.string(),
  url: z.string(),
  status: stackStatus,
  createdAt: z.string(),
  readyAt: z.string().nullable(),
  deletedAt: z.string().nullable(),
  /** Its latest deployment, to follow or read. */
  deploymentId: z.string().nullable(),
});
export type PublicStack = z.infer<typeof publicStack>;

/** Why a ready stack cannot run now: its Swarm node is down (or gone) or drained. */
export const unavailableReason = z.enum(["node_down", "node_drained"]);

/** GET /api/stacks/:name: the public status, "unavailable" while its node is out (a cluster). */
export const publicStackStatus = publicStack.extend({
  status: z.union([stackStatus, z.literal("unavailable")]),
  unavailableReason: unavailableReason.nullable().optional(),
  message: z.string().optional(),
});
/**
 * Which kind of credential acted: none, the stack's management token, the admin token (or an
 * OIDC admin), the portal itself, the stack's signed-in owner, someone it is shared with as a
 * `manager` or `user` (owners/shares.ts), or a signed-in person (deploy, claim, sign-in).
 */
export const actor = z.enum(["anonymous", "management", "admin", "system", "owner", "person", "manager", "user"]);

/** What a person may do to a stack: `owner` everything, `manager` power and upgrade, `user` open and look. */
export const stackRole = z.enum(["owner", "manager", "user"]);
export type StackRole = z.infer<typeof stackRole>;

/** One of a signed-in person's stacks (GET /api/me): theirs, or shared with them. */
export const ownedStack = publicStack.omit({ deletedAt: true }).extend({ role: stackRole });
export type OwnedStack = z.infer<typeof ownedStack>;
/** The Dokploy ids of a stack, written the moment Dokploy returns each. */
export type StackResources = Pick<Stack, "projectId" | "environmentId" | "applicationId" | "appName" | "domainId" | "mountIds">;

export const deploymentKind = z.enum(["deploy", "delete", "warm", ...OPERATION_KINDS]);
export type DeploymentKind = z.infer<typeof deploymentKind>;

export const deploymentStatus = z.enum(["running", "succeeded", "failed"]);
export type DeploymentStatus = z.infer<typeof deploymentStatus>;

export const stepId = z.enum(STEP_IDS);
export type StepId = z.infer<typeof stepId>;
export { DELETE_STEPS, DEPLOY_STEPS };

export const stepState = z.enum(["started", "queued", "succeeded", "failed", "skipped"]);
export type StepState = z.infer<typeof stepState>;

/** Stable codes the page translates; never change a code's meaning. */
export const errorCode = z.enum([
  "dokploy_unavailable",
  "dokploy_rejected",
  "deploy_failed",
  "deploy_timeout",
  "health_timeout",
  "interrupted",
  "cancelled",
  "cleanup_failed",
  /** A resumed deploy found that Dokploy no longer knows the stack's application. */
  "application_missing",
  /** A stopped stack still answered when the wait ran out. */
  "stop_timeout",
  /** The backup before a delete did not succeed: nothing was deleted. */
  "backup_failed",
  /** Dokploy did not restore the chosen backup (the stack was started again with the volume it had). */
  "restore_failed",
  /** Swarm holds the stack's task pending: no node suits it ("no suitable node (…)", in the detail). */
  "unschedulable",
  "internal",
]);

/** What the readiness probe last saw at one target, for the owner's and the admin's views. */
export const probeSeen = z.object({
  /** The probe's URL (and the Host header it sent, when one was set). */
  target: z.string(),
  /** "status_<n>", "refused", "reset", "timeout", "tls", "dns", "unreachable", "error", or "not_attempted". */
  reason: z.string(),
  status: z.number().int().optional(),
  /** The error's own code and words (ECONNREFUSED …). */
  detail: z.string().optional(),
  /** When it was seen; absent for a target never tried. */
  at: z.string().optional(),
});
export type ProbeSeen = z.infer<typeof probeSeen>;

export const deploymentError = z.object({
  code: errorCode,
  message: z.string(),
  /** Dokploy's own (scrubbed) text: for the log and the owner's and admin's views only. */
  detail: z.string().optional(),
  /** health_timeout: what each probe target last saw (owner's and admin's views only). */
  probes: z.array(probeSeen).optional(),
});
export type DeploymentError = z.infer<typeof deploymentError>;

/** A resource that could not be removed, kept so that an operator can finish the job. */
export const leftover = z.object({
  kind: z.enum(["project", "application"]),
  id: z.string(),
  error: z.string(),
});
export type Leftover = z.infer<typeof leftover>;

export const deployment = z.object({
  id: z.string(),
  stackId: z.number().int(),
  stackName: z.string(),
  kind: deploymentKind,
  status: deploymentStatus,
  step: stepId.nullable(),
  error: deploymentError.nullable(),
  leftovers: z.array(leftover),
  createdAt: z.string(),
  updatedAt: z.string(),
  finishedAt: z.string().nullable(),
  /** Retention let its events and report go (HISTORY_RETENTION): only the row and its outcome are left. */
  historyPruned: z.boolean(),
  /** A deploy that took a stack of the warm pool: its steps are the claim's (model/steps.ts). */
  fromPool: z.boolean(),
});
export type Deployment = z.infer<typeof deployment>;

/** SSE event payloads (the events of GET /api/deployments/:id/events in the README). */
export const stepEventData = z.object({
  step: stepId,
  state: stepState,
  at: z.string(),
  message: z.string().optional(),
  error: deploymentError.optional(),
});
export const statusEventData = z.object({
  status: z.string(),
  at: z.string(),
  message: z.string().optional(),
  /** Place in the portal's own deploy queue (status "waiting"). */
  position: z.number().int().optional(),
});
export const doneEventData = z.object({
  status: z.enum(["ready", "failed", "deleted", "stopped"]),
  at: z.string(),
  url: z.string().optional(),
  error: deploymentError.optional(),
  leftovers: z.array(leftover).optional(),
  message: z.string().optional(),
});

export type DoneData = z.infer<typeof doneEventData>;

export const deploymentEvent = z.discriminatedUnion("type", [
  z.object({ seq: z.number().int(), type: z.literal("step"), data: stepEventData }),
  z.object({ seq: z.number().int(), type: z.literal("status"), data: statusEventData }),
  z.object({ seq: z.number().int(), type: z.literal("done"), data: doneEventData }),
]);
export type DeploymentEvent = z.infer<typeof deploymentEvent>;
export type NewEvent = DeploymentEvent extends infer E ? (E extends { seq: number } ? Omit<E, "seq"> : never) : never;
