import type { Database } from "bun:sqlite";
import type { Stack } from "../stacks/model/vocabulary.ts";
import { LIVE, type StackRow, toStack } from "./stacks.ts";

/** A live stack of the warm pool, with the image it was made with (null until it is ready). */
export type PoolMember = Stack & { image: string | null };

/**
 * The warm pool's rows (src/stacks/pool/): stacks with `pool_state` set and no owner. A deploy
 * takes one in a single UPDATE that only a ready, unclaimed row passes, so two deploys can never
 * both have it.
 */
export class PoolRepo {
  constructor(private readonly db: Database) {}

  /** Every live pooled stack, oldest first. */
  members(): PoolMember[] {
    const rows = this.db
      .query(
        `SELECT s.*, i.image AS image FROM stacks s LEFT JOIN stack_images i ON i.stack_id = s.id
         WHERE s.pool_state IS NOT NULL AND s.${LIVE} ORDER BY s.id`,
      )
      .all() as (StackRow & { image: string | null })[];
    return rows.map((r) => ({ ...toStack(r), image: r.image }));
  }

  /** Live pooled stacks in each pool state (a deleting one counts as neither). */
  counts(): { warming: number; ready: number } {
    const rows = this.db
      .query(
        `SELECT pool_state AS state, COUNT(*) AS n FROM stacks
         WHERE pool_state IS NOT NULL AND status IN ('deploying', 'ready') AND ${LIVE} GROUP BY pool_state`,
      )
      .all() as { state: "warming" | "ready"; n: number }[];
    const of = (state: string) => rows.find((r) => r.state === state)?.n ?? 0;
    return { warming: of("warming"), ready: of("ready") };
  }

  /** All live pooled stacks, in any state: what the pool takes of MAX_STACKS. */
  countLive(): number {
    return (this.db.query(`SELECT COUNT(*) AS n FROM stacks WHERE pool_state IS NOT NULL AND ${LIVE}`).get() as { n: number }).n;
  }

  /** Its OpenCode answered: a deploy may take it from now on. */
  markReady(id: number, now: string): void {
    this.db.query("UPDATE stacks SET pool_state = 'ready', updated_at = ? WHERE id = ? AND pool_state = 'warming'").run(now, id);
  }

  /**
   * Makes a ready pooled stack the deploying stack `name` of its new owner, in one UPDATE: false
   * when it is no longer ready and unclaimed (another deploy took it, or the pool let it go). Its
   * volumes keep the pool name they were made under. Throws SQLite's UNIQUE error when a live
   * stack of that name appeared meanwhile.
   */
  take(id: number, to: { name: string; url: string; tokenHash: string }, now: string): boolean {
    const result = this.db
      .query(
        `UPDATE stacks SET name = ?1, url = ?2, token_hash = ?3, pool_state = NULL, volume_name = COALESCE(volume_name, name),
           status = 'deploying', created_at = ?4, ready_at = NULL, updated_at = ?4
         WHERE id = ?5 AND pool_state = 'ready' AND status = 'ready'`,
      )
      .run(to.name, to.url, to.tokenHash, now, id);
    return result.changes === 1;
  }
}
