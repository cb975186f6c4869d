import { z } from "zod";
import type { Answer, Param } from "./route.ts";

/** What many routes answer and take alike (their definitions beside the handlers use these). */

export const nameParam: Record<string, Param> = { name: { description: "The stack's name", schema: z.string() } };
export const deploymentIdParam: Record<string, Param> = {
  id: { description: "A deployment's id (deploy, delete or operation)", schema: z.string() },
};

export const unauthorized: Answer = {
  description: "No credentials: no `Authorization: Bearer`, and (AUTH_MODE=oidc) no session",
  codes: ["unauthorized", "session_expired", "sign_in_required"],
  headers: { "WWW-Authenticate": "Bearer realm" },
};
export const forbidden: Answer = {
  description:
    "Credentials that do not manage this stack (wrong token, someone else's stack), or (`owner_only`) a person it is shared with whose role does not allow this",
  codes: ["forbidden", "owner_only", "cross_site_request"],
};
export const rateLimited: Answer = {
  description: "Over a per-client limit (Retry-After says when to try again), or too many bodies still arriving",
  codes: ["rate_limited", "too_many_uploads"],
  headers: { "Retry-After": "seconds" },
};
/** What every admin route may answer besides its own. */
export const adminOnly: Record<number, Answer> = {
  401: { description: "No admin token (and no OIDC admin session)", codes: ["unauthorized"] },
  403: { description: "Not the admin token", codes: ["forbidden"] },
  429: rateLimited,
};
export const notFound = (what: string): Answer => ({ description: `No ${what}`, codes: ["not_found"] });
export const noStore = { "Cache-Control": "no-store" };
export const badBody: Answer = { description: "Not JSON, or a body of the wrong shape", codes: ["invalid_json", "invalid_request"] };
export const notJson: Answer = { description: "The body is not `application/json`", codes: ["unsupported_media_type"] };
