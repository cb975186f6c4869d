import { isIP } from "node:net";
import type { Context } from "hono";
import type { AppEnv } from "./env.ts";
import { getConnInfo } from "hono/bun";

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
    return getConnInfo(c).remote.address ?? "unknown";
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
