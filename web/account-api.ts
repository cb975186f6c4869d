/** The sign-in part of the portal's API (AUTH_MODE=oidc), as the page uses it. Same origin: the session cookie goes along. */
import type { StackStatus } from "./api.ts";

export interface MyStack {
  name: string;
  url: string;
  status: StackStatus;
  createdAt: string;
  readyAt: string | null;
  deploymentId: string | null;
}

export type Me =
  | { authMode: "open"; person: null; expired: false }
  | {
      authMode: "oidc";
      providerName: string;
      signInUrl: string;
      expired: boolean;
      maxStacksPerUser: number;
      person: { name: string | null; email: string | null; username: string | null; admin: boolean } | null;
      suggestedName: string | null;
      stacks: MyStack[];
    };

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
