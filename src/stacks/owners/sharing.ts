import type { Store } from "../../store/index.ts";
import { type Result, fail } from "../model/result.ts";
import { now } from "../runs/saga.ts";
import type { Actor, RequestContext, StackAccess } from "./access.ts";
import { recordAudit } from "./audit-trail.ts";
import { MAX_SHARES, type Share, type ShareRequest, shareTarget } from "./shares.ts";

/**
 * The owner shares a stack (AUTH_MODE=oidc): lists, adds and removes who else may open or
 * manage it. Only the owner (or an admin, or the stack's management token) may; every change
 * and every refusal is audited. A removed share stops working at the next request: the gate
 * and every route read the shares from the database each time.
 */
export class Sharing {
  constructor(
    private readonly store: Store,
    private readonly access: StackAccess,
  ) {}

  list(rawName: string, ctx: RequestContext): Result<{ name: string; shares: Share[] }> {
    const access = this.access.liveStack(rawName, ctx, "own");
    if (!access.ok) return access;
    return { ok: true, name: access.stack.name, shares: this.store.shares.list(access.stack.id) };
  }

  /** Shares the stack with an address or a group, or changes the role it is shared with. */
  invite(rawName: string, ctx: RequestContext, req: ShareRequest): Result<{ name: string; share: Share; created: boolean }> {
    const target = shareTarget(req);
    const access = this.access.liveStack(rawName, ctx, "own");
    const result = access.ok ? this.put(access.stack.id, access.stack.name, target, req) : access;
    this.audit("share", rawName, access.ok ? access.actor : "anonymous", result, ctx, {
      ...target,
      role: req.role,
      ...(result.ok ? { created: result.created } : {}),
    });
    return result;
  }

  revoke(rawName: string, ctx: RequestContext, id: number): Result<{ name: string; share: Share }> {
    const access = this.access.liveStack(rawName, ctx, "own");
    const removed = access.ok ? this.store.shares.remove(access.stack.id, id) : null;
    const result: Result<{ name: string; share: Share }> = !access.ok
      ? access
      : removed
        ? { ok: true, name: access.stack.name, share: removed }
        : fail("not_found", "This stack is not shared with that id");
    this.audit(
      "unshare",
      rawName,
      access.ok ? access.actor : "anonymous",
      result,
      ctx,
      removed ? { kind: removed.kind, value: removed.value, role: removed.role } : { id },
    );
    return result;
  }

  private put(
    stackId: number,
    name: string,
    target: { kind: Share["kind"]; value: string },
    req: ShareRequest,
  ): Result<{ name: string; share: Share; created: boolean }> {
    return this.store.transaction(() => {
      if (!this.store.shares.has(stackId, target.kind, target.value) && this.store.shares.count(stackId) >= MAX_SHARES)
        return fail("share_limit", `A stack may be shared with at most ${MAX_SHARES} people and groups; remove one first`);
      return { ok: true as const, name, ...this.store.shares.put(stackId, target.kind, target.value, req.role, now()) };
    });
  }

  private audit(action: string, rawName: string, actor: Actor, result: Result<object>, ctx: RequestContext, detail: Record<string, unknown>): void {
    recordAudit(this.store.audit, {
      action,
      stackName: rawName.trim().toLowerCase(),
      actor,
      outcome: result.ok ? "accepted" : result.code,
      detail,
      ctx,
    });
  }
}
