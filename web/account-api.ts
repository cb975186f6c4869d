/** The sign-in part of the portal's API (AUTH_MODE=oidc), as the page uses it. Same origin: the session cookie goes along. */
// The answers' types are the server's own (type-only imports: nothing of it reaches the bundle).
import type { MeBody } from "../src/http/responses.ts";
import type { OwnedStack } from "../src/stacks/model/vocabulary.ts";

/** One of "Your stacks": the person's own (`role: "owner"`), or one shared with them. */
export type MyStack = OwnedStack;
export type Me = MeBody;

export type Answer<T> = { ok: true; value: T } | { ok: false; code: string };

async function send<T>(path: string, init: RequestInit = {}): Promise<Answer<T>> {
  try {
    const res = await fetch(path, { ...init, headers: { accept: "application/json", ...init.headers }, cache: "no-store" });
    const body = (await res.json().catch(() => null)) as (T & { error?: { code?: string } }) | null;
    if (res.ok && body) return { ok: true, value: body };
    return { ok: false, code: body?.error?.code ?? (res.status >= 500 ? "internal" : "unknown") };
  } catch {
    return { ok: false, code: "network" };
  }
}

export const me = () => send<Me>("/api/me");

export const signOut = () => send<{ redirect: string }>("/auth/logout", { method: "POST" });

/** Delete as the signed-in owner (or admin): no token. */
export const deleteOwn = (name: string) => send<{ deploymentId: string }>(`/api/stacks/${encodeURIComponent(name)}`, { method: "DELETE" });

export const claim = (name: string, token: string) =>
  send<{ name: string }>(`/api/stacks/${encodeURIComponent(name)}/claim`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
