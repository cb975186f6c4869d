import type { Database } from "bun:sqlite";
import type { Stack } from "../stacks/model/vocabulary.ts";
import type { Owner } from "../stacks/owners/person.ts";
import { LIVE, type StackRow, toStack } from "./stacks.ts";

/** Who owns which stack (AUTH_MODE=oidc): set at deploy, or by a claim with the management token. */
export class OwnerRepo {
  constructor(private readonly db: Database) {}

  /** Records the owner of a stack that has none; false if it already had one. */
  claim(stackId: number, owner: Owner, now: string): boolean {
    const result = this.db
      .query(
        `UPDATE stacks SET owner_issuer = ?, owner_subject = ?, owner_name = ?, owner_email = ?, updated_at = ?
         WHERE id = ? AND owner_subject IS NULL`,
      )
      .run(owner.issuer, owner.subject, owner.name, owner.email, now, stackId);
    return result.changes === 1;
  }

  /** The person's live stacks, newest first. */
  liveStacksOf(owner: Pick<Owner, "issuer" | "subject">): Stack[] {
    return (
      this.db
        .query(`SELECT * FROM stacks WHERE owner_subject = ? AND owner_issuer = ? AND ${LIVE} ORDER BY id DESC`)
        .all(owner.subject, owner.issuer) as StackRow[]
    ).map(toStack);
  }

  countLive(owner: Pick<Owner, "issuer" | "subject">): number {
    return (
      this.db.query(`SELECT COUNT(*) AS n FROM stacks WHERE owner_subject = ? AND owner_issuer = ? AND ${LIVE}`).get(owner.subject, owner.issuer) as {
        n: number;
      }
    ).n;
  }
}
