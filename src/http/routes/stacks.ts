import type { Context } from "hono";
import type { StackService } from "../../stacks/deploy/stack-service.ts";
import type { AppEnv } from "../env.ts";
import { forbidden, nameParam, notFound, rateLimited, unauthorized } from "../answers.ts";
import { problem } from "../problem.ts";
import type { DeleteAcceptedBody } from "../responses.ts";
import { type Route, route } from "../route.ts";
import { refused, requestCredentials } from "../session.ts";
import type { Fleet } from "../../stacks/fleet/fleet.ts";

/** A stack's public status, and its delete (by its owner or an admin) on both paths. */

const remove =
  ({ stacks }: { stacks: StackService }) =>
  async (c: Context<AppEnv, "/api/stacks/:name" | "/api/stack/:name">) => {
    // ?backup=false: no backup of the volumes before the delete (when the stack has backups).
    const result = await stacks.remove(c.req.param("name"), requestCredentials(c), { finalBackup: c.req.query("backup") !== "false" });
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

const deleteRoute = (path: "/api/stacks/:name" | "/api/stack/:name"): Route<{ stacks: StackService }> =>
  route({
    method: "delete",
    path,
    tag: "owner",
    access: "owner",
    limit: { budget: "delete" },
    summary: path === "/api/stack/:name" ? "Delete a stack (older path)" : "Delete a stack",
    description: "202 with a delete deployment to follow. The data volumes are kept and the name is held for its owner for NAME_QUARANTINE_DAYS.",
    params: nameParam,
    answers: {
      202: { description: "Accepted; follow `eventsUrl`", schema: "DeleteAccepted" },
      401: unauthorized,
      403: forbidden,
      404: notFound("stack with that name"),
      429: rateLimited,
    },
    handler: remove,
  });

export const STACK_ROUTES = [
  route({
    method: "get",
    path: "/api/stacks/:name",
    tag: "public",
    access: "public",
    // A stack's status tells whether a name exists: it shares the name check's budget.
    limit: { budget: "check" },
    summary: "A stack's public status",
    params: nameParam,
    answers: { 200: { description: "The status", schema: "PublicStackStatus" }, 404: notFound("stack with that name"), 429: rateLimited },
    handler: (deps: { stacks: StackService; fleet?: Fleet }) => async (c) => {
      const stack = deps.stacks.reads.latestStack(c.req.param("name"));
      if (!stack) return problem(c, 404, "not_found", "There is no stack with that name");
      const status = deps.stacks.reads.publicStatus(stack);
      // A ready stack whose server is down or drained says so ("unavailable"), not "failed".
      return c.json(deps.fleet ? { ...status, ...(await deps.fleet.statusOf(stack)) } : status);
    },
  }),
  deleteRoute("/api/stacks/:name"),
  deleteRoute("/api/stack/:name"),
];
