import type { StackService } from "../../stacks/deploy/stack-service.ts";
import { forbidden, nameParam, notFound, rateLimited, unauthorized } from "../answers.ts";
import type { StackAccessBody } from "../responses.ts";
import { route } from "../route.ts";
import { refused, requestCredentials } from "../session.ts";

/** GET /api/stacks/:name/access: does this request (token or signed-in owner) manage this live stack? Read-only. */
export const STACK_ACCESS_ROUTES = [
  route({
    method: "get",
    path: "/api/stacks/:name/access",
    tag: "owner",
    access: "owner",
    limit: { budget: "check" },
    summary: "Whether these credentials manage this live stack (read-only)",
    params: nameParam,
    answers: {
      200: { description: "They do", schema: "StackAccess" },
      401: unauthorized,
      403: forbidden,
      404: notFound("live stack with that name"),
      429: rateLimited,
    },
    handler:
      ({ stacks }: { stacks: StackService }) =>
      (c) => {
        const result = stacks.access.check(c.req.param("name"), requestCredentials(c));
        c.header("Cache-Control", "no-store");
        if (!result.ok) return refused(c, result.code, result.message);
        const { ok: _, ...body } = result;
        return c.json(body satisfies StackAccessBody);
      },
  }),
];
