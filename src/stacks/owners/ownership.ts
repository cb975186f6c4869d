import type { Store } from "../../store/index.ts";
import type { OwnedStack } from "../model/vocabulary.ts";
import { type Person, ownerOf, sameOwner } from "./person.ts";
import { now } from "../runs/saga.ts";
import { tokenMatches } from "./secrets.ts";
import { type Result, fail } from "../model/result.ts";
import type { RequestContext } from "./access.ts";
import { recordAudit } from "./audit-trail.ts";
import { shareKeys } from "./shares.ts";

/**
 * Stacks and the people who own them (AUTH_MODE=oidc): a person's stacks ("Your stacks"), the
 * per-person limit, and claiming a stack made before sign-in with its management token.
 */

export class Ownership {
  constructor(
    private readonly store: Store,
    /** Live stacks a person may own at once; 0 means no limit. */
    private readonly maxPerPerson: number,
  ) {}

  atLimit(person: Person): boolean {
    return this.maxPerPerson > 0 && this.store.owners.countLive(person) >= this.maxPerPerson;
  }

  limitMessage(): string {
    const max = this.maxPerPerson;
    return `You already have ${max} stack${max === 1 ? "" : "s"}, the most one person may have; delete one first`;
  }

  /** The person's live stacks, then those shared with them, with the deployment to follow for each. */
  stacksOf(person: Person): OwnedStack[] {
    const own = this.store.owners.liveStacksOf(person);
    const ids = new Set(own.map((s) => s.id));
    const shared = this.store.shares.liveStacksSharedWith(shareKeys(person)).filter(({ stack }) => !ids.has(stack.id));
    return [...own.map((stack) => ({ stack, role: "owner" as const })), ...shared].map(({ stack, role }) => ({
      name: stack.name,
      url: stack.url,
      status: stack.status,
      createdAt: stack.createdAt,
      readyAt: stack.readyAt,
      deploymentId: this.store.deployments.latestFor(stack.id)?.id ?? null,
      role,
    }));
  }

  /**
   * A stack deployed before sign-in was switched on becomes the signed-in person's when they
   * show its management token. The token keeps working afterwards. Every attempt is audited.
   */
  claim(rawName: string, ctx: RequestContext): Result<{ name: string }> {
    const name = rawName.trim().toLowerCase();
    const result = this.tryClaim(name, ctx);
    recordAudit(this.store.audit, {
      action: "claim",
      stackName: name,
      actor: ctx.person ? "person" : "anonymous",
      outcome: result.ok ? "accepted" : result.code,
      ctx,
    });
    return result;
  }

  private tryClaim(name: string, { bearer, person }: RequestContext): Result<{ name: string }> {
    if (!person) return fail("sign_in_required", "Sign in to claim a stack");
    const stack = this.store.stacks.live(name);
    if (!stack) return fail("not_found", `There is no stack named "${name}"`);
    if (stack.owner && sameOwner(stack.owner, person)) return { ok: true, name };
    if (!bearer) return fail("unauthorized", "Send the stack's management token (Authorization: Bearer <token>)");
    const hash = this.store.stacks.tokenHash(stack.id);
    if (!hash || !tokenMatches(bearer, hash)) return fail("forbidden", "That token does not manage this stack");
    if (stack.owner) return fail("already_owned", "This stack already belongs to someone");
    const claimed = this.store.transaction(() =>
      this.atLimit(person) ? ("limit" as const) : this.store.owners.claim(stack.id, ownerOf(person), now()),
    );
    if (claimed === "limit") return fail("user_stack_limit", this.limitMessage());
    if (!claimed) return fail("already_owned", "This stack already belongs to someone");
    return { ok: true, name };
  }
}
