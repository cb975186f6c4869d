import type { StackService } from "../../stacks/deploy/stack-service.ts";
import { z } from "zod";
import type { Fleet } from "../../stacks/fleet/fleet.ts";
import { adminOnly } from "../answers.ts";
import { pageBeforeParam, pageLimitParam, pageQuery } from "../paging.ts";
import type { AdminStacksBody, StackPageBody } from "../responses.ts";
import { route } from "../route.ts";

/** The admin's lists of stacks: a page at a time, or all with their latest deployment and when a held name is free. */

const all = { description: "`true`: deleted and failed ones too", schema: z.enum(["true", "false"]) };

export const ADMIN_STACK_ROUTES = [
  route({
    method: "get",
    path: "/api/stacks",
    tag: "admin",
    access: "admin",
    summary: "The stacks, newest first, a page at a time",
    query: {
      limit: { description: "Items per page, 1 to 1000 (default 1000)", schema: pageLimitParam(1000) },
      before: { description: "The `id` of the last item of the previous page (use `next`)", schema: pageBeforeParam },
      all,
    },
    answers: {
      200: { description: "A page", schema: "StackPage" },
      400: { description: "A bad `limit` or `before`", codes: ["invalid_request"] },
      ...adminOnly,
    },
    handler: (deps: { stacks: StackService }) => (c) => {
      const includeGone = c.req.query("all") === "true";
      const query = pageQuery(c, { defaultLimit: 1000, maxLimit: 1000 });
      if (!query.ok) return query.response;
      const { stacks, more } = deps.stacks.reads.page({ includeGone, limit: query.limit, before: query.before });
      const last = stacks.at(-1);
      const next = more && last ? `/api/stacks?${includeGone ? "all=true&" : ""}limit=${query.limit}&before=${last.id}` : null;
      return c.json({ stacks, next } satisfies StackPageBody);
    },
  }),
  route({
    method: "get",
    path: "/api/admin/stacks",
    tag: "admin",
    access: "admin",
    summary: "The stacks with their latest deployment and when a held name is free",
    query: { all },
    answers: { 200: { description: "The stacks", schema: "AdminStacks" }, ...adminOnly },
    handler: (deps: { nameQuarantineDays: number; fleet: Fleet }) => async (c) => {
      return c.json({
        nameQuarantineDays: deps.nameQuarantineDays,
        stacks: await deps.fleet.stackList(c.req.query("all") === "true", deps.nameQuarantineDays),
      } satisfies AdminStacksBody);
    },
  }),
];
