/**
 * The owner's part of the portal's API, as the "Your stack" view uses it: details, logs and
 * the operations. Authorised by the stack's management token, or with sign-in on
 * (AUTH_MODE=oidc) by the session cookie alone (no token: no Authorization header).
 */
// The answers' types are the server's own (type-only imports: nothing of it reaches the bundle).
import type { StackDetails } from "../src/stacks/operations/details.ts";
import type { ModelKeysBody, OfferedModelsBody, SharesBody, StackBackupsBody } from "../src/http/responses.ts";
import type { OperationKind } from "../src/stacks/model/steps.ts";
import { type Result, call } from "./api.ts";

export type { StackDetails };
/** GET /api/stacks/:name/logs (the server's type loses these fields in its closures). */
export interface StackLogs {
  deploy: { dokployDeploymentId: string; status: string | null; createdAt: string; lines: string[] } | null;
  deployError: string | null;
  container: { lines: string[] } | null;
  containerError: string | null;
}
export type { OperationKind };

export interface OperationAccepted {
  deploymentId: string;
  name: string;
  operation: OperationKind;
  /** A new password: shown only here, like the first one. */
  credentials?: { username: string; password: string };
}

export interface NothingToDo {
  deploymentId: null;
  nothingToDo: true;
  operation: OperationKind;
}

const auth = (token: string | null): Record<string, string> => (token ? { authorization: `Bearer ${token}` } : {});
const path = (name: string, what: string) => `/api/stacks/${encodeURIComponent(name)}/${what}`;

export function details(name: string, token: string | null): Promise<Result<StackDetails>> {
  return call<StackDetails>(path(name, "details"), { headers: auth(token) });
}

export function logs(name: string, token: string | null, lines = 100): Promise<Result<StackLogs>> {
  return call<StackLogs>(`${path(name, "logs")}?lines=${lines}`, { headers: auth(token) });
}

/** 202 with a deployment to follow, 200 when there is nothing to do, 409 with the running one's id. */
export function operate(kind: OperationKind, name: string, token: string | null): Promise<Result<OperationAccepted | NothingToDo>> {
  return call<OperationAccepted | NothingToDo>(path(name, kind), { method: "POST", headers: auth(token) });
}

/** Keeps a running stack from its idle stop for IDLE_KEEP_AWAKE_MAX (no body: the most the portal allows). */
export function keepAwake(name: string, token: string | null): Promise<Result<{ name: string; keepAwakeUntil: string | null }>> {
  return call<{ name: string; keepAwakeUntil: string | null }>(path(name, "keep-awake"), { method: "POST", headers: auth(token) });
}

/** Which providers have a key in the stack, by their last four characters, and each agent's model (GET /api/stacks/:name/keys). */
export type ModelKeys = ModelKeysBody;
/** The models the stack's OpenCode offers now (GET /api/stacks/:name/models). */
export type OfferedModels = OfferedModelsBody;

export function offeredModels(name: string, token: string | null): Promise<Result<OfferedModels>> {
  return call<OfferedModels>(path(name, "models"), { headers: auth(token) });
}

export function modelKeys(name: string, token: string | null): Promise<Result<ModelKeys>> {
  return call<ModelKeys>(path(name, "keys"), { headers: auth(token) });
}

/** A key to set, or null to remove it, per provider, and a model (null: the free default) per agent; 202 with the redeploy to follow. */
export function setModelKeys(
  name: string,
  token: string | null,
  body: { keys?: Record<string, string | null>; models?: Record<string, string | null> },
): Promise<Result<OperationAccepted>> {
  return call<OperationAccepted>(path(name, "keys"), {
    method: "POST",
    headers: { ...auth(token), "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

/** GET /api/stacks/:name/backups: the files a restore may bring back, newest first. */
export type StackBackups = StackBackupsBody;

export function backups(name: string, token: string | null): Promise<Result<StackBackups>> {
  return call<StackBackups>(path(name, "backups"), { headers: auth(token) });
}

/** 202 with the restore to follow (a safety copy, stop, restore, start). */
export function restore(name: string, token: string | null, file: string): Promise<Result<OperationAccepted>> {
  return call<OperationAccepted>(path(name, "restore"), {
    method: "POST",
    headers: { ...auth(token), "content-type": "application/json" },
    body: JSON.stringify({ file }),
  });
}

/** GET /api/stacks/:name/shares (the owner's, with sign-in on). */
export type Shares = SharesBody;

export function shares(name: string): Promise<Result<Shares>> {
  return call<Shares>(path(name, "shares"));
}

export function share(name: string, body: { email: string; role: string } | { group: string; role: string }): Promise<Result<unknown>> {
  return call<unknown>(path(name, "shares"), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
}

export function unshare(name: string, id: number): Promise<Result<unknown>> {
  return call<unknown>(path(name, `shares/${id}`), { method: "DELETE" });
}
