import { type Context, Hono } from "hono";
import type { StackService } from "../../stacks/deploy/stack-service.ts";
import type { Store } from "../../store/index.ts";
import type { AppEnv } from "../env.ts";
import { requireToken } from "../middleware.ts";
import { pageQuery } from "../paging.ts";
import { problem } from "../problem.ts";
import type { DeleteAcceptedBody, StackPageBody } from "../responses.ts";
import { refused, requestCredentials } from "../session.ts";
import type { Fleet } from "../../stacks/fleet/fleet.ts";
import { normaliseName } from "../../stacks/model/names.ts";

export interface StackRouteDeps {
  stacks: StackService;
  store: Store;
  adminToken?: string;
  fleet?: Fleet;
}

/** Stack status (public), delete (management or admin token), list (admin). */
export function stackRoutes(deps: StackRouteDeps) {
  const remove = async (c: Context<AppEnv, "/api/stacks/:name" | "/api/stack/:name">) => {
    const name = c.req.param("name");
    // ?backup=false: no backup of the volumes before the delete (when the stack has backups).
    const result = await deps.stacks.remove(name, requestCredentials(c), { finalBackup: c.req.query("backup") !== "false" });
    if (!result.ok) return refused(c, result.code, result.message);
    return c.json(
      {
        deploymentId: result.deploymentId,
        name: result.name,
        eventsUrl: `/api/deployments/${result.deploymentId}/events`,
        statusUrl: `/api/deployments/${result.deploymentId}`,
        volumeKept: true,
        message: "The stack is being deleted. Its data volume is kept in Dokploy, and the name is held for you.",
      } satisfies DeleteAcceptedBody,
      202,
    );
  };
  return new Hono<AppEnv>()
    .get("/api/stacks", requireToken(deps.adminToken, "admin", { signedInAdmin: true }), (c) => {
      const includeGone = c.req.query("all") === "true";
      const query = pageQuery(c, { defaultLimit: 1000, maxLimit: 1000 });
      if (!query.ok) return query.response;
      const { stacks, more } = deps.store.stacks.page({ includeGone, limit: query.limit, before: query.before });
      const last = stacks.at(-1);
      const next = more && last ? `/api/stacks?${includeGone ? "all=true&" : ""}limit=${query.limit}&before=${last.id}` : null;
      return c.json({ stacks, next } satisfies StackPageBody);
    })
    .get("/api/stacks/:name", async (c) => {
      const status = deps.stacks.reads.publicStatus(c.req.param("name"));
      if (!status) return problem(c, 404, "not_found", "There is no stack with that name");
      // A ready stack whose server is down or drained says so ("unavailable"), not "failed".
      const stack = deps.fleet ? deps.store.stacks.latest(normaliseName(c.req.param("name"))) : null;
      return c.json(stack && deps.fleet ? { ...status, ...(await deps.fleet.statusOf(stack)) } : status);
    })
    .delete("/api/stacks/:name", remove)
    .delete("/api/stack/:name", remove);
}
