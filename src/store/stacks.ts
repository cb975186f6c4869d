import type { VolumeLineage } from "../stacks/owners/volume-generations.ts";
import type { Database } from "bun:sqlite";
import type { PoolState, Stack, StackResources, StackStatus } from "../stacks/model/vocabulary.ts";

export interface StackRow {
  id: number;
  name: string;
  status: StackStatus;
  url: string;
  token_hash: string;
  project_id: string | null;
  environment_id: string | null;
  application_id: string | null;
  app_name: string | null;
  domain_id: string | null;
  mount_ids: string;
  volume_generation: number;
  created_at: string;
  updated_at: string;
  ready_at: string | null;
  deleted_at: string | null;
  owner_issuer: string | null;
  owner_subject: string | null;
  owner_name: string | null;
  owner_email: string | null;
  pool_state: PoolState | null;
  volume_name: string | null;
}

export const LIVE_STATUSES: readonly StackStatus[] = ["deploying", "ready", "deleting", "cleanup_failed"];
/** Must match the partial unique index `stacks_live_name` (migration 1). */
export const LIVE = `status IN (${LIVE_STATUSES.map((s) => `'${s}'`).join(", ")})`;
/** Not a stack of the warm pool: every stack an owner, a list or a count of stacks sees. */
const OWNED = "pool_state IS NULL";
/** Must match the partial index `stacks_gone` (migration 12). */
const GONE = `status IN ('deleted', 'failed')`;

export function toStack(r: StackRow): Stack {
  return {
    id: r.id,
    name: r.name,
    status: r.status,
    url: r.url,
    projectId: r.project_id,
    environmentId: r.environment_id,
    applicationId: r.application_id,
    appName: r.app_name,
    domainId: r.domain_id,
    mountIds: JSON.parse(r.mount_ids) as string[],
    volumeGeneration: r.volume_generation,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    readyAt: r.ready_at,
    deletedAt: r.deleted_at,
    owner:
      r.owner_issuer !== null && r.owner_subject !== null
        ? { issuer: r.owner_issuer, subject: r.owner_subject, name: r.owner_name, email: r.owner_email }
        : null,
    pool: r.pool_state,
    volumeName: r.volume_name,
  };
}

const RESOURCE_COLUMNS = {
  projectId: "project_id",
  environmentId: "environment_id",
  applicationId: "application_id",
  appName: "app_name",
  domainId: "domain_id",
  mountIds: "mount_ids",
} as const satisfies Record<keyof StackResources, string>;

export class StackRepo {
  private readonly liveHolder;
  private readonly quarantined;

  constructor(private readonly db: Database) {
    this.liveHolder = db.prepare(`SELECT token_hash FROM stacks WHERE name = ? AND ${LIVE}`);
    this.quarantined = db.prepare(
      `SELECT token_hash, deleted_at, owner_issuer, owner_subject FROM stacks WHERE name = ?1 AND status = 'deleted' AND deleted_at > ?2`,
    );
  }

  /**
   * Inserts a deploying stack (`pool`: a warming one of the pool, with no owner); returns null
   * when a live stack already has the name. `volumes`: whose volumes it mounts (owners/volume-generations.ts).
   */
  insert(
    name: string,
    url: string,
    tokenHash: string,
    now: string,
    volumes: { generation: number; volumeName?: string | null } = { generation: 0 },
    pool: "warming" | null = null,
  ): Stack | null {
    try {
      const row = this.db
        .query(
          `INSERT INTO stacks (name, status, url, token_hash, volume_generation, volume_name, pool_state, created_at, updated_at)
           VALUES (?, 'deploying', ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
        )
        .get(name, url, tokenHash, volumes.generation, volumes.volumeName ?? null, pool, now, now) as StackRow;
      return toStack(row);
    } catch (err) {
      if (err instanceof Error && /UNIQUE constraint failed/.test(err.message)) return null;
      throw err;
    }
  }

  byId(id: number): Stack | null {
    const row = this.db.query("SELECT * FROM stacks WHERE id = ?").get(id) as StackRow | null;
    return row ? toStack(row) : null;
  }

  /** A stack a deployment or a saga already holds: rows are never deleted, so it is there. */
  existing(id: number): Stack {
    const stack = this.byId(id);
    if (!stack) throw new Error(`stack ${id} is not in the store`);
    return stack;
  }

  /** The live stack of that name, if any. */
  live(name: string): Stack | null {
    const row = this.db.query(`SELECT * FROM stacks WHERE name = ? AND ${LIVE}`).get(name) as StackRow | null;
    return row ? toStack(row) : null;
  }

  /** The newest row of that name: the live stack if there is one (for status after a delete). */
  latest(name: string): Stack | null {
    const row = this.db.query(`SELECT * FROM stacks WHERE name = ? ORDER BY id DESC LIMIT 1`).get(name) as StackRow | null;
    return row ? toStack(row) : null;
  }

  /**
   * Who holds a name: its live stack, else the newest stack deleted after `since`
   * (the quarantine), else nobody. Strictly after: a hold ends at its delete's instant plus
   * the quarantine, so with 0 days the name is free in the millisecond its delete finished
   * (`>=` held it when the next deploy came within that millisecond). The name check runs
   * this on every request, so both lookups are prepared and indexed, and skip ORDER BY
   * (measured: ten times slower here).
   */
  holder(name: string, since: string): { live: boolean; tokenHash: string; owner: { issuer: string; subject: string } | null } | null {
    const live = this.liveHolder.get(name) as { token_hash: string } | null;
    if (live) return { live: true, tokenHash: live.token_hash, owner: null };
    const deleted = this.quarantined.all(name, since) as {
      token_hash: string;
      deleted_at: string;
      owner_issuer: string | null;
      owner_subject: string | null;
    }[];
    const newest = deleted.reduce<(typeof deleted)[number] | null>((a, b) => (a && a.deleted_at >= b.deleted_at ? a : b), null);
    if (!newest) return null;
    const owner =
      newest.owner_issuer !== null && newest.owner_subject !== null ? { issuer: newest.owner_issuer, subject: newest.owner_subject } : null;
    return { live: false, tokenHash: newest.token_hash, owner };
  }

  /** Every stack the name ever had, newest first: whose token, which volume generation. */
  volumeHistory(name: string): VolumeLineage[] {
    const rows = this.db
      .query("SELECT token_hash, volume_generation, volume_name, owner_issuer, owner_subject FROM stacks WHERE name = ? ORDER BY id DESC")
      .all(name) as {
      token_hash: string;
      volume_generation: number;
      volume_name: string | null;
      owner_issuer: string | null;
      owner_subject: string | null;
    }[];
    return rows.map((r) => ({
      tokenHash: r.token_hash,
      generation: r.volume_generation,
      volumeName: r.volume_name,
      owner: r.owner_issuer !== null && r.owner_subject !== null ? { issuer: r.owner_issuer, subject: r.owner_subject } : null,
    }));
  }

  /**
   * Gone stacks whose volumes are still kept and whose quarantine ended before `before`
   * (a failed deploy counts from its last change), oldest first. A pooled stack that was never
   * claimed has no owner to come back: its volumes go at once.
   */
  volumesToLetGo(before: string, limit: number): Stack[] {
    return (
      this.db
        .query(
          `SELECT * FROM stacks INDEXED BY stacks_volumes_kept
           WHERE ${GONE} AND volumes_removed_at IS NULL AND (pool_state IS NOT NULL OR COALESCE(deleted_at, updated_at) < ?)
           ORDER BY deleted_at LIMIT ?`,
        )
        .all(before, limit) as StackRow[]
    ).map(toStack);
  }

  /**
   * The name and volume generation of every stack whose volumes the portal keeps: live, or gone
   * with its volumes not let go; with `since`, only the gone ones gone since then (still held; a never-claimed pooled stack is never held).
   */
  volumeLineages(since?: string): { name: string; volumeGeneration: number; volumeName: string | null }[] {
    const held = since === undefined ? "" : " AND pool_state IS NULL AND COALESCE(deleted_at, updated_at) >= ?";
    return (
      this.db
        .query(
          `SELECT name, volume_generation, volume_name FROM stacks WHERE ${LIVE}
           UNION SELECT name, volume_generation, volume_name FROM stacks INDEXED BY stacks_volumes_kept
             WHERE ${GONE} AND volumes_removed_at IS NULL${held}`,
        )
        .all(...(since === undefined ? [] : [since])) as { name: string; volume_generation: number; volume_name: string | null }[]
    ).map((r) => ({ name: r.name, volumeGeneration: r.volume_generation, volumeName: r.volume_name }));
  }

  markVolumesRemoved(id: number, at: string): void {
    this.db.query("UPDATE stacks SET volumes_removed_at = ? WHERE id = ?").run(at, id);
  }

  tokenHash(id: number): string | null {
    const row = this.db.query("SELECT token_hash FROM stacks WHERE id = ?").get(id) as { token_hash: string } | null;
    return row?.token_hash ?? null;
  }

  /** Owned stacks; `includePool`: the warm pool's too (stacks/pool/), which no owner or list shows. */
  list(opts: { includeGone?: boolean; includePool?: boolean; limit?: number; offset?: number } = {}): Stack[] {
    const where = [opts.includeGone ? "" : LIVE, opts.includePool ? "" : OWNED].filter(Boolean);
    return (
      this.db
        .query(`SELECT * FROM stacks ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY id DESC LIMIT ? OFFSET ?`)
        .all(opts.limit ?? 1000, opts.offset ?? 0) as StackRow[]
    ).map(toStack);
  }

  /**
   * Newest first, keyset-paged by id: `before` is the id of the last stack of the previous
   * page. One row more than asked tells whether there is a next page.
   */
  page(opts: { includeGone: boolean; limit: number; before?: number }): { stacks: Stack[]; more: boolean } {
    const where = opts.includeGone ? "" : `AND ${LIVE}`;
    const rows = this.db
      .query(`SELECT * FROM stacks WHERE id < ? AND ${OWNED} ${where} ORDER BY id DESC LIMIT ?`)
      .all(opts.before ?? Number.MAX_SAFE_INTEGER, opts.limit + 1) as StackRow[];
    return { stacks: rows.slice(0, opts.limit).map(toStack), more: rows.length > opts.limit };
  }

  /**
   * The Dokploy applications the portal made and still knows of: the live stacks', and those of
   * stacks gone so recently that retention has kept them (a delete may have raced the reader).
   */
  knownApplications(): { applicationId: string; appName: string }[] {
    return this.db
      .query(
        `SELECT application_id AS applicationId, app_name AS appName FROM stacks WHERE ${LIVE} AND application_id IS NOT NULL AND app_name IS NOT NULL
         UNION ALL SELECT application_id, app_name FROM stacks INDEXED BY stacks_recently_gone
         WHERE ${GONE} AND pruned_at IS NULL AND application_id IS NOT NULL AND app_name IS NOT NULL`,
      )
      .all() as { applicationId: string; appName: string }[];
  }

  /** Live ones read through `stacks_live`, deleted and failed ones counted in `stacks_gone` alone (migration 12). */
  countByStatus(): Record<string, number> {
    const rows = this.db
      .query(
        `SELECT status, COUNT(*) AS n FROM stacks WHERE ${LIVE} AND ${OWNED} GROUP BY status
         UNION ALL SELECT status, COUNT(*) AS n FROM stacks WHERE ${GONE} GROUP BY status`,
      )
      .all() as { status: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }

  /** Live stacks with an owner (MAX_STACKS counts these; the pool keeps within what is left). */
  countLive(): number {
    return (this.db.query(`SELECT COUNT(*) AS n FROM stacks WHERE ${LIVE} AND ${OWNED}`).get() as { n: number }).n;
  }

  /** Writes Dokploy ids as soon as they are known, so a crash leaves enough to clean up. */
  setResources(id: number, resources: Partial<StackResources>, now: string): void {
    const sets: string[] = [];
    const values: (string | null)[] = [];
    for (const [key, column] of Object.entries(RESOURCE_COLUMNS)) {
      const value = resources[key as keyof StackResources];
      if (value === undefined) continue;
      sets.push(`${column} = ?`);
      values.push(Array.isArray(value) ? JSON.stringify(value) : value);
    }
    if (sets.length === 0) return;
    this.db.query(`UPDATE stacks SET ${sets.join(", ")}, updated_at = ? WHERE id = ?`).run(...values, now, id);
  }

  setStatus(id: number, status: StackStatus, now: string): void {
    const extra = status === "ready" ? ", ready_at = ?4" : status === "deleted" ? ", deleted_at = ?4" : "";
    this.db.query(`UPDATE stacks SET status = ?1, updated_at = ?2 ${extra} WHERE id = ?3`).run(status, now, id, ...(extra ? [now] : []));
  }
}
