import { Hono } from "hono";
import type { StackService } from "../../stacks/deploy/stack-service.ts";
import type { AppEnv } from "../env.ts";
import type { StackAccessBody } from "../responses.ts";
import { refused, requestCredentials } from "../session.ts";

/** GET /api/stacks/:name/access: does this request (token or signed-in owner) manage this live stack? Read-only. */
export function stackAccessRoutes(deps: { stacks: StackService }) {
  return new Hono<AppEnv>().get("/api/stacks/:name/access", (c) => {
    const result = deps.stacks.access.check(c.req.param("name"), requestCredentials(c));
    c.header("Cache-Control", "no-store");
    if (!result.ok) return refused(c, result.code, result.message);
    const { ok: _, ...body } = result;
    return c.json(body satisfies StackAccessBody);
  });
}
