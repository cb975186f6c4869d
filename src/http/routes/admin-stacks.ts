import { Hono } from "hono";
import { stacksWithHistory } from "../../stacks/fleet/stack-list.ts";
import type { Store } from "../../store/index.ts";
import type { AppEnv } from "../env.ts";
import { requireToken } from "../middleware.ts";
import type { AdminStacksBody } from "../responses.ts";
import type { Fleet } from "../../stacks/fleet/fleet.ts";

/** GET /api/admin/stacks: the stacks with their latest deployment and when a held name is free. */
export function adminStackRoutes(deps: { store: Store; adminToken?: string; nameQuarantineDays: number; fleet?: Fleet }) {
  return new Hono<AppEnv>().get("/api/admin/stacks", requireToken(deps.adminToken, "admin", { signedInAdmin: true }), async (c) => {
    const [nodeHealth, backupReach] = await Promise.all([deps.fleet?.healthLookup(), deps.fleet?.backupReachLookup()]);
    return c.json({
      nameQuarantineDays: deps.nameQuarantineDays,
      stacks: stacksWithHistory(deps.store, {
        includeGone: c.req.query("all") === "true",
        quarantineDays: deps.nameQuarantineDays,
        nodeHealth,
        backupReach,
      }),
    } satisfies AdminStacksBody);
  });
}
