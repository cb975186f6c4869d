import type { AuditFilter, AuditRepo } from "../../store/audit.ts";
import { now } from "../runs/saga.ts";
import type { Actor, RequestContext } from "./access.ts";
import { ownerOf } from "./person.ts";

/**
 * Who asked for what, and how it ended, for the audit log: every deploy, delete, operation,
 * claim, rollout change and system clean-up is written through here, in one shape.
 */
export interface AuditFact {
  action: string;
  /** The name as asked for; cut short here, since it may be user input. */
  stackName: string | null;
  deploymentId?: string | null;
  actor: Actor;
  /** "accepted", a refusal's code, or what a system job did. */
  outcome: string;
  detail?: Record<string, unknown> | null;
  /** The request it came with: its client address and signed-in person. */
  ctx?: RequestContext;
}

export function recordAudit(audit: AuditRepo, fact: AuditFact): void {
  const { ctx } = fact;
  audit.record({
    at: now(),
    action: fact.action,
    stackName: fact.stackName?.slice(0, 64) ?? null,
    deploymentId: fact.deploymentId ?? null,
    client: ctx?.client ?? null,
    actor: fact.actor,
    outcome: fact.outcome,
    detail: fact.detail ?? null,
    ...(ctx?.person ? { person: ownerOf(ctx.person) } : {}),
  });
}

/** The audit log as the HTTP layer sees it: facts in, pages out. */
export class AuditTrail {
  constructor(private readonly repo: AuditRepo) {}

  record(fact: AuditFact): void {
    recordAudit(this.repo, fact);
  }

  /** Newest first; `before` is the id of the previous page's last entry; `filter` keeps the entries matching it. */
  page(limit: number, before?: number, filter?: AuditFilter): ReturnType<AuditRepo["page"]> {
    return this.repo.page(limit, before, filter);
  }
}
