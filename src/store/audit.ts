import type { Database } from "bun:sqlite";
import { z } from "zod";
import { owner } from "../stacks/owners/person.ts";
import { actor } from "../stacks/model/vocabulary.ts";

export const auditEntry = z.object({
  id: z.number().int(),
  at: z.string(),
  action: z.string(),
  stackName: z.string().nullable(),
  deploymentId: z.string().nullable(),
  client: z.string().nullable(),
  actor,
  /** The signed-in person who acted (AUTH_MODE=oidc), else null. */
  person: owner.nullable(),
  outcome: z.string(),
  detail: z.record(z.string(), z.unknown()).nullable(),
});
export type AuditEntry = z.infer<typeof auditEntry>;
export type NewAuditEntry = Omit<AuditEntry, "id" | "person"> & { person?: AuditEntry["person"] };

/** The audit log's filters (exact values): by action, by stack, by who, by outcome. */
export interface AuditFilter {
  action?: string;
  stack?: string;
  actor?: string;
  outcome?: string;
}

export class AuditRepo {
  constructor(private readonly db: Database) {}

  record(e: NewAuditEntry): void {
    this.db
      .query(`INSERT INTO audit (at, action, stack_name, deployment_id, client, actor, outcome, detail, person) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(
        e.at,
        e.action,
        e.stackName,
        e.deploymentId,
        e.client,
        e.actor,
        e.outcome,
        e.detail ? JSON.stringify(e.detail) : null,
        e.person ? JSON.stringify(e.person) : null,
      );
  }

  /** Newest first; `before` is the id of the last entry of the previous page; only entries matching every filter given. */
  page(limit: number, before?: number, filter: AuditFilter = {}): AuditEntry[] {
    const where = ["id < ?"];
    const args: (string | number)[] = [before ?? Number.MAX_SAFE_INTEGER];
    for (const [column, value] of [
      ["action", filter.action],
      ["stack_name", filter.stack],
      ["actor", filter.actor],
      ["outcome", filter.outcome],
    ] as const) {
      if (value === undefined) continue;
      where.push(`${column} = ?`);
      args.push(value);
    }
    args.push(limit);
    const rows = this.db.query(`SELECT * FROM audit WHERE ${where.join(" AND ")} ORDER BY id DESC LIMIT ?`).all(...args) as Record<string, unknown>[];
    return rows.map((r) =>
      auditEntry.parse({
        id: r.id,
        at: r.at,
        action: r.action,
        stackName: r.stack_name,
        deploymentId: r.deployment_id,
        client: r.client,
        actor: r.actor,
        outcome: r.outcome,
        detail: r.detail ? JSON.parse(r.detail as string) : null,
        person: r.person ? JSON.parse(r.person as string) : null,
      }),
    );
  }
}
