import type { Database } from "bun:sqlite";

/** A Dokploy volume backup of one of a stack's volumes, and what its last run did. */
export interface StackBackup {
  volumeBackupId: string;
  stackId: number;
  volumeName: string;
  createdAt: string;
  lastRunAt: string | null;
  /** Dokploy's run status: done, error, running; null before the first run. */
  lastStatus: string | null;
  lastSuccessAt: string | null;
}

interface Row {
  volume_backup_id: string;
  stack_id: number;
  volume_name: string;
  created_at: string;
  last_run_at: string | null;
  last_status: string | null;
  last_success_at: string | null;
}

const toBackup = (r: Row): StackBackup => ({
  volumeBackupId: r.volume_backup_id,
  stackId: r.stack_id,
  volumeName: r.volume_name,
  createdAt: r.created_at,
  lastRunAt: r.last_run_at,
  lastStatus: r.last_status,
  lastSuccessAt: r.last_success_at,
});

export class BackupRepo {
  constructor(private readonly db: Database) {}

  add(stackId: number, volumeBackupId: string, volumeName: string, at: string): void {
    this.db
      .query("INSERT OR IGNORE INTO stack_backups (volume_backup_id, stack_id, volume_name, created_at) VALUES (?, ?, ?, ?)")
      .run(volumeBackupId, stackId, volumeName, at);
  }

  of(stackId: number): StackBackup[] {
    return (this.db.query("SELECT * FROM stack_backups WHERE stack_id = ? ORDER BY volume_name").all(stackId) as Row[]).map(toBackup);
  }

  /** What Dokploy's newest run of the backup said. */
  recordRun(volumeBackupId: string, run: { at: string; status: string | null }): void {
    this.db
      .query(
        `UPDATE stack_backups SET last_run_at = ?1, last_status = ?2,
           last_success_at = CASE WHEN ?2 = 'done' THEN ?1 ELSE last_success_at END
         WHERE volume_backup_id = ?3`,
      )
      .run(run.at, run.status, volumeBackupId);
  }

  remove(volumeBackupId: string): void {
    this.db.query("DELETE FROM stack_backups WHERE volume_backup_id = ?").run(volumeBackupId);
  }

  /** Every stack's backups by stack id, each stack's in the order of of(): for a list of stacks, one read. */
  byStack(): Map<number, StackBackup[]> {
    const rows = (this.db.query("SELECT * FROM stack_backups ORDER BY stack_id, volume_name").all() as Row[]).map(toBackup);
    const byStack = new Map<number, StackBackup[]>();
    for (const b of rows) byStack.set(b.stackId, [...(byStack.get(b.stackId) ?? []), b]);
    return byStack;
  }

  /** Backups of stacks deleted before `deletedBefore`: their names are free again, so their backups go. */
  expired(deletedBefore: string): StackBackup[] {
    return (
      this.db
        .query(
          `SELECT b.* FROM stack_backups b JOIN stacks s ON s.id = b.stack_id
           WHERE s.status IN ('deleted', 'failed') AND COALESCE(s.deleted_at, s.updated_at) < ?`,
        )
        .all(deletedBefore) as Row[]
    ).map(toBackup);
  }

  /** Backups of live stacks, for refreshing their last run. */
  live(): StackBackup[] {
    return (
      this.db
        .query(
          `SELECT b.* FROM stack_backups b JOIN stacks s ON s.id = b.stack_id
           WHERE s.status IN ('deploying', 'ready', 'deleting', 'cleanup_failed')`,
        )
        .all() as Row[]
    ).map(toBackup);
  }
}
