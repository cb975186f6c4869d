import type { MiddlewareHandler } from "hono";
import type { Logger } from "../log.ts";
import { type AppEnv, lazyChild } from "./env.ts";
import { problem } from "./problem.ts";
import { secretEquals } from "../stacks/owners/secrets.ts";

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Successful reads that monitoring and the page repeat all day: logged at debug only. */
const QUIET = /^\/(health|metrics|assets\/|api\/check(\/|$))/;

/** A request id on every log line and in X-Request-Id; one access line per request. */
export function requestContext(log: Logger, clients: { proxyHops: number; ipv6Prefix: number }): MiddlewareHandler<AppEnv> {
  const { proxyHops, ipv6Prefix } = clients;
  return async (c, next) => {
    const given = c.req.header("x-request-id");
    const requestId = given && REQUEST_ID.test(given) ? given : crypto.randomUUID();
    c.set("requestId", requestId);
    c.set("log", lazyChild(log, { requestId }));
    // The client address is looked up when first asked for (clientOf): most requests never do.
    c.set("proxyHops", proxyHops);
    c.set("ipv6Prefix", ipv6Prefix);
    const started = performance.now();
    await next();
    // Set once, on whatever response came back (errors and streams included), on its own
    // headers: c.header() on a finished response would copy the whole Response first.
    c.res.headers.set("X-Request-Id", requestId);
    const status = c.res.status;
    // The level test first: at the usual "warn" a successful request costs no regex or path parse.
    if (status < 500 && !log.isLevelEnabled("info") && !log.isLevelEnabled("debug")) return;
    const level = status >= 500 ? "error" : status < 400 && c.req.method === "GET" && QUIET.test(c.req.path) ? "debug" : "info";
    if (log.isLevelEnabled(level))
      log[level]({ requestId, method: c.req.method, path: c.req.path, status, ms: Math.round(performance.now() - started) }, "request");
  };
}

/** Authorization: Bearer <token>, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1];
}

/** Whether the request carries the admin token (constant-time). */
export function isAdminRequest(authorization: string | undefined, adminToken: string | undefined): boolean {
  const bearer = bearerToken(authorization);
  return bearer !== undefined && adminToken !== undefined && secretEquals(bearer, adminToken);
}

/**
 * Lets a request through only with `Authorization: Bearer <token>`: 401 without credentials,
 * 403 with wrong ones (constant-time). No token configured means nobody gets in.
 * With `signedInAdmin`, a person signed in through one of OIDC_ADMIN_GROUPS is let in too.
 */
export function requireToken(token: string | undefined, realm: string, opts: { signedInAdmin?: boolean } = {}): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (opts.signedInAdmin && c.get("person")?.admin) return next();
    const bearer = bearerToken(c.req.header("authorization"));
    if (!bearer) return problem(c, 401, "unauthorized", `This needs the ${realm} token`, { "WWW-Authenticate": `Bearer realm="${realm}"` });
    if (!token || !secretEquals(bearer, token)) return problem(c, 403, "forbidden", `That is not the ${realm} token`);
    await next();
  };
}
