import { isIP } from "node:net";
import type { Context } from "hono";
import type { Server } from "bun";
import type { AppEnv } from "./env.ts";
import { budgetKeyOf } from "./address-prefix.ts";

/**
 * The client's address. Behind `hops` trusted proxies (TRUST_PROXY), each proxy appends the
 * address it saw to X-Forwarded-For, so the client is the hops-th entry from the right:
 * anything further left was written by the client itself and proves nothing. An entry that
 * is not an IP address, or a header too short for the hops, means the socket address.
 */
export function clientAddress(c: Context, hops: number): string {
  if (hops > 0) {
    const entries = (c.req.header("x-forwarded-for") ?? "").split(",");
    const candidate = entries.length >= hops ? entries[entries.length - hops]?.trim() : undefined;
    if (candidate && isIP(candidate)) return candidate;
  }
  try {
    return socketAddress(c) ?? "unknown";
  } catch {
    return "unknown";
  }
}

/** The request's client address (requestContext's TRUST_PROXY hops), looked up once. */
export function clientOf(c: Context<AppEnv>): string {
  let client = c.get("client");
  if (client === undefined) {
    client = clientAddress(c, c.get("proxyHops") ?? 0);
    c.set("client", client);
  }
  return client;
}

/** Whose budget a request spends: its client address, an IPv6 client's by its network (RATE_LIMIT_IPV6_PREFIX). */
export function budgetKey(c: Context<AppEnv>): string {
  return budgetKeyOf(clientOf(c), c.get("ipv6Prefix") ?? 64);
}

/**
 * The socket's address from the Bun server that Bun.serve passes as the app's env, read as
 * hono/bun's getConnInfo does. Not imported from hono/bun (why: cold start): that module also
 * loads Hono's static-file, SSG and WebSocket helpers, ~5 ms at every start.
 */
function socketAddress(c: Context): string | undefined {
  const env = c.env as Server<unknown> | { server: Server<unknown> };
  const server = "server" in env ? env.server : env;
  if (typeof server.requestIP !== "function") throw new TypeError("server.requestIP is not a function");
  return server.requestIP(c.req.raw)?.address;
}
