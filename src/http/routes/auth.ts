import type { AuditTrail } from "../../stacks/owners/audit-trail.ts";
import { clientOf } from "../client-address.ts";
import type { Context } from "hono";
import { z } from "zod";
import { isAllowed, personFrom } from "../../auth/access.ts";
import { cookieHeader, readCookie } from "../../auth/cookies.ts";
import type { Auth } from "../../auth/index.ts";
import type { Person } from "../../stacks/owners/person.ts";
import type { StackService } from "../../stacks/deploy/stack-service.ts";
import { suggestName } from "../../stacks/owners/suggest-name.ts";
import type { AppEnv } from "../env.ts";
import { noStore, rateLimited } from "../answers.ts";
import type { LogoutBody, MeBody } from "../responses.ts";
import { route } from "../route.ts";

/**
 * Sign-in (AUTH_MODE=oidc): `/auth/login` sends the browser to the provider, `/auth/callback`
 * takes it back and starts a session, `POST /auth/logout` ends it (and tells the page where
 * the provider ends its own). `GET /api/me` says who is signed in, in either mode.
 * Outcomes the page explains arrive as `/?signin=<outcome>`.
 */

type Deps = { auth: Auth | null; audit: AuditTrail };

/** Where the page goes after a sign-in: a path on the portal, nothing else. */
const LOCAL_PATH = /^\/(?![/\\])[\x21-\x7e]{0,200}$/;
const location = { Location: "where to go" };

function audit(
  trail: AuditTrail,
  c: Context<AppEnv>,
  action: string,
  outcome: string,
  person: Person | null,
  detail: Record<string, unknown> | null = null,
) {
  trail.record({
    action,
    stackName: null,
    actor: person ? "person" : "anonymous",
    outcome,
    detail,
    ctx: { client: clientOf(c), ...(person ? { person } : {}) },
  });
}

/** Back to the page with an outcome it explains; the login attempt's cookie goes. */
function back(auth: Auth, c: Context<AppEnv>, outcome: string) {
  c.header("Cache-Control", "no-store");
  c.header("Set-Cookie", cookieHeader(auth.cookies.login, "", auth.cookies.secure, 0), { append: true });
  return c.redirect(`/?signin=${outcome}`, 303);
}

export const AUTH_ROUTES = [
  route({
    method: "get",
    path: "/api/me",
    tag: "auth",
    access: "signed-in",
    summary: 'Who is signed in (AUTH_MODE=oidc); `{authMode: "open"}` in open mode',
    answers: { 200: { description: "The person, their stacks and the sign-in settings", schema: "Me", headers: noStore } },
    handler:
      ({ auth, stacks }: { auth: Auth | null; stacks: StackService }) =>
      (c) => {
        c.header("Cache-Control", "no-store");
        if (!auth) return c.json({ authMode: "open", person: null, expired: false } satisfies MeBody);
        const person = c.get("person");
        const expired = c.get("sessionExpired") === true;
        // Tell the page once, then forget the dead cookie.
        if (expired) c.header("Set-Cookie", cookieHeader(auth.cookies.session, "", auth.cookies.secure, 0));
        return c.json({
          authMode: "oidc",
          providerName: auth.providerName,
          signInUrl: "/auth/login",
          expired,
          maxStacksPerUser: auth.maxStacksPerUser,
          person: person ? { name: person.name, email: person.email, username: person.username, admin: person.admin } : null,
          suggestedName: person ? suggestName(person.username) : null,
          stacks: person ? stacks.ownership.stacksOf(person) : [],
        } satisfies MeBody);
      },
  }),
  route({
    method: "get",
    path: "/auth/login",
    tag: "auth",
    access: "public",
    // Each "Sign in" stores a login attempt: the name check's limit keeps that bounded.
    limit: { budget: "check" },
    summary: "AUTH_MODE=oidc: sign in at the identity provider",
    query: { returnTo: { description: "A path on the portal to come back to", schema: z.string() } },
    answers: { 303: { description: "To the provider, or back to `/?signin=unavailable`", headers: location }, 429: rateLimited },
    handler: ({ auth }: Deps) =>
      auth
        ? async (c) => {
            const wanted = c.req.query("returnTo") ?? "/";
            const returnTo = LOCAL_PATH.test(wanted) ? wanted : "/";
            let start: Awaited<ReturnType<typeof auth.oidc.start>>;
            try {
              start = await auth.oidc.start();
            } catch (err) {
              c.get("log").error({ err: err instanceof Error ? err.message : String(err) }, "the identity provider could not be reached");
              return back(auth, c, "unavailable");
            }
            const id = auth.attempts.begin({ state: start.state, nonce: start.nonce, codeVerifier: start.codeVerifier, returnTo });
            c.header("Cache-Control", "no-store");
            c.header("Set-Cookie", cookieHeader(auth.cookies.login, id, auth.cookies.secure, auth.attempts.ttlMs / 1000));
            return c.redirect(start.url, 303);
          }
        : null,
  }),
  route({
    method: "get",
    path: "/auth/callback",
    tag: "auth",
    access: "public",
    summary: "AUTH_MODE=oidc: the provider sends the browser back here",
    answers: { 303: { description: "Signed in (to `returnTo`), or to `/?signin=failed|not_allowed`", headers: location } },
    handler: ({ auth, audit: trail }: Deps) =>
      auth
        ? async (c) => {
            const log = c.get("log");
            const attempt = auth.attempts.take(readCookie(c.req.header("cookie"), auth.cookies.login));
            if (!attempt) {
              log.warn({}, "sign-in callback without a login attempt of this browser");
              return back(auth, c, "failed");
            }
            const query = new URL(c.req.url).search;
            let signedIn: Awaited<ReturnType<typeof auth.oidc.finish>>;
            try {
              signedIn = await auth.oidc.finish(query, attempt);
            } catch (err) {
              // openid-client and jose errors say which check failed; they carry no token values.
              const e = err as { code?: string; error?: string; error_description?: string };
              log.warn(
                { reason: e.code ?? e.error ?? "error", error: e.error, description: e.error_description, err: messages(err) },
                "sign-in refused",
              );
              audit(trail, c, "sign_in", "failed", null, { reason: e.code ?? e.error ?? "error" });
              return back(auth, c, "failed");
            }
            let person: Person;
            try {
              person = personFrom(signedIn.issuer, signedIn.claims, auth.rules);
            } catch (err) {
              log.warn({ err: err instanceof Error ? err.message : String(err) }, "sign-in refused");
              return back(auth, c, "failed");
            }
            const previous = readCookie(c.req.header("cookie"), auth.cookies.session);
            if (!isAllowed(person, auth.rules)) {
              if (previous) auth.sessions.end(previous);
              audit(trail, c, "sign_in", "not_allowed", person);
              log.info({ subject: person.subject }, "sign-in of a person outside the allowed groups and domains");
              const response = back(auth, c, "not_allowed");
              c.header("Set-Cookie", cookieHeader(auth.cookies.session, "", auth.cookies.secure, 0), { append: true });
              return response;
            }
            // Always a new session id at sign-in (no fixation); the one sent along ends.
            const session = auth.sessions.create(person, signedIn.idToken, previous);
            audit(trail, c, "sign_in", "accepted", person);
            c.header("Cache-Control", "no-store");
            c.header("Set-Cookie", cookieHeader(auth.cookies.login, "", auth.cookies.secure, 0));
            c.header("Set-Cookie", cookieHeader(auth.cookies.session, session, auth.cookies.secure, auth.sessionMaxAgeMs / 1000), { append: true });
            return c.redirect(attempt.returnTo, 303);
          }
        : null,
  }),
  route({
    method: "post",
    path: "/auth/logout",
    tag: "auth",
    access: "signed-in",
    summary: "AUTH_MODE=oidc: sign out; `redirect` is the provider's end-session address",
    answers: {
      200: { description: "Signed out", schema: "Logout" },
      403: { description: "A signed-in change from another site", codes: ["cross_site_request"] },
    },
    handler: ({ auth, audit: trail }: Deps) =>
      auth
        ? async (c) => {
            const id = c.get("sessionId");
            const person = c.get("person");
            let redirect = "/";
            if (id && person) {
              const session = auth.sessions.lookup(id);
              auth.sessions.end(id);
              audit(trail, c, "sign_out", "accepted", person);
              redirect = (await auth.oidc.endSessionUrl(session.state === "active" ? session.idToken : null)) ?? "/";
            }
            c.header("Cache-Control", "no-store");
            c.header("Set-Cookie", cookieHeader(auth.cookies.session, "", auth.cookies.secure, 0));
            return c.json({ redirect } satisfies LogoutBody);
          }
        : null,
  }),
];

/** An error's message with those of its causes (which say which claim or parameter failed); never their values. */
function messages(err: unknown): string {
  const out: string[] = [];
  for (let e = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) out.push(e.message);
  return out.join(": ") || String(err);
}
