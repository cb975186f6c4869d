import type { Context, MiddlewareHandler } from "hono";
import type { AuditTrail } from "../stacks/owners/audit-trail.ts";
import { MemoryStore } from "hono-rate-limiter";
import { budgetKey, clientOf } from "./client-address.ts";
import type { AppEnv } from "./env.ts";
import { problem } from "./problem.ts";
import type { Limit } from "./rate-limits.ts";

const failed = (c: Context<AppEnv>) => c.res.status === 401 || c.res.status === 403;

/**
 * Guessing tokens costs, on every route of the API at once (mounted on /api/* and /metrics,
 * so a route added later cannot forget it): every 401/403 answer counts against the
 * client's RATE_LIMIT_AUTH budget and is audited as `auth_failed` (a delete audits its own).
 * Once the budget is spent every request that presents credentials (an Authorization
 * header) gets 429, the right token included, else the limit would not slow guessing.
 * A request presenting credentials takes its count up front, so that concurrent guesses see
 * each other, and gives it back when it was not refused; one without (a 401 at most, nothing
 * guessed) adds its count afterwards and costs nothing when it passes.
 */
export function authFailureGuard(limit: Limit, audit: AuditTrail, onLimited: (name: string) => void): MiddlewareHandler<AppEnv> {
  const store = new MemoryStore<AppEnv>();
  if (limit) store.init({ windowMs: limit.windowMs } as Parameters<typeof store.init>[0]);
  return async (c, next) => {
    const presents = c.req.header("authorization") !== undefined;
    if (limit && presents) {
      const hit = store.increment(budgetKey(c));
      if (hit.totalHits > limit.limit) {
        onLimited("auth");
        const retryAfter = Math.max(1, Math.ceil(((hit.resetTime?.getTime() ?? Date.now() + limit.windowMs) - Date.now()) / 1000));
        return problem(c, 429, "rate_limited", `Too many failed sign-ins; try again in ${retryAfter} s`, { "Retry-After": String(retryAfter) });
      }
    }
    await next();
    if (!failed(c)) {
      if (limit && presents) store.decrement(budgetKey(c));
      return;
    }
    if (limit && !presents) store.increment(budgetKey(c));
    if (c.req.method === "DELETE") return;
    audit.record({
      action: "auth_failed",
      stackName: null,
      actor: "anonymous",
      outcome: c.res.status === 401 ? "unauthorized" : "forbidden",
      // The path is user input: cut short.
      detail: { method: c.req.method, path: c.req.path.slice(0, 100) },
      ctx: { client: clientOf(c) },
    });
  };
}
