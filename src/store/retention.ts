import type { Database } from "bun:sqlite";

/**
 * Letting history go, in small batches (src/stacks/upkeep/history-keeper.ts calls these in the
 * background). Each call is one short transaction that reads and deletes at most about
 * `limit` rows, and says whether a full batch was done (`more`: call again).
 */

export interface HistoryBatch {
  /** Deployments whose events, report and image were removed (the row and outcome stay). */
  deployments: number;
  events: number;
  reports: number;
  more: boolean;
}

export interface DeletedStacksBatch {
  stacks: number;
  /** Their deployments, events, reports, images and placements. */
  rows: number;
  more: boolean;
}

export class RetentionRepo {
  constructor(private readonly db: Database) {}

  /**
   * Events, report and image of deployments that finished before `before`, oldest first.
   * Found in `deployments_unpruned`, which only holds the rows not pruned yet: a batch never
   * reads the history it already let go.
   */
  pruneHistory(before: string, limit: number): HistoryBatch {
    return this.db.transaction(() => {
      const ids = (
        this.db.query("SELECT id FROM deployments WHERE pruned_seq IS NULL AND finished_at < ? ORDER BY finished_at LIMIT ?").all(before, limit) as {
          id: string;
        }[]
      ).map((r) => r.id);
      if (ids.length === 0) return { deployments: 0, events: 0, reports: 0, more: false };
      const list = JSON.stringify(ids);
      const these = "SELECT value FROM json_each(?1)";
      // The done event's seq stays with the row: a watcher's Last-Event-ID still means what it meant.
      // What only a running deployment needs (its step, Dokploy's baseline) goes with the events.
      this.db
        .query(
          `UPDATE deployments SET pruned_seq = (SELECT COALESCE(MAX(seq), 0) FROM deployment_events WHERE deployment_id = deployments.id),
             dokploy_baseline = NULL, step = NULL
           WHERE id IN (${these})`,
        )
        .run(list);
      const events = this.db.query(`DELETE FROM deployment_events WHERE deployment_id IN (${these})`).run(list).changes;
      const reports = this.db.query(`DELETE FROM deployment_reports WHERE deployment_id IN (${these})`).run(list).changes;
      this.db.query(`DELETE FROM deployment_images WHERE deployment_id IN (${these})`).run(list);
      return { deployments: ids.length, events, reports, more: ids.length === limit };
    })();
  }

  /**
   * Deleted (and failed) stacks whose quarantine ended before `before`, once their Dokploy
   * backups are gone (BackupKeeper removes them first): their deployments and everything
   * hanging from them. The stack's own row stays, without its owner's name and email: its
   * token hash and volume generation keep a later owner of the name off its volumes.
   */
  pruneDeletedStacks(before: string, limit: number, now: string): DeletedStacksBatch {
    return this.db.transaction(() => {
      const ids = (
        this.db
          .query(
            `SELECT id FROM stacks
             WHERE status IN ('deleted', 'failed') AND pruned_at IS NULL AND COALESCE(deleted_at, updated_at) < ?
               AND NOT EXISTS (SELECT 1 FROM stack_backups b WHERE b.stack_id = stacks.id)
             LIMIT ?`,
          )
          .all(before, limit) as { id: number }[]
      ).map((r) => r.id);
      let rows = 0;
      for (const id of ids) {
        const ofStack = "SELECT id FROM deployments WHERE stack_id = ?1";
        rows += this.db.query(`DELETE FROM deployment_events WHERE deployment_id IN (${ofStack})`).run(id).changes;
        rows += this.db.query(`DELETE FROM deployment_reports WHERE deployment_id IN (${ofStack})`).run(id).changes;
        rows += this.db.query(`DELETE FROM deployment_images WHERE deployment_id IN (${ofStack})`).run(id).changes;
        rows += this.db.query("DELETE FROM deployments WHERE stack_id = ?").run(id).changes;
        rows += this.db.query("DELETE FROM stack_images WHERE stack_id = ?").run(id).changes;
        // The node stays known until the stack's volumes are let go (volume-reaper.ts needs it).
        rows += this.db
          .query("DELETE FROM stack_placements WHERE stack_id = ?1 AND (SELECT volumes_removed_at FROM stacks WHERE id = ?1) IS NOT NULL")
          .run(id).changes;
        this.db.query("UPDATE stacks SET pruned_at = ?, owner_name = NULL, owner_email = NULL WHERE id = ?").run(now, id);
      }
      return { stacks: ids.length, rows, more: ids.length === limit };
    })();
  }

  /**
   * Audit entries older than `before`. Entries are written as things happen, so id order is
   * time order: only the oldest `limit` are read, never the whole log.
   */
  pruneAudit(before: string, limit: number): { rows: number; more: boolean } {
    const rows = this.db
      .query("DELETE FROM audit WHERE id IN (SELECT id FROM (SELECT id, at FROM audit ORDER BY id LIMIT ?) WHERE at < ?)")
      .run(limit, before).changes;
    return { rows, more: rows === limit };
  }
}
