import type { Database } from "bun:sqlite";

export interface IdempotencyRecord {
  name: string;
  deploymentId: string;
  sealed: string;
}

export class IdempotencyRepo {
  constructor(private readonly db: Database) {}

  get(keyHash: string, since: string): IdempotencyRecord | null {
    const row = this.db.query(`SELECT name, deployment_id, sealed FROM idempotency WHERE key_hash = ? AND created_at >= ?`).get(keyHash, since) as {
      name: string;
      deployment_id: string;
      sealed: string;
    } | null;
    return row ? { name: row.name, deploymentId: row.deployment_id, sealed: row.sealed } : null;
  }

  put(keyHash: string, record: IdempotencyRecord, now: string): void {
    this.db
      .query(`INSERT OR REPLACE INTO idempotency (key_hash, name, deployment_id, sealed, created_at) VALUES (?, ?, ?, ?, ?)`)
      .run(keyHash, record.name, record.deploymentId, record.sealed, now);
  }

  prune(before: string): void {
    this.db.query(`DELETE FROM idempotency WHERE created_at < ?`).run(before);
  }
}
