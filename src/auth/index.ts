import type { Config } from "../config.ts";
import type { Store } from "../store/index.ts";
import type { AccessRules } from "./access.ts";
import { type CookieNames, cookieNames } from "./cookies.ts";
import { LoginAttempts } from "./login-attempts.ts";
import { OidcClient } from "./oidc.ts";
import { Sessions } from "./sessions.ts";
import { StackPasses } from "./stack-passes.ts";

/** Everything sign-in needs (AUTH_MODE=oidc), built once from the configuration. */
export interface Auth {
  oidc: OidcClient;
  sessions: Sessions;
  /** Sign-ins under way at the provider. */
  attempts: LoginAttempts;
  /** STACK_SSO's tickets and per-stack cookies. */
  stackPasses: StackPasses;
  cookies: CookieNames;
  rules: AccessRules;
  providerName: string;
  publicUrl: string;
  /** PUBLIC_URL's origin: the only one allowed to send cookie-authenticated changes. */
  publicOrigin: string;
  sessionMaxAgeMs: number;
  maxStacksPerUser: number;
}

/** Null in AUTH_MODE=open: nothing of sign-in is wired then. */
/** `clock`: the sessions' time in ms (tests move it rather than wait); Date.now by default. */
export function authFromConfig(config: Config, store: Store, clock?: () => number): Auth | null {
  if (config.AUTH_MODE !== "oidc") return null;
  const { PUBLIC_URL: publicUrl, OIDC_ISSUER: issuer, OIDC_CLIENT_ID: clientId, OIDC_CLIENT_SECRET: clientSecret } = config;
  // checkAuthVariables requires them in oidc mode; this only tells the compiler.
  if (!publicUrl || !issuer || !clientId || !clientSecret)
    throw new Error("AUTH_MODE=oidc needs PUBLIC_URL and OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET");
  return {
    oidc: new OidcClient({
      issuer,
      clientId,
      clientSecret,
      publicUrl,
      scopes: config.OIDC_SCOPES,
    }),
    sessions: new Sessions(store, { idleMs: config.SESSION_IDLE_TIMEOUT, maxAgeMs: config.SESSION_MAX_AGE, now: clock }),
    attempts: new LoginAttempts(store, 10 * 60_000),
    stackPasses: new StackPasses(store),
    cookies: cookieNames(publicUrl),
    rules: {
      groupsClaim: config.OIDC_GROUPS_CLAIM,
      allowedGroups: config.OIDC_ALLOWED_GROUPS,
      allowedEmailDomains: config.OIDC_ALLOWED_EMAIL_DOMAINS,
      adminGroups: config.OIDC_ADMIN_GROUPS,
    },
    providerName: config.OIDC_PROVIDER_NAME,
    publicUrl,
    publicOrigin: new URL(publicUrl).origin,
    sessionMaxAgeMs: config.SESSION_MAX_AGE,
    maxStacksPerUser: config.MAX_STACKS_PER_USER,
  };
}
