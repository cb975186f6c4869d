import { z } from "zod";
import { agentModelState, modelKeyState } from "../stacks/keys/key-states.ts";
import { offeredModel } from "../stacks/probe/opencode-api.ts";
import { dokployHealth } from "../dokploy/health.ts";
import { reconcileReport } from "../stacks/upkeep/reconcile.ts";
import { auditEntry } from "../store/audit.ts";
import { ownedStack, probeSeen, stack } from "../stacks/model/vocabulary.ts";
import { person } from "../stacks/owners/person.ts";
import { share } from "../stacks/owners/shares.ts";
import { stackBackupFile } from "../stacks/backups/backup-files.ts";
import { cleanupReport } from "../stacks/model/deployment-report.ts";
import { stackWithHistory } from "../stacks/fleet/stack-list.ts";
import { OPERATION_KINDS } from "../stacks/model/steps.ts";
import { rollout, rolloutView } from "../stacks/rollout/rollout-model.ts";

/**
 * The bodies the HTTP layer puts together itself (the domain's own views have their schemas
 * next to the code that builds them). Routes type their answers with these, and the OpenAPI
 * document (src/http/openapi/) is generated from them, so the two cannot drift apart.
 */

/** The portal's one error format (problem.ts); a conflicting operation names the running deployment. */
export const errorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    /** 409 operation_in_progress: the operation already running, to follow instead. */
    deploymentId: z.string().optional(),
  }),
});
export type ErrorBody = z.infer<typeof errorBody>;

const credentials = z.object({ username: z.string(), password: z.string() });

export const deployAccepted = z.object({
  deploymentId: z.string(),
  name: z.string(),
  url: z.string(),
  eventsUrl: z.string(),
  statusUrl: z.string(),
  /** Shown only here. Absent with AUTH_MODE=oidc: the signed-in owner manages the stack. */
  managementToken: z.string().optional(),
  /** OpenCode's login, shown only here. */
  credentials,
});
export type DeployAcceptedBody = z.infer<typeof deployAccepted>;

export const deleteAccepted = z.object({
  deploymentId: z.string(),
  name: z.string(),
  eventsUrl: z.string(),
  statusUrl: z.string(),
  volumeKept: z.literal(true),
  message: z.string(),
});
export type DeleteAcceptedBody = z.infer<typeof deleteAccepted>;

export const operationKind = z.enum(OPERATION_KINDS);

export const operationAccepted = z.object({
  deploymentId: z.string(),
  name: z.string(),
  operation: operationKind,
  eventsUrl: z.string(),
  statusUrl: z.string(),
  /** POST .../password only: the new OpenCode login, shown only here. */
  credentials: credentials.optional(),
});
export type OperationAcceptedBody = z.infer<typeof operationAccepted>;

/** Stop on a stopped stack, start on a running one. */
export const operationNothingToDo = z.object({
  name: z.string(),
  operation: operationKind,
  deploymentId: z.null(),
  nothingToDo: z.literal(true),
  message: z.string(),
});
export type OperationNothingToDoBody = z.infer<typeof operationNothingToDo>;

export const healthBody = z.object({
  status: z.enum(["healthy", "degraded", "unhealthy"]),
  version: z.string(),
  uptimeSeconds: z.number().int(),
  mode: z.enum(["dokploy", "sandbox"]),
  checks: z.object({ dokploy: dokployHealth, database: z.object({ status: z.enum(["up", "down"]) }) }),
});
export type HealthBody = z.infer<typeof healthBody>;

export const infoBody = z.object({
  nameQuarantineDays: z.number().int(),
  /** Median of the last successful deploys; null while there are too few. */
  typicalDeployMs: z.number().nullable(),
  typicalDeploySamples: z.number().int(),
});
export type InfoBody = z.infer<typeof infoBody>;

export const meOpen = z.object({ authMode: z.literal("open"), person: z.null(), expired: z.literal(false) });
export const meOidc = z.object({
  authMode: z.literal("oidc"),
  providerName: z.string(),
  signInUrl: z.string(),
  /** The session cookie sent along had ended (said once; the cookie is cleared). */
  expired: z.boolean(),
  maxStacksPerUser: z.number().int(),
  person: person.pick({ name: true, email: true, username: true, admin: true }).nullable(),
  suggestedName: z.string().nullable(),
  stacks: z.array(ownedStack),
});
export const meBody = z.union([meOpen, meOidc]);
export type MeBody = z.infer<typeof meBody>;

export const logoutBody = z.object({ redirect: z.string() });
export type LogoutBody = z.infer<typeof logoutBody>;
export const claimedBody = z.object({ name: z.string(), owned: z.literal(true) });
export type ClaimedBody = z.infer<typeof claimedBody>;

export const keepAwakeBody = z.object({ name: z.string(), keepAwakeUntil: z.string().nullable() });
export const modelKeysBody = z.object({ name: z.string(), providers: z.array(modelKeyState), agents: z.array(agentModelState) });
export const offeredModelsBody = z.object({ name: z.string(), models: z.array(offeredModel) });
export type OfferedModelsBody = z.infer<typeof offeredModelsBody>;
export type ModelKeysBody = z.infer<typeof modelKeysBody>;
export type KeepAwakeBody = z.infer<typeof keepAwakeBody>;

/** GET /api/stacks/:name/backups. */
export const stackBackupsBody = z.object({ name: z.string(), files: z.array(stackBackupFile) });
export type StackBackupsBody = z.infer<typeof stackBackupsBody>;

/** GET /api/stacks/:name/shares; `gate`: whether those shared with open it through STACK_SSO (else they need its password). */
export const sharesBody = z.object({ name: z.string(), gate: z.boolean(), shares: z.array(share) });
export type SharesBody = z.infer<typeof sharesBody>;
export const shareAnswer = z.object({ name: z.string(), share });
export type ShareAnswer = z.infer<typeof shareAnswer>;

export const stackAccessBody = z.object({
  name: z.string(),
  status: z.string(),
  url: z.string(),
  /** How the request manages the stack. */
  actor: auditEntry.shape.actor,
  readyAt: z.string().nullable(),
});
export type StackAccessBody = z.infer<typeof stackAccessBody>;

export const deploymentReportBody = z.object({
  deploymentId: z.string(),
  /** What a rollback removed and kept; null when nothing was rolled back. */
  cleanup: cleanupReport.nullable(),
  /** Whether GET .../log has Dokploy's deploy log for the owner. */
  logAvailable: z.boolean(),
  /** A stack that never answered: what each probe target last saw. Only for the stack's owner and admins (else null). */
  probes: z.array(probeSeen).nullable(),
});
export type DeploymentReportBody = z.infer<typeof deploymentReportBody>;

export const deploymentLogBody = z.object({ deploymentId: z.string(), lines: z.array(z.string()) });
export type DeploymentLogBody = z.infer<typeof deploymentLogBody>;

/** Keyset pages: `next` is the link to the following page, or null. */
export const stackPage = z.object({ stacks: z.array(stack), next: z.string().nullable() });
export type StackPageBody = z.infer<typeof stackPage>;
export const auditPage = z.object({ entries: z.array(auditEntry), next: z.string().nullable() });
export type AuditPageBody = z.infer<typeof auditPage>;

export const adminStacksBody = z.object({ nameQuarantineDays: z.number().int(), stacks: z.array(stackWithHistory) });
export type AdminStacksBody = z.infer<typeof adminStacksBody>;

/** GET /api/admin/stack-events, `event: stacks`: first every row, then what changed and the ids gone from the list. */
export const adminStackChanges = z.object({
  first: z.boolean(),
  nameQuarantineDays: z.number().int(),
  changed: z.array(stackWithHistory),
  removed: z.array(z.number().int()),
});
export type AdminStackChangesBody = z.infer<typeof adminStackChanges>;

/** GET: the last comparison (null before the first); POST: a new one. */
export const reconcileResult = z.object({ report: reconcileReport.nullable() });
export type ReconcileResultBody = z.infer<typeof reconcileResult>;

/** GET /api/openapi.json: the document itself (its parts are OpenAPI's, not the portal's). */
export const openApiDocument = z.looseObject({
  openapi: z.string(),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.record(z.string(), z.unknown())),
  components: z.record(z.string(), z.unknown()),
});

/** POST /api/admin/rollouts: the new rollout and where to follow it. */
export const rolloutStarted = rolloutView.extend({ statusUrl: z.string(), eventsUrl: z.string() });

/** GET /api/admin/rollout-plan: what a rollout of `image` would do now, for the admin's "are you sure". */
export const rolloutPlan = z.object({
  image: z.string(),
  /** Ready stacks not on the image. */
  stacks: z.number().int(),
  /** Of those, the ones running now: the rollout restarts them. */
  running: z.number().int(),
  /** Of those, the stopped ones: they get the image at their next start. */
  stopped: z.number().int(),
});
export type RolloutPlanBody = z.infer<typeof rolloutPlan>;

/** GET /api/admin/rollouts: the newest rollouts. */
export const rolloutList = z.object({ rollouts: z.array(rollout) });
export type RolloutStarted = z.infer<typeof rolloutStarted>;
export type RolloutList = z.infer<typeof rolloutList>;

/** POST /api/admin/stacks/:name/move: the new pin and the redeploy that applies it. */
export const stackMoved = z.object({
  name: z.string(),
  from: z.string().nullable(),
  to: z.string(),
  deploymentId: z.string().nullable(),
  warning: z.string(),
});
export type StackMoved = z.infer<typeof stackMoved>;

/** GET /api/admin/nodes: Fleet.overview's answer. */
export { fleetOverview } from "../stacks/fleet/nodes-overview.ts";
