import { clientOf } from "./client-address.ts";
import type { Context, MiddlewareHandler } from "hono";
import type { Auth } from "../auth/index.ts";
import { readCookie } from "../auth/cookies.ts";
import type { RequestContext } from "../stacks/owners/access.ts";
import type { AppEnv } from "./env.ts";
import { bearerToken } from "./middleware.ts";
import { problem, statusFor } from "./problem.ts";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * AUTH_MODE=oidc: finds the person behind the session cookie, and refuses changes sent with
 * that cookie from another site. The browser says where a request comes from in
 * `Sec-Fetch-Site` (all current browsers) or at least `Origin`; a request with the cookie
 * and neither header is not a browser's, so it cannot be a cross-site forgery.
 */
export function sessionMiddleware(auth: Auth): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const id = readCookie(c.req.header("cookie"), auth.cookies.session);
    if (id === undefined) return next();
    if (!SAFE_METHODS.has(c.req.method) && crossSite(c, auth.publicOrigin))
      return problem(c, 403, "cross_site_request", "Changes are accepted only from the portal's own page");
    const found = auth.sessions.lookup(id);
    if (found.state === "active") {
      c.set("person", found.person);
      c.set("sessionId", id);
    } else c.set("sessionExpired", true);
    return next();
  };
}

function crossSite(c: Context<AppEnv>, publicOrigin: string): boolean {
  const site = c.req.header("sec-fetch-site");
  if (site !== undefined) return site !== "same-origin";
  const origin = c.req.header("origin");
  return origin !== undefined && origin !== publicOrigin;
}

/** The credentials of a request, for the stacks service. */
export function requestCredentials(c: Context<AppEnv>): RequestContext {
  return { bearer: bearerToken(c.req.header("authorization")), person: c.get("person"), client: clientOf(c) };
}

/**
 * A refused request in the portal's error format. Someone whose session just ended is told
 * so (`session_expired`), rather than to sign in as if they never had.
 */
export function refused(c: Context<AppEnv>, code: string, message: string): Response {
  if ((code === "sign_in_required" || code === "unauthorized") && c.get("sessionExpired") && !c.req.header("authorization"))
    return problem(c, 401, "session_expired", "Your session has ended; sign in again");
  const headers: Record<string, string> = code === "unauthorized" ? { "WWW-Authenticate": 'Bearer realm="stack"' } : {};
  return problem(c, statusFor(code), code, message, headers);
}
