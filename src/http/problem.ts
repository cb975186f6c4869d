import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { ErrorBody } from "./responses.ts";

/** The portal's one error format: `{"error": {"code", "message"}}` with a stable code. */
export function problem(c: Context, status: ContentfulStatusCode, code: string, message: string, headers?: Record<string, string>) {
  return c.json({ error: { code, message } } satisfies ErrorBody, status, headers);
}

/** HTTP status for each domain code the stacks layer returns. */
const STATUS: Record<string, ContentfulStatusCode> = {
  taken: 409,
  recently_deleted: 409,
  unauthorized: 401,
  forbidden: 403,
  owner_only: 403,
  share_limit: 409,
  backups_off: 409,
  backups_out_of_reach: 409,
  backup_not_found: 404,
  stack_unreachable: 503,
  not_found: 404,
  capacity_reached: 503,
  no_capacity: 409,
  dokploy_unavailable: 503,
  confirmation_required: 409,
  node_unavailable: 409,
  node_down: 409,
  node_drained: 409,
  idempotency_key_reused: 422,
  stack_deleted: 410,
  operation_in_progress: 409,
  stack_not_ready: 409,
  sign_in_required: 401,
  session_expired: 401,
  user_stack_limit: 409,
  already_owned: 409,
  stack_not_running: 409,
  keep_awake_off: 409,
};

export function statusFor(code: string): ContentfulStatusCode {
  return STATUS[code] ?? 400;
}
