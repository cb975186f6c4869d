import { z } from "zod";

/**
 * People, as the organisation's identity provider names them (AUTH_MODE=oidc). A person is
 * the pair issuer + subject; the name and e-mail are kept for the admin view and the audit.
 */

export const owner = z.object({
  issuer: z.string(),
  subject: z.string(),
  name: z.string().nullable(),
  email: z.string().nullable(),
});
export type Owner = z.infer<typeof owner>;

/** A signed-in person: an owner, with what the provider said about them at sign-in. */
export const person = owner.extend({
  username: z.string().nullable(),
  groups: z.array(z.string()),
  /** In one of OIDC_ADMIN_GROUPS: may see and manage every stack. */
  admin: z.boolean(),
});
export type Person = z.infer<typeof person>;

export const sameOwner = (a: Pick<Owner, "issuer" | "subject">, b: Pick<Owner, "issuer" | "subject">): boolean =>
  a.issuer === b.issuer && a.subject === b.subject;

/** The owner fields of a person (what a stack and the audit log record). */
export const ownerOf = (p: Owner): Owner => ({ issuer: p.issuer, subject: p.subject, name: p.name, email: p.email });
