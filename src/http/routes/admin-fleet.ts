import { z } from "zod";
import type { Fleet } from "../../stacks/fleet/fleet.ts";
import type { MoveStack } from "../../stacks/fleet/move-stack.ts";
import { adminOnly, badBody, nameParam, notFound, notJson } from "../answers.ts";
import { readJson } from "../json-body.ts";
import { problem } from "../problem.ts";
import type { StackMoved } from "../responses.ts";
import { route } from "../route.ts";
import { refused, requestCredentials } from "../session.ts";

/**
 * GET /api/admin/nodes: Dokploy's Swarm nodes, their room, and the stacks on them (those a
 * node problem affects listed apart). POST /api/admin/stacks/:name/move: pin a stack to
 * another node and redeploy it there; its workspace stays behind, so the admin must say so.
 */

type Deps = { fleet: Fleet; moveStack: MoveStack };

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
      const moved = await deps.moveStack(c.req.param("name"), body.value, requestCredentials(c));
      if (!moved.ok) return refused(c, moved.code, moved.message);
      const { ok: _, ...answer } = moved;
      return c.json(answer satisfies StackMoved, 202);
    },
  }),
];
