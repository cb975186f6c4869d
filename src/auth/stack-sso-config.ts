import { z } from "zod";

/**
 * STACK_SSO: people signed in to the portal open their stack without its password, through
 * Traefik's forwardAuth (docs/sign-in.md, "Opening a stack"). Spread into src/config.ts.
 */

const onOff = z.enum(["on", "off"]).default("off");

export const stackSsoVariables = {
  STACK_SSO: onOff,
  /** Where Traefik asks, from inside Dokploy's network, e.g. http://<portal appName>:3000/auth/stack. */
  STACK_SSO_ADDRESS: z
    .string()
    .url("expected an http(s) URL")
    .refine((v) => /^https?:\/\//.test(v), "expected an http(s) URL")
    .optional(),
  /** Admins (OIDC_ADMIN_GROUPS) may open every stack too. */
  STACK_SSO_ADMINS: onOff,
};

const ssoObject = z.object({ ...stackSsoVariables, AUTH_MODE: z.string() });

export function checkStackSsoVariables(c: z.output<typeof ssoObject>, ctx: z.RefinementCtx): void {
  if (c.STACK_SSO !== "on") return;
  if (c.AUTH_MODE !== "oidc") ctx.addIssue({ code: "custom", path: ["STACK_SSO"], message: "needs AUTH_MODE=oidc" });
  if (!c.STACK_SSO_ADDRESS) ctx.addIssue({ code: "custom", path: ["STACK_SSO_ADDRESS"], message: "is required when STACK_SSO=on" });
}
