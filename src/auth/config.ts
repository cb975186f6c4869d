import { z } from "zod";
import { duration, trimmedText } from "../config-units.ts";

/**
 * The sign-in variables, spread into src/config.ts's schema. `open` (the default) changes
 * nothing; `oidc` puts deploying and managing stacks behind the organisation's provider.
 */

const list = z
  .string()
  .default("")
  .transform((v) =>
    v
      .split(/[,\s]+/)
      .map((s) => s.trim())
      .filter(Boolean),
  );

/** Host names where plain http is acceptable: the developer's own machine. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return host === "localhost" || host.endsWith(".localhost") || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host);
}

const httpUrl = z
  .string()
  .url("expected an http(s) URL")
  .refine((v) => /^https?:\/\//.test(v), "expected an http(s) URL")
  .refine((v) => /^https:/.test(v) || isLoopbackHost(new URL(v).hostname), "expected https (plain http only on localhost or a loopback address)")
  .transform((v) => v.replace(/\/+$/, ""))
  .optional();

/** The issuer exactly as the provider spells it (a trailing slash matters in the `iss` comparison). */
const issuerUrl = z
  .string()
  .url("expected an http(s) URL")
  .refine(
    (v) => /^https:/.test(v) || (/^http:/.test(v) && isLoopbackHost(new URL(v).hostname)),
    "expected https (plain http only on localhost or a loopback address)",
  )
  .optional();

export const authVariables = {
  AUTH_MODE: z.enum(["open", "oidc"]).default("open"),
  PUBLIC_URL: httpUrl,
  OIDC_ISSUER: issuerUrl,
  OIDC_CLIENT_ID: trimmedText,
  OIDC_CLIENT_SECRET: trimmedText,
  /** `groups` is added where the provider offers it (src/auth/oidc.ts). */
  OIDC_SCOPES: z.string().default("openid profile email"),
  OIDC_PROVIDER_NAME: z.string().trim().min(1).max(40).default("your organisation"),
  OIDC_GROUPS_CLAIM: z.string().trim().min(1).default("groups"),
  OIDC_ALLOWED_GROUPS: list,
  OIDC_ALLOWED_EMAIL_DOMAINS: list.transform((domains) => domains.map((d) => d.toLowerCase().replace(/^@/, ""))),
  OIDC_ADMIN_GROUPS: list,
  SESSION_IDLE_TIMEOUT: duration("8h", { positive: true }),
  SESSION_MAX_AGE: duration("168h", { positive: true }),
  MAX_STACKS_PER_USER: z.coerce
    .number({ message: "expected a whole number" })
    .int("expected a whole number")
    .min(0, "expected at least 0")
    .max(1000, "expected at most 1000")
    .default(1),
};

const authObject = z.object(authVariables);
type AuthInput = z.output<typeof authObject>;

/** The checks that need several variables at once (added to the config's superRefine). */
export function checkAuthVariables(c: AuthInput, ctx: z.RefinementCtx): void {
  if (c.AUTH_MODE !== "oidc") return;
  for (const key of ["PUBLIC_URL", "OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET"] as const)
    if (!c[key]) ctx.addIssue({ code: "custom", path: [key], message: "is required when AUTH_MODE=oidc" });
  if (!c.OIDC_SCOPES.split(/\s+/).includes("openid")) ctx.addIssue({ code: "custom", path: ["OIDC_SCOPES"], message: 'must include "openid"' });
  if (c.SESSION_IDLE_TIMEOUT > c.SESSION_MAX_AGE)
    ctx.addIssue({ code: "custom", path: ["SESSION_IDLE_TIMEOUT"], message: "must not be longer than SESSION_MAX_AGE" });
}

export type AuthConfig = AuthInput;
