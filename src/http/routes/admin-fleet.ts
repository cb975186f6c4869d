import { z } from "zod";
import { type Fleet, MOVE_WARNING } from "../../stacks/fleet/fleet.ts";
import { normaliseName } from "../../stacks/model/names.ts";
import type { StackOperations } from "../../stacks/operations/operation-service.ts";
import type { Store } from "../../store/index.ts";
import { adminOnly, badBody, nameParam, notFound, notJson } from "../answers.ts";
import { readJson } from "../json-body.ts";
import { clientOf } from "../client-address.ts";
import { problem } from "../problem.ts";
import type { StackMoved } from "../responses.ts";
import { route } from "../route.ts";
import { refused, requestCredentials } from "../session.ts";

/**
 * GET /api/admin/nodes: Dokploy's Swarm nodes, their room, and the stacks on them (those a
 * node problem affects listed apart). POST /api/admin/stacks/:name/move: pin a stack to
 * another node and redeploy it there; its workspace stays behind, so the admin must say so.
 */

type Deps = { fleet: Fleet; store: Store; operations: StackOperations };

const moveBody = z.object({ node: z.string().min(1).max(200), acknowledgeDataLoss: z.boolean().optional() }).strict();
const unreadable = { description: "Dokploy's node list could not be read", codes: ["dokploy_unavailable"] };

export const ADMIN_FLEET_ROUTES = [
  route({
    method: "get",
    path: "/api/admin/nodes",
    tag: "admin",
    access: "admin",
    summary: "Dokploy's Swarm nodes with their room, every placed stack, and the stacks a node problem affects",
    answers: { 200: { description: "The nodes", schema: "FleetOverview" }, ...adminOnly, 503: unreadable },
    handler: (deps: Deps) => async (c) => {
      try {
        return c.json(await deps.fleet.overview());
      } catch {
        return problem(c, 503, "dokploy_unavailable", "Dokploy's node list could not be read");
      }
    },
  }),
  route({
    method: "post",
    path: "/api/admin/stacks/:name/move",
    tag: "admin",
    access: "admin",
    summary: "Pin a ready stack to another node and redeploy it there; its workspace stays behind",
    params: nameParam,
    // What the document has always shown; the handler's own schema (moveBody) also bounds `node` and refuses other fields.
    body: z.object({ node: z.string(), acknowledgeDataLoss: z.boolean().optional() }),
    answers: {
      202: { description: "Moved; follow the redeploy", schema: "StackMoved" },
      400: badBody,
      ...adminOnly,
      404: notFound("live stack or node with that name"),
      409: {
        description: "Not ready, not acknowledged, the node cannot take it, or another operation runs",
        codes: ["stack_not_ready", "confirmation_required", "node_unavailable", "operation_in_progress"],
      },
      415: notJson,
      503: unreadable,
    },
    handler: (deps: Deps) => async (c) => {
      const body = await readJson(c, moveBody);
      if (!body.ok) return body.response;
      const stack = deps.store.stacks.live(normaliseName(c.req.param("name")));
      if (!stack) return problem(c, 404, "not_found", "There is no stack with that name");
      if (stack.status !== "ready") return problem(c, 409, "stack_not_ready", "Only a ready stack can be moved");
      if (body.value.acknowledgeDataLoss !== true)
        return problem(c, 409, "confirmation_required", `${MOVE_WARNING} Send acknowledgeDataLoss: true to move it.`);
      let moved: Awaited<ReturnType<Fleet["move"]>>;
      try {
        moved = await deps.fleet.move(stack, body.value.node);
      } catch {
        return problem(c, 503, "dokploy_unavailable", "Dokploy's node list could not be read");
      }
      if (!moved.ok) return problem(c, moved.code === "not_found" ? 404 : 409, moved.code, moved.message);
      // The redeploy sends the new pin; Swarm starts the stack on the new node.
      const result = await deps.operations.request("redeploy", stack.name, requestCredentials(c));
      if (!result.ok) {
        // Not redeployed (another operation runs): the stack stays pinned where it was.
        if (moved.from) deps.store.placements.set(stack.id, moved.from.nodeId, moved.from.hostname, moved.from.pinnedAt);
        return refused(c, result.code, result.message);
      }
      deps.store.audit.record({
        at: new Date().toISOString(),
        action: "move",
        stackName: stack.name,
        deploymentId: result.deploymentId,
        client: clientOf(c),
        actor: "admin",
        outcome: "accepted",
        detail: { from: moved.from?.hostname ?? null, to: moved.to.hostname },
        person: null,
      });
      return c.json(
        {
          name: stack.name,
          from: moved.from?.hostname ?? null,
          to: moved.to.hostname,
          deploymentId: result.deploymentId,
          warning: MOVE_WARNING,
        } satisfies StackMoved,
        202,
      );
    },
  }),
];
