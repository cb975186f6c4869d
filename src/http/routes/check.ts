import { type Context, Hono } from "hono";
import { sameOwner } from "../../stacks/owners/person.ts";
import type { AvailabilityIndex } from "../../stacks/deploy/availability.ts";
import type { AppEnv } from "../env.ts";
import { securedJson } from "../security.ts";

const PREFIX = "/api/check/";

/** The raw name from the path: any bytes, including slashes, newlines and broken escapes. */
function nameFromPath(url: string): string {
  const path = new URL(url).pathname;
  const raw = path.startsWith(PREFIX) ? path.slice(PREFIX.length) : "";
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/**
 * GET /api/check/:name: always 200 with a verdict, whatever the input. A name held after a
 * delete is available to its signed-in owner (AUTH_MODE=oidc).
 */
export function checkRoutes(availability: AvailabilityIndex) {
  const handler = async (c: Context<AppEnv>) => {
    const person = c.get("person");
    const mine = person
      ? { quarantineToken: (_hash: string, owner: { issuer: string; subject: string } | null) => owner !== null && sameOwner(owner, person) }
      : {};
    return securedJson(await availability.check(nameFromPath(c.req.url), mine));
  };
  return new Hono<AppEnv>().get("/api/check", handler).get("/api/check/*", handler);
}
