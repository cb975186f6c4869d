import type { Store } from "../../store/index.ts";
import type { actor, Deployment, Stack, StackRole } from "../model/vocabulary.ts";
import type { z } from "zod";
import { normaliseName } from "../model/names.ts";
import { type Problem, type Result, fail } from "../model/result.ts";
import { type Person, sameOwner } from "./person.ts";
import { secretEquals, tokenMatches } from "./secrets.ts";
import { type ShareRole, shareKeys } from "./shares.ts";

/**
 * Who may do what to a stack: a signed-in admin or the stack's signed-in owner, someone the
 * owner shared it with (shares.ts) as far as their role goes, else whoever the bearer token
 * speaks for (the admin token or the stack's management token). Every command and every
 * owner's read asks here, so the rule is written once.
 */

export type Actor = z.infer<typeof actor>;

/**
 * What a request needs, each including the ones before: `read` its state and operations
 * (a shared `user`), `operate` stop, start, restart, upgrade, keep awake and the logs (a
 * `manager`), `own` everything else: delete, a new password, model keys, a restore, sharing.
 */
export type Permission = "read" | "operate" | "own";

const GRANTS: Record<ShareRole, readonly Permission[]> = { user: ["read"], manager: ["read", "operate"] };

/** The role the page draws from: an admin and the management token may do what the owner may. */
export const roleOf = (actor: Actor): StackRole => (actor === "user" || actor === "manager" ? actor : "owner");

export interface RequestContext {
  bearer?: string;
  /** The signed-in person (AUTH_MODE=oidc), if any. */
  person?: Person;
  /** The client's address, for the audit log. */
  client?: string;
  /** A repeated deploy with the same key returns the same deployment. */
  idempotencyKey?: string;
}

export interface AccessOptions {
  adminToken?: string;
  /** AUTH_MODE=oidc: nothing is readable without a signed-in person or a token. */
  requireSignIn: boolean;
}

export class StackAccess {
  constructor(
    private readonly store: Store,
    private readonly opts: AccessOptions,
  ) {}

  /** AUTH_MODE=oidc: a deploy needs a signed-in person, who becomes the stack's owner. */
  get requireSignIn(): boolean {
    return this.opts.requireSignIn;
  }

  authorize(stack: Stack, ctx: RequestContext, need: Permission = "own"): Actor | Problem {
    const { bearer, person } = ctx;
    if (person?.admin) return "admin";
    if (person && stack.owner && sameOwner(stack.owner, person)) return "owner";
    const shared = person ? this.store.shares.roleOf(stack.id, shareKeys(person)) : null;
    if (shared && GRANTS[shared].includes(need)) return shared;
    if (!bearer) {
      if (shared)
        return fail(
          "owner_only",
          need === "own" ? "Only the stack's owner may do this" : "Only the stack's owner or someone it is shared with as a manager may do this",
        );
      if (person) return fail("forbidden", "This stack belongs to someone else");
      return fail(
        "unauthorized",
        this.opts.requireSignIn
          ? "Sign in as the stack's owner, or send its management token (Authorization: Bearer <token>)"
          : "This needs the stack's management token (Authorization: Bearer <token>)",
      );
    }
    if (this.opts.adminToken && secretEquals(bearer, this.opts.adminToken)) return "admin";
    const hash = this.store.stacks.tokenHash(stack.id);
    if (hash && tokenMatches(bearer, hash)) return "management";
    return fail("forbidden", "That token does not manage this stack");
  }

  /** The live stack of that name and who the request speaks for, or why not. */
  liveStack(rawName: string, ctx: RequestContext, need: Permission = "own"): Result<{ stack: Stack; actor: Actor }> {
    const name = normaliseName(rawName);
    const stack = this.store.stacks.live(name);
    if (!stack) return fail("not_found", `There is no stack named "${name}"`);
    const actor = this.authorize(stack, ctx, need);
    if (typeof actor !== "string") return actor;
    return { ok: true, stack, actor };
  }

  /**
   * "Does this request manage this live stack?", answered without changing anything, so the
   * page can check a delete before asking to confirm it. Without credentials it says only
   * that they are needed (not whether the name exists).
   */
  check(rawName: string, ctx: RequestContext): Result<{ name: string; status: string; url: string; actor: Actor; readyAt: string | null }> {
    if (ctx.bearer === undefined && ctx.person === undefined)
      return fail("unauthorized", "This needs the stack's management token (Authorization: Bearer <token>)");
    const stack = this.store.stacks.live(normaliseName(rawName));
    if (!stack) return fail("not_found", "There is no stack with that name");
    const actor = this.authorize(stack, ctx, "read");
    if (typeof actor !== "string") return actor;
    return { ok: true, name: stack.name, status: stack.status, url: stack.url, actor, readyAt: stack.readyAt };
  }

  /** Whether the request may read what only those who manage the stack (its owner, a manager, an admin) may read. */
  mayRead(stackId: number, ctx: RequestContext): Result<object> {
    const stack = this.store.stacks.byId(stackId);
    if (!stack) return fail("not_found", "No such stack");
    const actor = this.authorize(stack, ctx, "operate");
    return typeof actor === "string" ? { ok: true } : actor;
  }

  /**
   * The deployment with that id, if the request may read it (its snapshot, events and report):
   * anyone in open mode, with the details for the stack's owner, its managers and admins; with
   * sign-in only those and the people it is shared with.
   * Credentials that come along must be right: a wrong token is refused here as everywhere,
   * so that it cannot be guessed here more cheaply than elsewhere.
   */
  deployment(id: string, ctx: RequestContext): Result<{ deployment: Deployment; details: boolean }> {
    const deployment = this.store.deployments.byId(id);
    if (!deployment) return fail("not_found", "No deployment with that id");
    if (!this.opts.requireSignIn && ctx.bearer === undefined && ctx.person === undefined) return { ok: true, deployment, details: false };
    const stack = this.store.stacks.byId(deployment.stackId);
    const actor = stack ? this.authorize(stack, ctx, "read") : fail("forbidden", "That token does not manage this stack");
    return typeof actor === "string" ? { ok: true, deployment, details: actor !== "user" } : actor;
  }
}
