import { z } from "zod";
import { availability } from "../../stacks/deploy/availability.ts";
import { doneEventData, publicStackStatus, statusEventData, stepEventData } from "../../stacks/model/vocabulary.ts";
import { ownerStackDetails } from "../../stacks/operations/details.ts";
import { ownerStackLogs } from "../../stacks/operations/logs.ts";
import { deploymentSnapshot } from "../../stacks/model/snapshot.ts";
import { OPERATION_KINDS } from "../../stacks/model/steps.ts";
import {
  adminStacksBody,
  auditPage,
  claimedBody,
  deleteAccepted,
  deployAccepted,
  deploymentLogBody,
  deploymentReportBody,
  healthBody,
  infoBody,
  logoutBody,
  meBody,
  openApiDocument,
  operationAccepted,
  operationNothingToDo,
  fleetOverview,
  reconcileResult,
  stackMoved,
  rolloutList,
  rolloutStarted,
  stackAccessBody,
  stackPage,
} from "../responses.ts";
import { pageBeforeParam, pageLimitParam } from "../paging.ts";
import { reconcileBody } from "../routes/admin.ts";
import { logLinesParam } from "../routes/owner.ts";
import { deployBody } from "../routes/deploy.ts";
import { rolloutRequest, rolloutView } from "../../stacks/rollout/rollout-model.ts";
import { capacityReport } from "../../stacks/fleet/capacity.ts";
import { ssoApplyReport } from "../../stacks/sso/stack-sso.ts";

/**
 * Every route of the portal's API as the OpenAPI document describes it (document.ts turns
 * this into JSON). Bodies and answers are the zod schemas the routes use; the test
 * (test/integration/openapi.test.ts) checks that every route the app answers is here and that
 * real answers validate. Error answers list the stable codes a route gives at that status.
 */

/**
 * Who may call: anyone; anyone, with more shown to the owner (`optional`); the stack's owner
 * (management token, ADMIN_TOKEN, or with AUTH_MODE=oidc its signed-in owner or an OIDC admin);
 * an admin; anyone in open mode and a signed-in person with AUTH_MODE=oidc (`signed-in`); a
 * signed-in person who also shows the stack's management token (`claim`); METRICS_TOKEN if set.
 */
export type Access = "public" | "optional" | "owner" | "admin" | "signed-in" | "claim" | "metrics";

export interface Answer {
  description: string;
  /** JSON body; absent for answers without one. */
  schema?: z.ZodType;
  /** Another content type, e.g. text/event-stream (its body is then a string). */
  contentType?: string;
  /** Error answers: the stable codes (`{"error": {"code"}}`). */
  codes?: readonly string[];
  headers?: Record<string, string>;
  /** text/event-stream: each event's name and the schema of its JSON `data`. */
  events?: Record<string, z.ZodType>;
}

export interface RouteDoc {
  method: "get" | "post" | "delete";
  /** OpenAPI syntax: /api/stacks/{name}. */
  path: string;
  tag: "public" | "owner" | "admin" | "auth";
  access: Access;
  summary: string;
  description?: string;
  params?: Record<string, { description: string; schema: z.ZodType }>;
  query?: Record<string, { description: string; schema: z.ZodType }>;
  headers?: Record<string, { description: string; schema: z.ZodType }>;
  body?: z.ZodType;
  /** The body is optional (a bare POST). */
  bodyOptional?: boolean;
  answers: Record<number, Answer>;
}

const NAME_CODES = ["too_short", "too_long", "invalid_characters", "must_start_with_letter", "invalid_end", "consecutive_hyphens", "reserved"];
const name = { name: { description: "The stack's name", schema: z.string() } };
const deploymentId = { id: { description: "A deployment's id (deploy, delete or operation)", schema: z.string() } };

const unauthorized: Answer = {
  description: "No credentials: no `Authorization: Bearer`, and (AUTH_MODE=oidc) no session",
  codes: ["unauthorized", "session_expired", "sign_in_required"],
  headers: { "WWW-Authenticate": "Bearer realm" },
};
const forbidden: Answer = {
  description: "Credentials that do not manage this stack (wrong token, someone else's stack)",
  codes: ["forbidden", "cross_site_request"],
};
const adminUnauthorized: Answer = { description: "No admin token (and no OIDC admin session)", codes: ["unauthorized"] };
const adminForbidden: Answer = { description: "Not the admin token", codes: ["forbidden"] };
const rateLimited: Answer = {
  description: "Over a per-client limit (Retry-After says when to try again), or too many bodies still arriving",
  codes: ["rate_limited", "too_many_uploads"],
  headers: { "Retry-After": "seconds" },
};
/** The stack gate's own pages (STACK_SSO). */
const gatePages: Record<number, Answer> = {
  403: { description: "A page: this person may not open this stack" },
  404: { description: "A page: no stack at this host" },
};
/** What every admin route may answer besides its own. */
const adminOnly: Record<number, Answer> = { 401: adminUnauthorized, 403: adminForbidden, 429: rateLimited };
const notFound = (what: string): Answer => ({ description: `No ${what}`, codes: ["not_found"] });
const noStore = { "Cache-Control": "no-store" };
const pageLimit = (max: number, dflt: number) => ({ description: `Items per page, 1 to ${max} (default ${dflt})`, schema: pageLimitParam(max) });
const before = { description: "The `id` of the last item of the previous page (use `next`)", schema: pageBeforeParam };
const badBody: Answer = {
  description: "Not JSON, or a body of the wrong shape",
  codes: ["invalid_json", "invalid_request"],
};
const notJson: Answer = { description: "The body is not `application/json`", codes: ["unsupported_media_type"] };

const nothingToDo: Record<number, Answer> = { 200: { description: "Nothing to do", schema: operationNothingToDo } };
const operationRoutes: RouteDoc[] = OPERATION_KINDS.map((kind) => ({
  method: "post",
  path: `/api/stacks/{name}/${kind}`,
  tag: "owner",
  access: "owner",
  summary: kind === "password" ? "A new OpenCode password, saved in Dokploy and redeployed" : `${kind[0]?.toUpperCase()}${kind.slice(1)} the stack`,
  description:
    "202 with a deployment to follow like a deploy (its events stream and snapshot). One operation at a time per stack: 409 " +
    "`operation_in_progress` with the running `deploymentId`." +
    (kind === "stop" || kind === "start"
      ? ` ${kind === "stop" ? "Stop on a stopped" : "Start on a running"} stack answers 200 with nothing to do.`
      : "") +
    (kind === "password" ? " The new password is in `credentials`, shown only here." : ""),
  params: name,
  answers: {
    ...(kind === "stop" || kind === "start" ? nothingToDo : {}),
    202: { description: "Accepted; follow `eventsUrl`", schema: operationAccepted, headers: { Location: "the snapshot" } },
    401: unauthorized,
    403: forbidden,
    404: notFound("live stack with that name"),
    409: {
      description: "Another operation is running (its `deploymentId` is given), or the stack is not ready",
      codes: ["operation_in_progress", "stack_not_ready"],
    },
    429: rateLimited,
  },
}));

const DESCRIBED: RouteDoc[] = [
  {
    method: "get",
    path: "/health",
    tag: "public",
    access: "public",
    summary: "The portal's health and Dokploy's",
    answers: {
      200: { description: "Healthy or degraded (Dokploy trouble)", schema: healthBody },
      503: { description: "Unhealthy: the database takes no writes", schema: healthBody },
    },
  },
  {
    method: "get",
    path: "/metrics",
    tag: "public",
    access: "metrics",
    summary: "Prometheus metrics (behind METRICS_TOKEN when one is set)",
    answers: {
      200: { description: "Prometheus text format", contentType: "text/plain" },
      401: { description: "METRICS_TOKEN is set and no token came", codes: ["unauthorized"] },
      403: { description: "Not METRICS_TOKEN", codes: ["forbidden"] },
      429: rateLimited,
    },
  },
  {
    method: "get",
    path: "/api/openapi.json",
    tag: "public",
    access: "public",
    summary: "This document",
    answers: { 200: { description: "OpenAPI 3.1", schema: openApiDocument } },
  },
  {
    method: "get",
    path: "/api/info",
    tag: "public",
    access: "public",
    summary: "The portal's rules and pace: name quarantine, typical deploy time",
    answers: { 200: { description: "Info", schema: infoBody } },
  },
  {
    method: "get",
    path: "/api/check",
    tag: "public",
    access: "public",
    summary: "Name check with an empty name (always invalid: too_short)",
    answers: { 200: { description: "The verdict", schema: availability }, 429: rateLimited },
  },
  {
    method: "get",
    path: "/api/check/{name}",
    tag: "public",
    access: "public",
    summary: "Whether a name can be deployed",
    description:
      "Always 200 with a verdict, whatever the input (any bytes, slashes included). A name held after a delete is available to its signed-in owner.",
    params: { name: { description: "The name to check, as typed", schema: z.string() } },
    answers: { 200: { description: "The verdict", schema: availability }, 429: rateLimited },
  },
  {
    method: "post",
    path: "/api/deploy",
    tag: "public",
    access: "signed-in",
    summary: "Deploy a new stack",
    description:
      "202 with everything the owner needs; the management token and OpenCode password are shown only here. With AUTH_MODE=oidc a signed-in person deploys and owns the stack (no management token).",
    headers: {
      "Idempotency-Key": {
        description:
          "A repeat with the same key (within 24 h) returns the same deployment and credentials. At least 128 random bits: a UUID v4 or 22+ base64url characters",
        schema: z.string(),
      },
    },
    body: deployBody,
    answers: {
      202: { description: "Accepted; follow `eventsUrl`", schema: deployAccepted, headers: { Location: "the snapshot", ...noStore } },
      400: {
        description: "The name breaks a rule (the code says which), or a bad body or Idempotency-Key",
        codes: [...NAME_CODES, "invalid_json", "invalid_request", "invalid_idempotency_key"],
      },
      401: { description: "AUTH_MODE=oidc and nobody signed in", codes: ["sign_in_required", "session_expired"] },
      403: { description: "A signed-in change from another site", codes: ["cross_site_request"] },
      408: { description: "The body did not arrive within BODY_TIMEOUT", codes: ["request_timeout"] },
      409: {
        description:
          "The name is taken or held after a delete, the person's stack limit is reached, or no Swarm node has room for another stack (`no_capacity`: refused at once, logged and counted for the administrator)",
        codes: ["taken", "recently_deleted", "user_stack_limit", "no_capacity"],
      },
      410: { description: "The Idempotency-Key's stack was deleted", codes: ["stack_deleted"] },
      413: { description: "The body is too large", codes: ["payload_too_large"] },
      415: notJson,
      422: { description: "The Idempotency-Key was used for another name", codes: ["idempotency_key_reused"] },
      429: rateLimited,
      503: { description: "MAX_STACKS live stacks exist", codes: ["capacity_reached", "too_many_uploads"] },
    },
  },
  {
    method: "get",
    path: "/api/deployments/{id}",
    tag: "public",
    access: "optional",
    summary: "A deployment's snapshot: status, steps, error, leftovers",
    description:
      "Public messages per error code. With the stack's management token or ADMIN_TOKEN (or its signed-in owner) the error also has `detail` and leftovers say why. With AUTH_MODE=oidc only who may manage the stack may read it.",
    params: deploymentId,
    answers: {
      200: { description: "The snapshot", schema: deploymentSnapshot, headers: noStore },
      401: unauthorized,
      403: forbidden,
      404: notFound("deployment with that id"),
      429: rateLimited,
    },
  },
  {
    method: "get",
    path: "/api/deployments/{id}/events",
    tag: "public",
    access: "optional",
    summary: "A deployment's events, live (Server-Sent Events)",
    description:
      "`event: step|status|done`, `id:` a per-deployment sequence, JSON `data` (the schemas StepEventData, StatusEventData and DoneEventData, public messages). Resume with `Last-Event-ID`; a heartbeat comment every 15 s; ends after `done`. A finished deployment asked from at or past its `done` answers 204. A deploy, start, restart or redeploy whose Swarm task no node can take ends within seconds with `error.code` `unschedulable` (Swarm's reason, e.g. `no suitable node (insufficient resources on 1 node)`, in the owner's and admin's `detail`), not at HEALTH_TIMEOUT.",
    params: deploymentId,
    headers: { "Last-Event-ID": { description: "The last `id:` seen", schema: z.string() } },
    query: { lastEventId: { description: "As Last-Event-ID, for clients that cannot set headers", schema: z.string() } },
    answers: {
      200: {
        description: "The event stream",
        contentType: "text/event-stream",
        events: { step: stepEventData, status: statusEventData, done: doneEventData },
        headers: noStore,
      },
      204: { description: "Nothing more will come (the stream ended at `done`)" },
      401: unauthorized,
      403: forbidden,
      404: notFound("deployment with that id"),
    },
  },
  {
    method: "get",
    path: "/api/deployments/{id}/report",
    tag: "public",
    access: "optional",
    summary: "What a failed deploy's rollback removed and kept",
    description: "Read by the snapshot's rule: anyone in open mode; with AUTH_MODE=oidc only who may manage the stack. A wrong token is refused.",
    params: deploymentId,
    answers: {
      200: { description: "The report", schema: deploymentReportBody, headers: noStore },
      401: unauthorized,
      403: forbidden,
      404: notFound("deployment with that id"),
      429: rateLimited,
    },
  },
  {
    method: "get",
    path: "/api/deployments/{id}/log",
    tag: "owner",
    access: "owner",
    summary: "The scrubbed tail of Dokploy's deploy log for a deployment",
    params: deploymentId,
    answers: {
      200: { description: "The lines", schema: deploymentLogBody },
      401: unauthorized,
      403: forbidden,
      404: notFound("deployment with that id"),
    },
  },
  {
    method: "get",
    path: "/api/stacks/{name}",
    tag: "public",
    access: "public",
    summary: "A stack's public status",
    params: name,
    answers: { 200: { description: "The status", schema: publicStackStatus }, 404: notFound("stack with that name"), 429: rateLimited },
  },
  ...(["/api/stacks/{name}", "/api/stack/{name}"] as const).map(
    (path): RouteDoc => ({
      method: "delete",
      path,
      tag: "owner",
      access: "owner",
      summary: path === "/api/stack/{name}" ? "Delete a stack (older path)" : "Delete a stack",
      description: "202 with a delete deployment to follow. The data volumes are kept and the name is held for its owner for NAME_QUARANTINE_DAYS.",
      params: name,
      answers: {
        202: { description: "Accepted; follow `eventsUrl`", schema: deleteAccepted },
        401: unauthorized,
        403: forbidden,
        404: notFound("stack with that name"),
        429: rateLimited,
      },
    }),
  ),
  {
    method: "get",
    path: "/api/stacks/{name}/access",
    tag: "owner",
    access: "owner",
    summary: "Whether these credentials manage this live stack (read-only)",
    params: name,
    answers: {
      200: { description: "They do", schema: stackAccessBody },
      401: unauthorized,
      403: forbidden,
      404: notFound("live stack with that name"),
      429: rateLimited,
    },
  },
  {
    method: "get",
    path: "/api/stacks/{name}/details",
    tag: "owner",
    access: "owner",
    summary: "The stack's state, Dokploy's view of it and its last 10 operations",
    params: name,
    answers: {
      200: { description: "The details", schema: ownerStackDetails, headers: noStore },
      401: unauthorized,
      403: forbidden,
      404: notFound("live stack with that name"),
      429: rateLimited,
    },
  },
  {
    method: "get",
    path: "/api/stacks/{name}/logs",
    tag: "owner",
    access: "owner",
    summary: "The newest Dokploy deploy log and the container's recent output, secrets scrubbed",
    params: name,
    query: { lines: { description: "How many lines, 1 to 1000 (default 100)", schema: logLinesParam } },
    answers: {
      200: { description: "The logs", schema: ownerStackLogs, headers: noStore },
      400: { description: "`lines` is not a whole number from 1 to 1000", codes: ["invalid_request"] },
      401: unauthorized,
      403: forbidden,
      404: notFound("live stack with that name"),
      429: rateLimited,
    },
  },
  ...operationRoutes,
  {
    method: "post",
    path: "/api/stacks/{name}/claim",
    tag: "owner",
    access: "claim",
    summary: "AUTH_MODE=oidc: take over a stack made before sign-in, with its management token",
    description: "Needs both a session and `Authorization: Bearer <the stack's management token>`.",
    params: name,
    answers: {
      200: { description: "Claimed", schema: claimedBody },
      401: unauthorized,
      403: forbidden,
      404: notFound("live stack with that name"),
      409: { description: "Owned already, or the person's stack limit is reached", codes: ["already_owned", "user_stack_limit"] },
      429: rateLimited,
    },
  },
  {
    method: "get",
    path: "/api/me",
    tag: "auth",
    access: "signed-in",
    summary: 'Who is signed in (AUTH_MODE=oidc); `{authMode: "open"}` in open mode',
    answers: { 200: { description: "The person, their stacks and the sign-in settings", schema: meBody, headers: noStore } },
  },
  {
    method: "get",
    path: "/auth/login",
    tag: "auth",
    access: "public",
    summary: "AUTH_MODE=oidc: sign in at the identity provider",
    query: { returnTo: { description: "A path on the portal to come back to", schema: z.string() } },
    answers: {
      303: { description: "To the provider, or back to `/?signin=unavailable`", headers: { Location: "where to go" } },
      429: rateLimited,
    },
  },
  {
    method: "get",
    path: "/auth/callback",
    tag: "auth",
    access: "public",
    summary: "AUTH_MODE=oidc: the provider sends the browser back here",
    answers: { 303: { description: "Signed in (to `returnTo`), or to `/?signin=failed|not_allowed`", headers: { Location: "where to go" } } },
  },
  {
    method: "post",
    path: "/auth/logout",
    tag: "auth",
    access: "signed-in",
    summary: "AUTH_MODE=oidc: sign out; `redirect` is the provider's end-session address",
    answers: {
      200: { description: "Signed out", schema: logoutBody },
      403: { description: "A signed-in change from another site", codes: ["cross_site_request"] },
    },
  },
  {
    method: "get",
    path: "/api/stacks",
    tag: "admin",
    access: "admin",
    summary: "The stacks, newest first, a page at a time",
    query: {
      limit: pageLimit(1000, 1000),
      before,
      all: { description: "`true`: deleted and failed ones too", schema: z.enum(["true", "false"]) },
    },
    answers: {
      200: { description: "A page", schema: stackPage },
      400: { description: "A bad `limit` or `before`", codes: ["invalid_request"] },
      ...adminOnly,
    },
  },
  {
    method: "get",
    path: "/api/admin/stacks",
    tag: "admin",
    access: "admin",
    summary: "The stacks with their latest deployment and when a held name is free",
    query: { all: { description: "`true`: deleted and failed ones too", schema: z.enum(["true", "false"]) } },
    answers: { 200: { description: "The stacks", schema: adminStacksBody }, ...adminOnly },
  },
  {
    method: "get",
    path: "/api/admin/audit",
    tag: "admin",
    access: "admin",
    summary: "The audit log, newest first, a page at a time",
    query: {
      limit: { description: "Entries per page, 1 to 500 (default 50)", schema: z.string() },
      before: { description: "The `id` of the last entry of the previous page (use `next`)", schema: z.string() },
    },
    answers: { 200: { description: "A page", schema: auditPage }, ...adminOnly },
  },
  {
    method: "get",
    path: "/api/admin/reconcile",
    tag: "admin",
    access: "admin",
    summary: "The last comparison of the store with Dokploy (null before the first)",
    answers: { 200: { description: "The last report", schema: reconcileResult }, ...adminOnly },
  },
  {
    method: "post",
    path: "/api/admin/reconcile",
    tag: "admin",
    access: "admin",
    summary: "Compare the store with Dokploy now; `apply: true` removes orphan projects and lost stacks' leftovers",
    description: "A POST without a body is a dry run.",
    body: reconcileBody,
    bodyOptional: true,
    answers: {
      200: { description: "The new report", schema: reconcileResult },
      400: badBody,
      ...adminOnly,
      415: notJson,
      503: { description: "Dokploy's projects could not be read", codes: ["dokploy_unavailable"] },
    },
  },
  {
    method: "get",
    path: "/auth/stack",
    tag: "auth",
    access: "public",
    summary: "STACK_SSO=on: Traefik's forwardAuth check in front of every stack (not for browsers or scripts)",
    description:
      "Reads X-Forwarded-Host, -Uri, -Method and -Proto. A 2xx lets the request through with the stack's own `Authorization: Basic`; " +
      "without a pass it redirects to `/auth/stack/start`; a signed-in person who may not open the stack gets a 403 page.",
    answers: {
      200: { description: "Let through (Traefik copies `Authorization` onto the request)" },
      302: { description: "To the portal's sign-in, or back to the stack with its pass set" },
      ...gatePages,
    },
  },
  {
    method: "get",
    path: "/auth/stack/start",
    tag: "auth",
    access: "public",
    summary: "STACK_SSO=on: sign in if needed, then back to the stack with a one-time ticket for its host",
    query: {
      origin: { description: "The stack's origin (https://<name>.<suffix>)", schema: z.string() },
      to: { description: "The path to go back to on the stack", schema: z.string() },
    },
    answers: {
      302: { description: "To the provider's sign-in" },
      303: { description: "To the stack, with a one-time ticket for its host" },
      ...gatePages,
    },
  },
  {
    method: "post",
    path: "/api/admin/stack-sso",
    tag: "admin",
    access: "admin",
    summary: "STACK_SSO=on: put the forwardAuth middleware in Traefik's file and on every stack's domain now",
    answers: {
      200: { description: "Applied", schema: ssoApplyReport },
      ...adminOnly,
      502: { description: "Dokploy could not be reached or refused the change; nothing was removed", codes: ["dokploy_unavailable"] },
    },
  },
  {
    method: "get",
    path: "/api/admin/nodes",
    tag: "admin",
    access: "admin",
    summary: "Dokploy's Swarm nodes with their room, every placed stack, and the stacks a node problem affects",
    answers: {
      200: { description: "The nodes", schema: fleetOverview },
      ...adminOnly,
      503: { description: "Dokploy's node list could not be read", codes: ["dokploy_unavailable"] },
    },
  },
  {
    method: "post",
    path: "/api/admin/stacks/{name}/move",
    tag: "admin",
    access: "admin",
    summary: "Pin a ready stack to another node and redeploy it there; its workspace stays behind",
    params: name,
    body: z.object({ node: z.string(), acknowledgeDataLoss: z.boolean().optional() }),
    answers: {
      202: { description: "Moved; follow the redeploy", schema: stackMoved },
      400: badBody,
      ...adminOnly,
      404: notFound("live stack or node with that name"),
      409: {
        description: "Not ready, not acknowledged, the node cannot take it, or another operation runs",
        codes: ["stack_not_ready", "confirmation_required", "node_unavailable", "operation_in_progress"],
      },
      415: notJson,
      503: { description: "Dokploy's node list could not be read", codes: ["dokploy_unavailable"] },
    },
  },
  {
    method: "get",
    path: "/api/admin/capacity",
    tag: "admin",
    access: "admin",
    summary: "The fleet by status, run state and image, what running stacks reserve, and per node what Dokploy reports",
    answers: { 200: { description: "Capacity", schema: capacityReport }, ...adminOnly },
  },
  {
    method: "post",
    path: "/api/admin/rollouts",
    tag: "admin",
    access: "admin",
    summary: "Roll an image out to every ready stack not on it: one canary, then batches; a failing stack goes back to its image",
    description: "A bare POST rolls `STACK_IMAGE` out with the defaults. One rollout at a time.",
    body: rolloutRequest,
    bodyOptional: true,
    answers: {
      202: {
        description: "Started; follow `eventsUrl`",
        schema: rolloutStarted,
        headers: { Location: "the rollout" },
      },
      400: {
        description: "Not JSON, a body of the wrong shape, or an `image` that is not an image reference",
        codes: [...(badBody.codes ?? []), "invalid_image"],
      },
      ...adminOnly,
      409: { description: "Another rollout is running or paused", codes: ["rollout_in_progress"] },
      415: notJson,
    },
  },
  {
    method: "get",
    path: "/api/admin/rollouts",
    tag: "admin",
    access: "admin",
    summary: "The 20 newest rollouts",
    answers: {
      200: { description: "Rollouts", schema: rolloutList },
      ...adminOnly,
    },
  },
  {
    method: "get",
    path: "/api/admin/rollouts/{id}",
    tag: "admin",
    access: "admin",
    summary: "A rollout with each stack's state",
    params: { id: { description: "The rollout's id", schema: z.string() } },
    answers: {
      200: { description: "The rollout", schema: rolloutView },
      ...adminOnly,
      404: notFound("rollout"),
    },
  },
  {
    method: "get",
    path: "/api/admin/rollouts/{id}/events",
    tag: "admin",
    access: "admin",
    summary: "A rollout's progress (SSE): the whole view on connect and after each change, then `done`",
    params: { id: { description: "The rollout's id", schema: z.string() } },
    answers: {
      200: { description: "The event stream", contentType: "text/event-stream", events: { progress: rolloutView } },
      ...adminOnly,
      404: notFound("rollout"),
    },
  },
  ...(["pause", "resume", "cancel"] as const).map(
    (action): RouteDoc => ({
      method: "post",
      path: `/api/admin/rollouts/{id}/${action}`,
      tag: "admin",
      access: "admin",
      summary: `${action[0]?.toUpperCase()}${action.slice(1)} the rollout (the current batch finishes first)`,
      params: { id: { description: "The rollout's id", schema: z.string() } },
      answers: {
        200: { description: "The rollout", schema: rolloutView },
        ...adminOnly,
        404: notFound("rollout"),
        409: { description: "Not possible in the rollout's state", codes: ["rollout_not_changeable"] },
      },
    }),
  ),
];

/** Whoever can show a bearer token can be out of failed sign-ins (RATE_LIMIT_AUTH, one guard for the whole API): 429. */
const TAKES_BEARER: ReadonlySet<Access> = new Set(["optional", "owner", "admin", "claim", "metrics"]);

export const ROUTES: RouteDoc[] = DESCRIBED.map((route) =>
  TAKES_BEARER.has(route.access) && !route.answers[429] ? { ...route, answers: { ...route.answers, 429: rateLimited } } : route,
);
