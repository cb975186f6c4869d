import { z } from "zod";
import type { Auth } from "../../auth/index.ts";
import type { StackService } from "../../stacks/deploy/stack-service.ts";
import { shareRequest } from "../../stacks/owners/shares.ts";
import type { StackSso } from "../../stacks/sso/stack-sso.ts";
import { forbidden, nameParam, noStore, notFound, notJson, rateLimited, unauthorized } from "../answers.ts";
import type { ShareAnswer, SharesBody } from "../responses.ts";
import { route } from "../route.ts";
import { requestCredentials } from "../session.ts";
import { ownerBody, refuse } from "./owner.ts";

/**
 * AUTH_MODE=oidc: the owner shares a stack with people (by e-mail address) and groups, each as
 * `user` or `manager` (src/stacks/owners/shares.ts). Without sign-in there is nobody to share
 * with, and these routes are left out.
 */

type Deps = { auth: Auth | null; stacks: StackService; stackSso?: StackSso | null };

const shareIdParam = z
  .string()
  .regex(/^\d{1,15}$/)
  .transform(Number);
const ownerOnly = { 401: unauthorized, 403: forbidden, 404: notFound("live stack with that name"), 429: rateLimited };

export const SHARE_ROUTES = [
  route({
    method: "get",
    path: "/api/stacks/:name/shares",
    tag: "owner",
    access: "owner",
    summary: "AUTH_MODE=oidc: who the stack is shared with (its owner, or an admin)",
    params: nameParam,
    answers: { 200: { description: "The shares, oldest first", schema: "Shares", headers: noStore }, ...ownerOnly },
    handler: ({ auth, stacks, stackSso }: Deps) =>
      auth
        ? (c) => {
            const result = stacks.sharing.list(c.req.param("name"), requestCredentials(c));
            if (!result.ok) return refuse(c, result.code, result.message);
            c.header("Cache-Control", "no-store");
            return c.json({ name: result.name, gate: stackSso?.on ?? false, shares: result.shares } satisfies SharesBody);
          }
        : null,
  }),
  route({
    method: "post",
    path: "/api/stacks/:name/shares",
    tag: "owner",
    access: "owner",
    limit: { budget: "operations" },
    summary: "AUTH_MODE=oidc: share the stack with an e-mail address or a group, as `user` or `manager`",
    description:
      'A `user` opens the stack through the sign-in gate (STACK_SSO) and sees it under "Your stacks"; a `manager` also stops, starts, ' +
      "restarts, upgrades and keeps it awake. Sharing again with the same address or group changes its role. The owner alone (or an admin) shares.",
    params: nameParam,
    body: shareRequest,
    answers: {
      200: { description: "Its role changed (or was already this one)", schema: "ShareAnswer" },
      201: { description: "Shared", schema: "ShareAnswer" },
      400: { description: "Not JSON, neither or both of `email` and `group`, or not an address", codes: ["invalid_json", "invalid_request"] },
      ...ownerOnly,
      409: { description: "Shared with 50 already", codes: ["share_limit"] },
      415: notJson,
    },
    handler: ({ auth, stacks }: Deps) =>
      auth
        ? async (c) => {
            const name = c.req.param("name");
            const body = await ownerBody(c, (ctx) => stacks.sharing.list(name, ctx), shareRequest);
            if (body instanceof Response) return body;
            const result = stacks.sharing.invite(name, requestCredentials(c), body.value);
            if (!result.ok) return refuse(c, result.code, result.message);
            return c.json({ name: result.name, share: result.share } satisfies ShareAnswer, result.created ? 201 : 200);
          }
        : null,
  }),
  route({
    method: "delete",
    path: "/api/stacks/:name/shares/:id",
    tag: "owner",
    access: "owner",
    limit: { budget: "operations" },
    summary: "AUTH_MODE=oidc: stop sharing the stack with one address or group, at once",
    description: 'The gate refuses them from their next request on; the stack leaves their "Your stacks".',
    params: { ...nameParam, id: { description: "The share's id (from the list)", schema: z.string() } },
    answers: {
      200: { description: "No longer shared", schema: "ShareAnswer" },
      ...ownerOnly,
      404: notFound("live stack with that name, or share with that id"),
    },
    handler: ({ auth, stacks }: Deps) =>
      auth
        ? (c) => {
            const id = shareIdParam.safeParse(c.req.param("id"));
            const result = stacks.sharing.revoke(c.req.param("name"), requestCredentials(c), id.success ? id.data : -1);
            if (!result.ok) return refuse(c, result.code, result.message);
            return c.json({ name: result.name, share: result.share } satisfies ShareAnswer);
          }
        : null,
  }),
];
