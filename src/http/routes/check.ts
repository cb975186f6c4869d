import { Hono } from "hono";
import type { AvailabilityIndex } from "../../stacks/availability.ts";
import type { AppEnv } from "../env.ts";

/** GET /api/check/:name: always 200 with a verdict, whatever the input. */
export function checkRoutes(availability: AvailabilityIndex) {
  const check = (raw: string) => availability.check(raw);
  return new Hono<AppEnv>()
    .get("/api/check", async (c) => c.json(await check("")))
    .get("/api/check/", async (c) => c.json(await check("")))
    .get("/api/check/:name{.*}", async (c) => c.json(await check(c.req.param("name"))));
}
