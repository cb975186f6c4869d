import type { Context } from "hono";
import { z } from "zod";
import { sameOwner } from "../../stacks/owners/person.ts";
import type { AvailabilityIndex } from "../../stacks/deploy/availability.ts";
import type { AppEnv } from "../env.ts";
import { rateLimited } from "../answers.ts";
import { route } from "../route.ts";
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

/** Always 200 with a verdict, whatever the input. A name held after a delete is available to its signed-in owner (AUTH_MODE=oidc). */
const check =
  ({ availability }: { availability: AvailabilityIndex }) =>
  async (c: Context<AppEnv>) => {
    const person = c.get("person");
    const mine = person
      ? { quarantineToken: (_hash: string, owner: { issuer: string; subject: string } | null) => owner !== null && sameOwner(owner, person) }
      : {};
    return securedJson(await availability.check(nameFromPath(c.req.url), mine));
  };

export const CHECK_ROUTES = [
  route({
    method: "get",
    path: "/api/check",
    tag: "public",
    access: "public",
    limit: { budget: "check" },
    summary: "Name check with an empty name (always invalid: too_short)",
    answers: { 200: { description: "The verdict", schema: "Availability" }, 429: rateLimited },
    handler: check,
  }),
  route({
    method: "get",
    path: "/api/check/*",
    tag: "public",
    access: "public",
    limit: { budget: "check" },
    summary: "Whether a name can be deployed",
    description:
      "Always 200 with a verdict, whatever the input (any bytes, slashes included). A name held after a delete is available to its signed-in owner.",
    params: { name: { description: "The name to check, as typed", schema: z.string() } },
    answers: { 200: { description: "The verdict", schema: "Availability" }, 429: rateLimited },
    handler: check,
  }),
];
