import { z } from "zod";
import type { Person } from "./person.ts";

/**
 * A stack shared by its owner (AUTH_MODE=oidc): with a person by their e-mail address or with
 * everyone in a group of the identity provider, each as a `user` (opens the stack through the
 * STACK_SSO gate) or a `manager` (also stops, starts, restarts and upgrades it). Deleting the
 * stack, a new password, its model keys and its sharing stay with the owner.
 */

export const shareRole = z.enum(["user", "manager"]);
export type ShareRole = z.infer<typeof shareRole>;

export const shareKind = z.enum(["email", "group"]);
export type ShareKind = z.infer<typeof shareKind>;

export const share = z.object({
  id: z.number().int(),
  kind: shareKind,
  /** An e-mail address in lower case, or a group as the provider names it (without Keycloak's leading "/"). */
  value: z.string(),
  role: shareRole,
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Share = z.infer<typeof share>;

/** At most this many people and groups per stack: a share list is for a team, not a directory. */
export const MAX_SHARES = 50;

/** A group as Gitea (`org:team`), Keycloak (`/path/group`) and others name them: no spaces or commas (groupsOf splits on them). */
const groupName = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(/^[^\s,]+$/, "a group name has no spaces or commas");

/** POST /api/stacks/:name/shares: an e-mail address or a group, and the role. */
export const shareRequest = z
  .object({
    email: z.email().max(254).optional(),
    group: groupName.optional(),
    role: shareRole,
  })
  .strict()
  .refine((b) => (b.email === undefined) !== (b.group === undefined), { message: "give either email or group, not both" });
export type ShareRequest = z.infer<typeof shareRequest>;

/** The stored form of a request's address or group: what a person's sign-in is compared with. */
export function shareTarget(req: ShareRequest): { kind: ShareKind; value: string } {
  return req.email !== undefined
    ? { kind: "email", value: req.email.trim().toLowerCase() }
    : { kind: "group", value: normaliseGroup(req.group ?? "") };
}

export const normaliseGroup = (group: string): string => group.trim().replace(/^\//, "");

/** What a person's sign-in says a share may match: their verified e-mail address and their groups. */
export function shareKeys(person: Pick<Person, "email" | "groups">): { email: string | null; groups: string[] } {
  return { email: person.email?.toLowerCase() ?? null, groups: [...new Set(person.groups.map(normaliseGroup).filter((g) => g !== ""))] };
}
