import { budgetKey } from "./client-address.ts";
import type { Context, MiddlewareHandler } from "hono";
import { MemoryStore, rateLimiter } from "hono-rate-limiter";
import type { AppEnv } from "./env.ts";
import { problem } from "./problem.ts";

export type Limit = { limit: number; windowMs: number } | null;

export interface LimitOptions {
  /** Requests that pass without touching the budget (the admin token). */
  exempt?: (c: Context<AppEnv>) => boolean;
  /** Only answers this accepts use up the budget (e.g. accepted deploys, failed logins). */
  counts?: (c: Context<AppEnv>) => boolean;
  /** What the budget counts, for the 429's message, given the limit in words (default "Too many requests"). */
  what?: (limit: string) => string;
  /**
   * An answer that used up the budget, with the way to give its use back later (a deploy that
   * then failed through the platform's fault): a no-op once the window it counted in is over.
   */
  onCounted?: (c: Context<AppEnv>, giveBack: () => void) => void;
}

/** "3 per 10 min": a limit in words. */
function describeLimit(limit: NonNullable<Limit>): string {
  const s = Math.round(limit.windowMs / 1000);
  const window = s % 3600 === 0 ? `${s / 3600} h` : s % 60 === 0 ? `${s / 60} min` : `${s} s`;
  return `${limit.limit} per ${window}`;
}

/**
 * A per-client limit (the client address comes from requestContext, which trusts
 * X-Forwarded-For only behind a configured proxy; an IPv6 client counts by its network).
 * Over the limit: 429 with Retry-After.
 */
export function limitPerClient(name: string, limit: Limit, onLimited?: (name: string) => void, opts: LimitOptions = {}): MiddlewareHandler<AppEnv> {
  if (!limit) return async (_c, next) => next();
  // Each limit keeps its count under its own name: a request can pass two (a delete: failed
  // sign-ins, then deletes), and each reads back its own.
  const property = `rateLimit:${name}`;
  const infoOf = (c: Context<AppEnv>) => (c.get as (key: string) => { limit: number; remaining: number; resetTime?: Date } | undefined)(property);
  // Our own store, so that a use can be given back after the answer (MemoryStore.decrement).
  const store = new MemoryStore<AppEnv>();
  const limiter = rateLimiter<AppEnv>({
    store,
    requestPropertyName: property,
    windowMs: limit.windowMs,
    limit: limit.limit,
    // Written below, on the answer itself: the limiter's own go to Hono's prepared headers,
    // which an answer built as a Response (securedJson) does not carry.
    standardHeaders: false,
    keyGenerator: budgetKey,
    ...(opts.exempt ? { skip: opts.exempt } : {}),
    // The count is taken up front (so concurrent requests see each other) and given back
    // afterwards when the answer does not count.
    ...(opts.counts ? { skipFailedRequests: true, requestWasSuccessful: opts.counts } : {}),
    handler: (c) => {
      onLimited?.(name);
      const info = infoOf(c);
      const retryAfter = Math.max(1, Math.ceil(((info?.resetTime?.getTime() ?? Date.now() + limit.windowMs) - Date.now()) / 1000));
      return problem(c, 429, "rate_limited", `${opts.what?.(describeLimit(limit)) ?? "Too many requests"}; try again in ${retryAfter} s`, {
        "Retry-After": String(retryAfter),
      });
    },
  });
  const policy = `${limit.limit};w=${Math.ceil(limit.windowMs / 1000)}`;
  return async (c, next) => {
    // Two routes of one budget can match one request (/api/check and /api/check/*): it pays once.
    if (infoOf(c)) return next();
    const refused = await limiter(c, next);
    const info = infoOf(c);
    if (!info) return refused;
    if (!refused && opts.onCounted && (opts.counts?.(c) ?? true)) {
      const key = budgetKey(c);
      const window = store.get(key)?.resetTime?.getTime();
      opts.onCounted(c, () => {
        // Only within the window it was counted in: a later one starts from nothing anyway.
        if (window !== undefined && store.get(key)?.resetTime?.getTime() === window) store.decrement(key);
      });
    }
    const headers = (refused ?? c.res).headers;
    // The IETF draft 6 RateLimit headers, as hono-rate-limiter writes them; of two limits on
    // one request, the inner one (the more specific: deletes within failed sign-ins) is shown.
    if (!headers.has("RateLimit-Policy")) {
      headers.set("RateLimit-Policy", policy);
      headers.set("RateLimit-Limit", String(info.limit));
      headers.set("RateLimit-Remaining", String(info.remaining));
      const reset = info.resetTime ? Math.max(0, Math.ceil((info.resetTime.getTime() - Date.now()) / 1000)) : 0;
      if (reset) headers.set("RateLimit-Reset", String(reset));
    }
    return refused;
  };
}
