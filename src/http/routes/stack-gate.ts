import type { Context } from "hono";
import { isLoopbackHost } from "../../auth/config.ts";
import { cookieHeader, readCookie } from "../../auth/cookies.ts";
import type { Auth } from "../../auth/index.ts";
import { PASS_TTL_MS } from "../../auth/stack-passes.ts";
import type { StackSso } from "../../stacks/sso/stack-sso.ts";
import type { AppEnv } from "../env.ts";
import { z } from "zod";
import { type Answer, route } from "../route.ts";
import { adminOnly } from "../answers.ts";
import { problem } from "../problem.ts";
import { type GatePage, gatePage } from "../../../web/gate-page.ts";
import { TICKET_PATH, stackReturnPath } from "../stack-return-path.ts";

/**
 * STACK_SSO (docs/sign-in.md, "Opening a stack"): `GET /auth/stack` is Traefik's forwardAuth
 * address for every stack's router, `GET /auth/stack/start` the portal page that hands out a
 * one-time ticket for one stack host, and `POST /api/admin/stack-sso` brings the middleware
 * file and every stack's domain in line with STACK_SSO. Without sign-in and STACK_SSO=on
 * these routes are left out.
 */

export interface StackGateDeps {
  auth: Auth | null;
  stackSso?: StackSso | null;
}

/** The gate's own pages (STACK_SSO). */
const gatePages: Record<number, Answer> = {
  403: { description: "A page: this person may not open this stack" },
  404: { description: "A page: no stack at this host" },
};

/** What both gate routes use; null without sign-in or STACK_SSO. */
function gateOf(deps: StackGateDeps) {
  const { auth } = deps;
  const sso = deps.stackSso ?? null;
  if (!auth || !sso) return null;

  const page = (c: Context<AppEnv>, status: 403 | 404 | 502, which: GatePage, cookies: string[] = []) => {
    c.header("Cache-Control", "no-store");
    // Shown on a stack's host: nothing but its own inline style may load.
    c.header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
    for (const cookie of cookies) c.header("Set-Cookie", cookie, { append: true });
    return c.html(gatePage(which, c.req.header("accept-language"), auth.publicUrl), status);
  };

  const sessionOf = (sessionHash: string) => {
    const found = auth.sessions.lookupHash(sessionHash);
    return found.state === "active" ? found.person : null;
  };
  return { auth, passes: auth.stackPasses, sso, page, sessionOf };
}

export const STACK_GATE_ROUTES = [
  route({
    method: "get",
    path: "/auth/stack",
    tag: "auth",
    access: "public",
    summary: "STACK_SSO=on: Traefik's forwardAuth check in front of every stack (not for browsers or scripts)",
    description:
      "Reads X-Forwarded-Host, -Uri, -Method and -Proto. A 2xx lets the request through with the stack's own `Authorization: Basic`; " +
      "without a pass it redirects to `/auth/stack/start`; a signed-in person who may not open the stack gets a 403 page.",
    answers: {
      200: { description: "Let through (Traefik copies `Authorization` onto the request)" },
      302: { description: "To the portal's sign-in, or back to the stack with its pass set" },
      ...gatePages,
    },
    handler: (deps: StackGateDeps) => {
      const gate = gateOf(deps);
      if (!gate) return null;
      const { auth, passes, sso, page, sessionOf } = gate;
      return async (c) => {
        c.header("Cache-Control", "no-store");
        const host = (c.req.header("x-forwarded-host") ?? "").trim().toLowerCase();
        const proto = c.req.header("x-forwarded-proto") === "http" ? "http" : "https";
        const uri = c.req.header("x-forwarded-uri") ?? "/";
        const method = (c.req.header("x-forwarded-method") ?? "GET").toUpperCase();
        const stack = sso.stackAt(host);
        if (!stack) return page(c, 404, "unavailable");
        // An API client with the stack's password (opencode attach, scripts): OpenCode checks it.
        // Traefik replaces the request's Authorization with ours, so it is handed back as it came.
        const presented = c.req.header("authorization");
        if (presented) return c.body(null, 200, { Authorization: presented });

        const secure = proto === "https";
        const cookieName = secure ? "__Host-asd-stack" : "asd-stack";
        const clear = cookieHeader(cookieName, "", secure, 0);
        const url = new URL(uri, "http://stack.invalid");

        if (url.pathname === TICKET_PATH) {
          const redeemed = passes.redeem(url.searchParams.get("ticket") ?? "", host, stack.name);
          if (!redeemed.ok) {
            c.get("log").warn({ stack: stack.name, reason: redeemed.reason }, "stack sign-in ticket refused");
            return page(c, 403, "ticket_invalid");
          }
          if (!sessionOf(redeemed.sessionHash)) return c.redirect(startUrl(auth.publicUrl, proto, host, redeemed.returnTo), 302);
          const id = passes.pass(host, stack.name, redeemed.sessionHash);
          c.header("Set-Cookie", cookieHeader(cookieName, id, secure, PASS_TTL_MS / 1000));
          return c.redirect(stackReturnPath(redeemed.returnTo, `${proto}://${host}`), 302);
        }

        const id = readCookie(c.req.header("cookie"), cookieName);
        const pass = id ? passes.check(id, host, stack.name) : null;
        const person = pass ? sessionOf(pass.sessionHash) : null;
        if (id && pass && person) {
          if (!sso.mayOpen(stack, person)) return page(c, 403, "forbidden", [clear]);
          const credentials = await sso.credentialsOf(stack);
          if (!credentials) return page(c, 502, "unavailable");
          if (pass.renewDue) {
            passes.renew(id);
            c.header("Set-Cookie", cookieHeader(cookieName, id, secure, PASS_TTL_MS / 1000));
          }
          const basic = Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64");
          return c.body(null, 200, { Authorization: `Basic ${basic}` });
        }
        // No pass, or one whose portal session ended: to the portal to sign in (again).
        if (id) passes.drop(id);
        const cookies = id ? [clear] : [];
        if (method !== "GET" && method !== "HEAD") {
          for (const cookie of cookies) c.header("Set-Cookie", cookie, { append: true });
          return problem(c, 401, "sign_in_required", "Open the stack in the browser to sign in");
        }
        for (const cookie of cookies) c.header("Set-Cookie", cookie, { append: true });
        return c.redirect(startUrl(auth.publicUrl, proto, host, uri), 302);
      };
    },
  }),
  route({
    method: "get",
    path: "/auth/stack/start",
    tag: "auth",
    access: "public",
    summary: "STACK_SSO=on: sign in if needed, then back to the stack with a one-time ticket for its host",
    query: {
      origin: { description: "The stack's origin (https://<name>.<suffix>)", schema: z.string() },
      to: { description: "The path to go back to on the stack", schema: z.string() },
    },
    answers: {
      302: { description: "To the provider's sign-in" },
      303: { description: "To the stack, with a one-time ticket for its host" },
      ...gatePages,
    },
    handler: (deps: StackGateDeps) => {
      const gate = gateOf(deps);
      if (!gate) return null;
      const { passes, sso, page } = gate;
      return (c) => {
        c.header("Cache-Control", "no-store");
        const origin = parseOrigin(c.req.query("origin"));
        const stack = origin ? sso.stackAt(origin.host) : null;
        if (!origin || !stack) return page(c, 404, "unavailable");
        const to = stackReturnPath(c.req.query("to"), origin.origin);
        const person = c.get("person");
        const sessionId = c.get("sessionId");
        if (!person || !sessionId) {
          // Back here after signing in; the return path is the portal's own (at most 200 characters).
          const here = `/auth/stack/start?origin=${encodeURIComponent(origin.origin)}&to=${encodeURIComponent(to)}`;
          const returnTo = here.length <= 200 ? here : `/auth/stack/start?origin=${encodeURIComponent(origin.origin)}`;
          return c.redirect(`/auth/login?returnTo=${encodeURIComponent(returnTo)}`, 303);
        }
        if (!sso.mayOpen(stack, person)) return page(c, 403, "forbidden");
        const ticket = passes.ticket(origin.host, stack.name, sessionId, to);
        return c.redirect(`${origin.origin}${TICKET_PATH}?ticket=${ticket}`, 303);
      };
    },
  }),
  route({
    method: "post",
    path: "/api/admin/stack-sso",
    tag: "admin",
    access: "admin",
    summary: "STACK_SSO=on: put the forwardAuth middleware in Traefik's file and on every stack's domain now",
    answers: {
      200: { description: "Applied", schema: "SsoApplyReport" },
      ...adminOnly,
      502: { description: "Dokploy could not be reached or refused the change; nothing was removed", codes: ["dokploy_unavailable"] },
    },
    handler: (deps: StackGateDeps) => {
      const sso = gateOf(deps)?.sso;
      if (!sso) return null;
      return async (c) => {
        try {
          return c.json(await sso.apply());
        } catch (err) {
          c.get("log").warn({ err: err instanceof Error ? err.message : String(err) }, "stack sign-in could not be applied");
          return problem(c, 502, "dokploy_unavailable", "Dokploy could not be reached or refused the change; nothing was removed");
        }
      };
    },
  }),
];

/** The portal page that hands out a ticket for this stack host. */
function startUrl(publicUrl: string, proto: string, host: string, uri: string): string {
  const to = uri.startsWith(TICKET_PATH) ? "/" : uri;
  return `${publicUrl}/auth/stack/start?origin=${encodeURIComponent(`${proto}://${host}`)}&to=${encodeURIComponent(to)}`;
}

/** A stack origin as the gate built it: https, or plain http on a loopback host (development). */
function parseOrigin(raw: string | undefined): { origin: string; host: string } | null {
  if (!raw) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.origin !== raw) return null;
  if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopbackHost(url.hostname))) return null;
  return { origin: url.origin, host: url.host };
}
