import type { Person } from "../stacks/owners/person.ts";

/**
 * Who may use the portal, from what the provider says about a person at sign-in.
 * With neither OIDC_ALLOWED_GROUPS nor OIDC_ALLOWED_EMAIL_DOMAINS set, everyone the provider
 * signs in may; with either, a person must match one of them. Admins always may.
 */

export interface AccessRules {
  groupsClaim: string;
  allowedGroups: readonly string[];
  allowedEmailDomains: readonly string[];
  adminGroups: readonly string[];
}

export type Claims = Record<string, unknown>;

const text = (v: unknown): string | null => (typeof v === "string" && v.trim() !== "" ? v.trim() : null);

/** Groups as Gitea (`org`, `org:team`), Keycloak (`/group` paths, or names) and others send them. */
export function groupsOf(claims: Claims, claim: string): string[] {
  const raw = claims[claim];
  const list = Array.isArray(raw) ? raw : typeof raw === "string" ? raw.split(/[,\s]+/) : [];
  return list.filter((g): g is string => typeof g === "string" && g !== "");
}

/** A configured group matches a claimed one as written, or without Keycloak's leading "/". */
const inGroups = (groups: readonly string[], wanted: readonly string[]): boolean =>
  wanted.some((w) => groups.some((g) => g === w || g.replace(/^\//, "") === w.replace(/^\//, "")));

export function personFrom(issuer: string, claims: Claims, rules: AccessRules): Person {
  const subject = text(claims.sub);
  if (!subject) throw new Error("the ID token has no subject");
  const groups = groupsOf(claims, rules.groupsClaim);
  // An e-mail address the provider has said is unverified is not trusted for domain rules.
  const email = claims.email_verified === false ? null : text(claims.email);
  const username = text(claims.preferred_username) ?? text(claims.nickname) ?? email?.split("@")[0] ?? null;
  return {
    issuer,
    subject,
    name: text(claims.name) ?? username ?? email,
    email,
    username,
    groups,
    admin: rules.adminGroups.length > 0 && inGroups(groups, rules.adminGroups),
  };
}

export function isAllowed(person: Person, rules: AccessRules): boolean {
  if (person.admin) return true;
  if (rules.allowedGroups.length === 0 && rules.allowedEmailDomains.length === 0) return true;
  if (inGroups(person.groups, rules.allowedGroups)) return true;
  const domain = person.email?.split("@").pop()?.toLowerCase();
  return domain !== undefined && rules.allowedEmailDomains.includes(domain);
}
