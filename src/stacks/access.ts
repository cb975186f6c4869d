import type { Store } from "../store/index.ts";
import { secretEquals, tokenMatches } from "./secrets.ts";

/**
 * "Does this token manage this stack?", answered without changing anything, so the page can
 * check a delete before asking to confirm it. Without a token it says only that one is
 * needed; with a wrong one, only that it does not match.
 */

export type AccessResult =
  | { ok: true; name: string; status: string; url: string; actor: "management" | "admin"; readyAt: string | null }
  | { ok: false; code: "unauthorized" | "forbidden" | "not_found"; message: string };

export function checkAccess(store: Store, adminToken: string | undefined, rawName: string, bearer: string | undefined): AccessResult {
  const name = rawName.trim().toLowerCase();
  if (!bearer) return { ok: false, code: "unauthorized", message: "This needs the stack's management token (Authorization: Bearer <token>)" };
  const stack = store.stacks.live(name);
  if (!stack) return { ok: false, code: "not_found", message: "There is no stack with that name" };
  let actor: "management" | "admin" | null = null;
  if (adminToken && secretEquals(bearer, adminToken)) actor = "admin";
  else {
    const hash = store.stacks.tokenHash(stack.id);
    if (hash && tokenMatches(bearer, hash)) actor = "management";
  }
  if (!actor) return { ok: false, code: "forbidden", message: "That token does not manage this stack" };
  return { ok: true, name: stack.name, status: stack.status, url: stack.url, actor, readyAt: stack.readyAt };
}

/** Whether a bearer token may read what only a deployment's owner (or the admin) may read. */
export function mayReadDeployment(store: Store, adminToken: string | undefined, stackId: number, bearer: string | undefined): boolean {
  if (!bearer) return false;
  if (adminToken && secretEquals(bearer, adminToken)) return true;
  const hash = store.stacks.tokenHash(stackId);
  return hash !== null && tokenMatches(bearer, hash);
}
