/** The portal's API as the page uses it (same origin). Errors come back as stable codes. */
// The answers' types are the server's own (type-only imports: nothing of it reaches the bundle).
import type { Availability } from "../src/stacks/deploy/availability.ts";
import type { Stack } from "../src/stacks/model/vocabulary.ts";
import type { ReconcileReport } from "../src/stacks/upkeep/reconcile.ts";
import type { DeploymentSnapshot, StepSnapshot } from "../src/stacks/model/snapshot.ts";
import type { StackWithHistory } from "../src/stacks/fleet/stack-list.ts";
import type {
  DeleteAcceptedBody,
  DeployAcceptedBody,
  DeploymentReportBody,
  InfoBody,
  RolloutPlanBody,
  AdminStackChangesBody,
  AuditPageBody,
} from "../src/http/responses.ts";

export type { ReconcileReport };

export type StepState = StepSnapshot["state"];

export type CheckResult = Availability;

/** managementToken is absent with sign-in on (AUTH_MODE=oidc): the signed-in owner needs none. */
export type DeployAccepted = DeployAcceptedBody;
export type DeleteAccepted = DeleteAcceptedBody;

export interface ApiError {
  code: string;
  message?: string;
  /** Seconds to wait, from a 429's Retry-After. */
  retryAfter?: number;
  /** A 429's budget, from its RateLimit-Policy ("3;w=600"): so many per so many seconds. */
  policy?: { limit: number; windowSeconds: number };
  /** A 409 operation_in_progress: the running operation, to follow instead. */
  deploymentId?: string;
}

export type Snapshot = DeploymentSnapshot;

export type Result<T> = { ok: true; value: T } | { ok: false; status: number; error: ApiError };

export async function call<T>(path: string, init: RequestInit = {}): Promise<Result<T>> {
  let res: Response;
  try {
    res = await fetch(path, { ...init, headers: { accept: "application/json", ...init.headers }, cache: "no-store" });
  } catch (err) {
    if (err instanceof DOMException && err.name === "AbortError") throw err;
    return { ok: false, status: 0, error: { code: "network" } };
  }
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    // Not JSON: a proxy's error page, say.
  }
  if (res.ok && body !== null) return { ok: true, value: body as T };
  const error = (body as { error?: ApiError } | null)?.error;
  const retryAfter = Number.parseInt(res.headers.get("retry-after") ?? "", 10);
  const policy = /^(\d+);w=(\d+)$/.exec(res.headers.get("ratelimit-policy") ?? "");
  return {
    ok: false,
    status: res.status,
    error: {
      ...(error?.code ? error : { code: res.status >= 500 ? "internal" : "unknown" }),
      ...(res.status === 429 && retryAfter > 0 ? { retryAfter } : {}),
      ...(res.status === 429 && policy ? { policy: { limit: Number(policy[1]), windowSeconds: Number(policy[2]) } } : {}),
    },
  };
}

export function checkName(name: string, signal?: AbortSignal): Promise<Result<CheckResult>> {
  return call<CheckResult>(`/api/check/${encodeURIComponent(name)}`, { signal });
}

export function deploy(name: string, token?: string): Promise<Result<DeployAccepted>> {
  return call<DeployAccepted>("/api/deploy", {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ name }),
  });
}

export function deleteStack(name: string, token: string): Promise<Result<DeleteAccepted>> {
  return call<DeleteAccepted>(`/api/stack/${encodeURIComponent(name)}`, {
    method: "DELETE",
    headers: bearer(token),
  });
}

export interface Access {
  name: string;
  status: string;
  url: string;
  actor: "management" | "admin";
  readyAt: string | null;
}

/** Does this token manage this live stack? Read-only: nothing changes. */
export function access(name: string, token: string): Promise<Result<Access>> {
  return call<Access>(`/api/stacks/${encodeURIComponent(name)}/access`, { headers: bearer(token) });
}

export type PortalInfo = InfoBody;

export function info(): Promise<Result<PortalInfo>> {
  return call<PortalInfo>("/api/info");
}

export type DeploymentReport = DeploymentReportBody;

/** With the stack's (or the admin's) token it also says what the readiness probe saw. */
export function report(id: string, token?: string | null): Promise<Result<DeploymentReport>> {
  return call<DeploymentReport>(`/api/deployments/${encodeURIComponent(id)}/report`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
}

/** The scrubbed tail of Dokploy's deploy log: the stack's management token (or the admin's) only. */
export function logTail(id: string, token: string): Promise<Result<{ lines: string[] }>> {
  return call<{ lines: string[] }>(`/api/deployments/${encodeURIComponent(id)}/log`, { headers: { authorization: `Bearer ${token}` } });
}

export function snapshot(id: string): Promise<Result<Snapshot>> {
  return call<Snapshot>(`/api/deployments/${encodeURIComponent(id)}`);
}

export function eventsUrl(id: string, lastEventId = 0): string {
  const base = `/api/deployments/${encodeURIComponent(id)}/events`;
  return lastEventId > 0 ? `${base}?lastEventId=${lastEventId}` : base;
}

// ---------------------------------------------------------------------------------------
// Admin (Authorization: Bearer <admin token>)

export type StackStatus = Stack["status"];

export type StackInfo = StackWithHistory;

/**
 * Stands for "no token: the session cookie of the person signed in" (AUTH_MODE=oidc: an admin
 * through one of OIDC_ADMIN_GROUPS, or a stack's owner); no Authorization header is sent for it.
 */
export const SESSION_ADMIN = "(signed-in admin)";

export const bearer = (token: string): Record<string, string> => (token === SESSION_ADMIN ? {} : { authorization: `Bearer ${token}` });

export type AdminStackChanges = AdminStackChangesBody;
export type AuditPage = AuditPageBody;

/** The admin's live list (SSE; read with fetch and `bearer`, see admin-live.ts). */
export const stackEventsUrl = (all: boolean): string => `/api/admin/stack-events${all ? "?all=true" : ""}`;

/** A stack operation an admin may start from the list (the owner's API; the admin token counts as the owner's). */
export function operateStack(token: string, name: string, kind: "stop" | "start" | "restart"): Promise<Result<{ deploymentId: string | null }>> {
  return call<{ deploymentId: string | null }>(`/api/stacks/${encodeURIComponent(name)}/${kind}`, { method: "POST", headers: bearer(token) });
}

export interface AuditQuery {
  stack?: string;
  action?: string;
  actor?: string;
}

/** A page of the audit log, newest first (`next`: the path of the following page, filters kept). */
export function auditPage(token: string, query: AuditQuery | string): Promise<Result<AuditPage>> {
  const path =
    typeof query === "string"
      ? query
      : `/api/admin/audit?${new URLSearchParams(Object.entries(query).filter((e): e is [string, string] => Boolean(e[1])))}`;
  return call<AuditPage>(path, { headers: bearer(token) });
}

/** Live stacks (with `all`, the failed and deleted ones too), each with its latest deployment. */
export function listStacks(token: string, all = false): Promise<Result<{ stacks: StackInfo[]; nameQuarantineDays: number }>> {
  return call<{ stacks: StackInfo[]; nameQuarantineDays: number }>(all ? "/api/admin/stacks?all=true" : "/api/admin/stacks", {
    headers: bearer(token),
  });
}

export function reconcileReport(token: string): Promise<Result<{ report: ReconcileReport | null }>> {
  return call<{ report: ReconcileReport | null }>("/api/admin/reconcile", { headers: bearer(token) });
}

/** A dry run reports what is out of step and changes nothing; `apply` cleans it up. */
export function runReconcile(token: string, apply = false): Promise<Result<{ report: ReconcileReport }>> {
  return call<{ report: ReconcileReport }>("/api/admin/reconcile", {
    method: "POST",
    headers: { ...bearer(token), "content-type": "application/json" },
    body: JSON.stringify({ apply }),
  });
}

/** An image rollout as GET /api/admin/rollouts/:id shows it. */
export type RolloutView = import("../src/stacks/rollout/rollout-model.ts").RolloutView;
export type RolloutSummary = RolloutView["rollout"];

export function listRollouts(token: string): Promise<Result<{ rollouts: RolloutSummary[] }>> {
  return call<{ rollouts: RolloutSummary[] }>("/api/admin/rollouts", { headers: bearer(token) });
}

export function rollout(token: string, id: string): Promise<Result<RolloutView>> {
  return call<RolloutView>(`/api/admin/rollouts/${encodeURIComponent(id)}`, { headers: bearer(token) });
}

export type RolloutPlan = RolloutPlanBody;

/** What a rollout of `image` (default STACK_IMAGE) would do now: read-only. */
export function rolloutPlan(token: string, image?: string): Promise<Result<RolloutPlan>> {
  return call<RolloutPlan>(`/api/admin/rollout-plan${image ? `?image=${encodeURIComponent(image)}` : ""}`, { headers: bearer(token) });
}

export function startRollout(token: string, body: { image?: string; batchSize: number; maxFailures: number }): Promise<Result<RolloutView>> {
  return call<RolloutView>("/api/admin/rollouts", {
    method: "POST",
    headers: { ...bearer(token), "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

export function changeRollout(token: string, id: string, action: "pause" | "resume" | "cancel"): Promise<Result<RolloutView>> {
  return call<RolloutView>(`/api/admin/rollouts/${encodeURIComponent(id)}/${action}`, { method: "POST", headers: bearer(token) });
}

/** Capacity at a glance (GET /api/admin/capacity): the fleet, and per node when Dokploy can say. */
export type CapacityReport = import("../src/stacks/fleet/capacity.ts").CapacityReport;

export function capacity(token: string): Promise<Result<CapacityReport>> {
  return call<CapacityReport>("/api/admin/capacity", { headers: bearer(token) });
}
