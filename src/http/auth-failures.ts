import { clientOf } from "./client-address.ts";
import type { Context, MiddlewareHandler } from "hono";
import { now } from "../stacks/saga.ts";
import type { AuditRepo } from "../store/audit.ts";
import type { AppEnv } from "./env.ts";
import { type Limit, limitPerClient } from "./rate-limits.ts";

const failed = (c: Context<AppEnv>) => c.res.status === 401 || c.res.status === 403;

/**
 * Guessing tokens costs: every 401/403 on a guarded route counts against the client's
 * RATE_LIMIT_AUTH budget, and once it is spent every guarded request gets 429, the right
 * token included (else the limit would not slow guessing). Each failure is audited; a
 * failed delete is already audited by the delete itself.
 */
export function authFailureGuard(limit: Limit, audit: AuditRepo, onLimited: (name: string) => void): MiddlewareHandler<AppEnv> {
  const limiter = limitPerClient("auth", limit, onLimited, { counts: failed });
  return async (c, next) => {
    const limited = await limiter(c, next);
    if (limited) return limited;
    if (!failed(c) || c.req.method === "DELETE") return;
    audit.record({
      at: now(),
      action: "auth_failed",
      stackName: null,
      deploymentId: null,
      client: clientOf(c),
      actor: "anonymous",
      outcome: c.res.status === 401 ? "unauthorized" : "forbidden",
      // The path is user input: cut short.
      detail: { method: c.req.method, path: c.req.path.slice(0, 100) },
    });
  };
}
