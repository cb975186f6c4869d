import { Hono } from "hono";
import type { AvailabilityIndex } from "../../stacks/availability.ts";
import type { AppEnv } from "../env.ts";

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

/** GET /api/check/:name: always 200 with a verdict, whatever the input. */
export function checkRoutes(availability: AvailabilityIndex) {
  const handler = async (c: { req: { url: string }; json: (v: unknown) => Response }) => c.json(await availability.check(nameFromPath(c.req.url)));
  return new Hono<AppEnv>().get("/api/check", handler).get("/api/check/*", handler);
}
