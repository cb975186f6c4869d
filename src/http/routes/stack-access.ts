import { Hono } from "hono";
import { checkAccess } from "../../stacks/access.ts";
import type { Store } from "../../store/index.ts";
import type { AppEnv } from "../env.ts";
import { bearerToken } from "../middleware.ts";
import { problem, statusFor } from "../problem.ts";

/** GET /api/stacks/:name/access: does this bearer token manage this live stack? Read-only. */
export function stackAccessRoutes(deps: { store: Store; adminToken?: string }) {
  return new Hono<AppEnv>().get("/api/stacks/:name/access", (c) => {
    const result = checkAccess(deps.store, deps.adminToken, c.req.param("name"), bearerToken(c.req.header("authorization")));
    c.header("Cache-Control", "no-store");
    if (!result.ok) {
      const headers: Record<string, string> = result.code === "unauthorized" ? { "WWW-Authenticate": 'Bearer realm="stack"' } : {};
      return problem(c, statusFor(result.code), result.code, result.message, headers);
    }
    const { ok: _, ...body } = result;
    return c.json(body);
  });
}
