import type { Database } from "bun:sqlite";
import type { Stack } from "../stacks/model/vocabulary.ts";
import type { Share, ShareKind, ShareRole } from "../stacks/owners/shares.ts";
import { LIVE, type StackRow, toStack } from "./stacks.ts";

interface ShareRow {
  id: number;
  kind: ShareKind;
  value: string;
  role: ShareRole;
  created_at: string;
  updated_at: string;
}

const toShare = (r: ShareRow): Share => ({ id: r.id, kind: r.kind, value: r.value, role: r.role, createdAt: r.created_at, updatedAt: r.updated_at });

/** Of the matching shares' roles, manager over user (NULL when none match). */
const STRONGEST = "CASE MAX(role = 'manager') WHEN 1 THEN 'manager' WHEN 0 THEN 'user' END";

/** Who matches a share: a person's lower-case e-mail address (or null) and their groups. */
export interface ShareKeys {
  email: string | null;
  groups: readonly string[];
}

/**
 * Who a stack is shared with (src/stacks/owners/shares.ts). A share belongs to one stack row:
 * a stack deleted and deployed again under the same name starts with nobody.
 */
export class ShareRepo {
  constructor(private readonly db: Database) {}

  /** The stack's shares, oldest first. */
  list(stackId: number): Share[] {
    return (this.db.query("SELECT * FROM stack_shares WHERE stack_id = ? ORDER BY id").all(stackId) as ShareRow[]).map(toShare);
  }

  count(stackId: number): number {
    return (this.db.query("SELECT COUNT(*) AS n FROM stack_shares WHERE stack_id = ?").get(stackId) as { n: number }).n;
  }

  /** Whether the stack is shared with this address or group already. */
  has(stackId: number, kind: ShareKind, value: string): boolean {
    return this.db.query("SELECT 1 FROM stack_shares WHERE stack_id = ? AND kind = ? AND value = ?").get(stackId, kind, value) !== null;
  }

  /** Adds a share, or gives an existing one for the same address or group this role. */
  put(stackId: number, kind: ShareKind, value: string, role: ShareRole, now: string): { share: Share; created: boolean } {
    const created = !this.has(stackId, kind, value);
    const row = this.db
      .query(
        `INSERT INTO stack_shares (stack_id, kind, value, role, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)
         ON CONFLICT (stack_id, kind, value) DO UPDATE SET role = excluded.role,
           updated_at = CASE WHEN role = excluded.role THEN updated_at ELSE excluded.updated_at END
         RETURNING *`,
      )
      .get(stackId, kind, value, role, now) as ShareRow;
    return { share: toShare(row), created };
  }

  /** Removes one of the stack's shares; the removed share, or null when it had none with that id. */
  remove(stackId: number, id: number): Share | null {
    const row = this.db.query("DELETE FROM stack_shares WHERE stack_id = ? AND id = ? RETURNING *").get(stackId, id) as ShareRow | null;
    return row ? toShare(row) : null;
  }

  /** The strongest role the stack is shared with this person by (manager over user), or null. */
  roleOf(stackId: number, keys: ShareKeys): ShareRole | null {
    const row = this.db
      .query(
        `SELECT ${STRONGEST} AS role FROM stack_shares WHERE stack_id = ?1
           AND ((kind = 'email' AND value = ?2) OR (kind = 'group' AND value IN (SELECT value FROM json_each(?3))))`,
      )
      .get(stackId, keys.email, JSON.stringify(keys.groups)) as { role: ShareRole | null };
    return row.role;
  }

  /** The live stacks shared with this person, newest first, each with the strongest role. */
  liveStacksSharedWith(keys: ShareKeys): { stack: Stack; role: ShareRole }[] {
    const rows = this.db
      .query(
        `SELECT s.*, ${STRONGEST} AS share_role FROM stack_shares sh JOIN stacks s ON s.id = sh.stack_id
         WHERE s.${LIVE} AND ((sh.kind = 'email' AND sh.value = ?1) OR (sh.kind = 'group' AND sh.value IN (SELECT value FROM json_each(?2))))
         GROUP BY s.id ORDER BY s.id DESC`,
      )
      .all(keys.email, JSON.stringify(keys.groups)) as (StackRow & { share_role: ShareRole })[];
    return rows.map((r) => ({ stack: toStack(r), role: r.share_role }));
  }
}
