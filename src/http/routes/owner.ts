import type { Context } from "hono";
import { z } from "zod";
import type { Auth } from "../../auth/index.ts";
import type { StackService } from "../../stacks/deploy/stack-service.ts";
import { OPERATION_NEEDS, type OperationBody, type StackOperations } from "../../stacks/operations/operation-service.ts";
import type { RequestContext } from "../../stacks/owners/access.ts";
import type { Result } from "../../stacks/model/result.ts";
import { OPERATION_KINDS, type OperationKind } from "../../stacks/model/steps.ts";
import type { AppEnv } from "../env.ts";
import { forbidden, nameParam, noStore, notFound, notJson, rateLimited, unauthorized } from "../answers.ts";
import { readJson } from "../json-body.ts";
import { refused, requestCredentials } from "../session.ts";
import { problem, statusFor } from "../problem.ts";
import type {
  ClaimedBody,
  ErrorBody,
  StackBackupsBody,
  OfferedModelsBody,
  KeepAwakeBody,
  ModelKeysBody,
  OperationAcceptedBody,
  OperationNothingToDoBody,
} from "../responses.ts";
import { apiKey, modelProviderId } from "../../stacks/keys/providers.ts";
import { modelRef, stackAgentId } from "../../stacks/keys/agent-models.ts";
import { type Answer, type Route, route } from "../route.ts";

/**
 * The owner's API for one stack, authorised by its management token or ADMIN_TOKEN:
 * details, logs, the operations (stop, start, restart, redeploy, password), and with
 * AUTH_MODE=oidc taking over a stack made before sign-in.
 */

type Deps = { operations: StackOperations };

/** POST /api/stacks/:name/keep-awake: how long, in hours (absent: IDLE_KEEP_AWAKE_MAX; 0: no longer). */
const keepAwakeRequest = z.object({ hours: z.number().min(0).optional() }).strict();

/**
 * POST /api/stacks/:name/keys: per provider a key to set, or null to remove it; per agent a
 * model (`<provider>/<model>`), or null for the image's free default; at least one of either.
 */
const keysRequest = z
  .object({
    keys: z.partialRecord(modelProviderId, apiKey.nullable()).optional(),
    models: z.partialRecord(stackAgentId, modelRef.nullable()).optional(),
  })
  .strict()
  .refine((b) => Object.keys(b.keys ?? {}).length + Object.keys(b.models ?? {}).length > 0, {
    message: "name at least one provider in keys or one agent in models",
  });

/** `?lines=` of the logs: 1 to 1000. */
const logLinesParam = z
  .string()
  .regex(/^\d{1,4}$/)
  .transform(Number)
  .pipe(z.number().int().min(1).max(1000));

export function refuse(c: Context<AppEnv>, code: string, message: string, runningId?: string) {
  const headers: Record<string, string> = code === "unauthorized" ? { "WWW-Authenticate": 'Bearer realm="stack"' } : {};
  // A conflicting operation: its id lets the caller follow it instead.
  if (runningId) return c.json({ error: { code, message, deploymentId: runningId } } satisfies ErrorBody, 409, headers);
  return problem(c, statusFor(code), code, message, headers);
}

/** A read of the owner's: the refusal as every owner route gives it, or the body, never cached. */
function answer<T extends object>(c: Context<AppEnv>, result: Result<T>, body: (value: T) => unknown) {
  if (!result.ok) return refuse(c, result.code, result.message);
  c.header("Cache-Control", "no-store");
  return c.json(body(result));
}

const liveStack = { 401: unauthorized, 403: forbidden, 404: notFound("live stack with that name"), 429: rateLimited };
const nothingToDo: Record<number, Answer> = { 200: { description: "Nothing to do", schema: "OperationNothingToDo" } };

/**
 * A JSON body of `schema` for an owner's route (`fallback`: what no body at all means, where one
 * is optional). Whose stack it is comes before what the body says: a caller who may not operate
 * the stack is refused as on every owner route, whatever they sent.
 */
export async function ownerBody<S extends z.ZodType>(
  c: Context<AppEnv>,
  allowed: (ctx: RequestContext) => Result<unknown>,
  schema: S,
  fallback?: z.output<S>,
): Promise<{ value: z.output<S> } | Response> {
  if (fallback !== undefined && !c.req.header("content-type")) return { value: fallback };
  const body = await readJson(c, schema);
  if (body.ok) return body;
  const access = allowed(requestCredentials(c));
  return access.ok ? body.response : refuse(c, access.code, access.message);
}

/** POST /api/stacks/:name/restore: one of the stack's backup files (GET /api/stacks/:name/backups). */
const restoreRequest = z.object({ file: z.string().min(1).max(500) }).strict();

/** The operations that take a body, and what else they may answer. */
const BODIES: Partial<Record<OperationKind, { schema: z.ZodType<OperationBody>; answers: Record<number, Answer> }>> = {
  keys: {
    schema: keysRequest,
    answers: {
      400: {
        description: "Not JSON, an unknown provider or agent, a key that is not one, or a model not named `<provider>/<model>`",
        codes: ["invalid_json", "invalid_request"],
      },
      415: notJson,
    },
  },
  restore: {
    schema: restoreRequest,
    answers: {
      400: { description: "Not JSON, or no `file`", codes: ["invalid_json", "invalid_request"] },
      404: { description: "No such live stack, or that file is not one of its backups", codes: ["not_found", "backup_not_found"] },
      415: notJson,
      503: { description: "Dokploy could not list the stack's backups", codes: ["dokploy_unavailable"] },
    },
  },
};

/** Operations said otherwise than "<Kind> the stack", and what their description adds. */
const SUMMARY: Partial<Record<OperationKind, string>> = {
  password: "A new OpenCode password, saved in Dokploy and redeployed",
  keys: "Set, replace or remove model provider API keys (a key: set; null: removed) and the model per agent (null: the free default), applied with a redeploy",
  restore: "Bring a volume of the stack back from one of its backups, after a safety copy of every volume",
};
const MORE: Partial<Record<OperationKind, string>> = {
  stop: " Stop on a stopped stack answers 200 with nothing to do.",
  start: " Start on a running stack answers 200 with nothing to do.",
  password: " The new password is in `credentials`, shown only here.",
  keys: " The keys go to Dokploy's environment of the stack's application and nowhere else: never shown again (only their last four characters), never logged, removed with the stack.",
  restore:
    " Steps: a safety copy of every volume (listed among the backups afterwards), the stack stopped, the volume restored through Dokploy, the stack started and probed. A failed restore (`restore_failed`) starts the stack again.",
};

// Each operation's path spelled out (see Route's path). `keys` and `restore` take a body.
const operation = (kind: OperationKind): Route<Deps> =>
  route({
    method: "post",
    path: `/api/stacks/:name/${kind}`,
    tag: "owner",
    access: "owner",
    limit: { budget: "operations" },
    summary: SUMMARY[kind] ?? `${kind[0]?.toUpperCase()}${kind.slice(1)} the stack`,
    description:
      "202 with a deployment to follow like a deploy (its events stream and snapshot). One operation at a time per stack: 409 " +
      "`operation_in_progress` with the running `deploymentId`." +
      (MORE[kind] ?? ""),
    params: nameParam,
    ...(BODIES[kind] ? { body: BODIES[kind].schema } : {}),
    answers: {
      ...(kind === "stop" || kind === "start" ? nothingToDo : {}),
      202: { description: "Accepted; follow `eventsUrl`", schema: "OperationAccepted", headers: { Location: "the snapshot" } },
      ...liveStack,
      409: {
        description:
          "Another operation is running (its `deploymentId` is given), the stack is not ready, or its server is down or drained" +
          (kind === "restore" ? "; or this portal keeps no backups, or none can reach the stack's server" : ""),
        codes: [
          "operation_in_progress",
          "stack_not_ready",
          "node_down",
          "node_drained",
          ...(kind === "restore" ? ["backups_off", "backups_out_of_reach"] : []),
        ],
      },
      ...BODIES[kind]?.answers,
    },
    handler:
      ({ operations }: Deps) =>
      async (c) => {
        const schema = BODIES[kind]?.schema;
        const body = schema ? await ownerBody(c, (ctx) => operations.mayOperate(c.req.param("name"), ctx, OPERATION_NEEDS[kind]), schema) : null;
        if (body instanceof Response) return body;
        const result = await operations.request(kind, c.req.param("name"), requestCredentials(c), body?.value);
        if (!result.ok) return refuse(c, result.code, result.message, result.runningId);
        c.header("Cache-Control", "no-store");
        if (result.deploymentId === null)
          return c.json(
            { name: result.name, operation: kind, deploymentId: null, nothingToDo: true, message: result.message } satisfies OperationNothingToDoBody,
            200,
          );
        c.header("Location", `/api/deployments/${result.deploymentId}`);
        return c.json(
          {
            deploymentId: result.deploymentId,
            name: result.name,
            operation: kind,
            eventsUrl: `/api/deployments/${result.deploymentId}/events`,
            statusUrl: `/api/deployments/${result.deploymentId}`,
            // The new password, shown only here, like the first one.
            ...(result.password ? { credentials: { username: "opencode", password: result.password } } : {}),
          } satisfies OperationAcceptedBody,
          202,
        );
      },
  });

export const OWNER_ROUTES = [
  route({
    method: "get",
    path: "/api/stacks/:name/details",
    tag: "owner",
    access: "owner",
    summary: "The stack's state, Dokploy's view of it and its last 10 operations",
    params: nameParam,
    answers: { 200: { description: "The details", schema: "StackDetails", headers: noStore }, ...liveStack },
    handler:
      ({ operations }: Deps) =>
      async (c) => {
        return answer(c, await operations.details(c.req.param("name"), requestCredentials(c)), (r) => r.details);
      },
  }),
  route({
    method: "get",
    path: "/api/stacks/:name/logs",
    tag: "owner",
    access: "owner",
    summary: "The newest Dokploy deploy log and the container's recent output, secrets scrubbed",
    params: nameParam,
    query: { lines: { description: "How many lines, 1 to 1000 (default 100)", schema: logLinesParam } },
    answers: {
      200: { description: "The logs", schema: "StackLogs", headers: noStore },
      400: { description: "`lines` is not a whole number from 1 to 1000", codes: ["invalid_request"] },
      ...liveStack,
    },
    handler:
      ({ operations }: Deps) =>
      async (c) => {
        const lines = logLinesParam.safeParse(c.req.query("lines") ?? "100");
        if (!lines.success) return problem(c, 400, "invalid_request", "lines must be a whole number from 1 to 1000");
        return answer(c, await operations.logs(c.req.param("name"), requestCredentials(c), lines.data), (r) => r.logs);
      },
  }),
  ...OPERATION_KINDS.map(operation),
  route({
    method: "get",
    path: "/api/stacks/:name/keys",
    tag: "owner",
    access: "owner",
    summary: "Which model providers have an API key in the stack, by their last four characters (never the key)",
    params: nameParam,
    answers: {
      200: { description: "The providers and whether each has a key", schema: "ModelKeys", headers: noStore },
      ...liveStack,
      409: { description: "The stack has no application yet", codes: ["stack_not_ready"] },
      503: { description: "Dokploy could not be read", codes: ["dokploy_unavailable"] },
    },
    handler:
      ({ operations }: Deps) =>
      async (c) => {
        return answer(
          c,
          await operations.modelKeys(c.req.param("name"), requestCredentials(c)),
          (r) => ({ name: r.name, providers: r.providers, agents: r.agents }) satisfies ModelKeysBody,
        );
      },
  }),
  route({
    method: "get",
    path: "/api/stacks/:name/models",
    tag: "owner",
    access: "owner",
    summary: "The models the stack's OpenCode offers now (its keys' providers and the free ones), to choose one per agent",
    description: "Asked of the running stack's OpenCode (`/config/providers`), with its own credentials; only each model's id and names.",
    params: nameParam,
    answers: {
      200: { description: "The models", schema: "OfferedModels", headers: noStore },
      ...liveStack,
      503: { description: "The stack's OpenCode did not answer (stopped, starting)", codes: ["stack_unreachable"] },
    },
    handler:
      ({ operations }: Deps) =>
      async (c) => {
        return answer(
          c,
          await operations.models(c.req.param("name"), requestCredentials(c)),
          (r) => ({ name: r.name, models: r.models }) satisfies OfferedModelsBody,
        );
      },
  }),
  route({
    method: "get",
    path: "/api/stacks/:name/backups",
    tag: "owner",
    access: "owner",
    summary: "The stack's backup files to restore from (scheduled ones and safety copies), newest first",
    description: "Read from Dokploy's destination each time. `file` is what `POST /api/stacks/:name/restore` takes.",
    params: nameParam,
    answers: {
      200: { description: "The files", schema: "StackBackups", headers: noStore },
      ...liveStack,
      409: { description: "This portal keeps no backups, or none can reach the stack's server", codes: ["backups_off", "backups_out_of_reach"] },
      503: { description: "Dokploy could not list them", codes: ["dokploy_unavailable"] },
    },
    handler:
      ({ operations }: Deps) =>
      async (c) => {
        return answer(
          c,
          await operations.backups(c.req.param("name"), requestCredentials(c)),
          (r) => ({ name: r.name, files: r.files }) satisfies StackBackupsBody,
        );
      },
  }),
  route({
    method: "post",
    path: "/api/stacks/:name/keep-awake",
    tag: "owner",
    access: "owner",
    limit: { budget: "operations" },
    summary: "Keep a running stack from its idle stop until a time (IDLE_KEEP_AWAKE_MAX at most)",
    description:
      "`hours` absent: IDLE_KEEP_AWAKE_MAX from now; `0`: no longer kept awake. The details' `idle` then says `kept_awake` until `keepAwakeUntil`. A stop ends it.",
    params: nameParam,
    body: keepAwakeRequest,
    bodyOptional: true,
    answers: {
      200: { description: "Kept awake until `keepAwakeUntil` (null: no longer)", schema: "KeepAwake", headers: noStore },
      400: { description: "Not JSON, or `hours` beyond IDLE_KEEP_AWAKE_MAX", codes: ["invalid_json", "invalid_request"] },
      ...liveStack,
      409: { description: "The stack is not running, or this portal does not stop idle stacks", codes: ["stack_not_running", "keep_awake_off"] },
      415: notJson,
    },
    handler:
      ({ operations }: Deps) =>
      async (c) => {
        const body = await ownerBody(c, (ctx) => operations.mayOperate(c.req.param("name"), ctx, "operate"), keepAwakeRequest, { hours: undefined });
        if (body instanceof Response) return body;
        const result = operations.keepAwake(c.req.param("name"), requestCredentials(c), body.value.hours);
        if (!result.ok) return refuse(c, result.code, result.message);
        c.header("Cache-Control", "no-store");
        return c.json({ name: result.name, keepAwakeUntil: result.keepAwakeUntil } satisfies KeepAwakeBody);
      },
  }),
  route({
    method: "post",
    path: "/api/stacks/:name/claim",
    tag: "owner",
    access: "claim",
    limit: { budget: "operations" },
    summary: "AUTH_MODE=oidc: take over a stack made before sign-in, with its management token",
    description: "Needs both a session and `Authorization: Bearer <the stack's management token>`.",
    params: nameParam,
    answers: {
      200: { description: "Claimed", schema: "Claimed" },
      ...liveStack,
      409: { description: "Owned already, or the person's stack limit is reached", codes: ["already_owned", "user_stack_limit"] },
    },
    handler: ({ auth, stacks }: { auth: Auth | null; stacks: StackService }) =>
      auth
        ? (c) => {
            const result = stacks.ownership.claim(c.req.param("name"), requestCredentials(c));
            if (!result.ok) return refused(c, result.code, result.message);
            return c.json({ name: result.name, owned: true } satisfies ClaimedBody);
          }
        : null,
  }),
];
