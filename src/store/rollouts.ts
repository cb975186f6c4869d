import type { Database } from "bun:sqlite";
import type { Rollout, RolloutPhase, RolloutStack, RolloutStackState, RolloutStatus } from "../stacks/rollout/rollout-model.ts";

interface RolloutRow {
  id: string;
  image: string;
  batch_size: number;
  max_failures: number;
  status: RolloutStatus;
  reason: string | null;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
}

interface RolloutStackRow {
  stack_id: number;
  name: string;
  position: number;
  batch: number | null;
  state: RolloutStackState;
  phase: RolloutPhase | null;
  previous_image: string | null;
  deployment_id: string | null;
  attempts: number;
  error: string | null;
  updated_at: string;
}

const toRollout = (r: RolloutRow): Rollout => ({
  id: r.id,
  image: r.image,
  batchSize: r.batch_size,
  maxFailures: r.max_failures,
  status: r.status,
  reason: r.reason,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  finishedAt: r.finished_at,
});

const toStack = (r: RolloutStackRow): RolloutStack => ({
  stackId: r.stack_id,
  name: r.name,
  position: r.position,
  batch: r.batch,
  state: r.state,
  phase: r.phase,
  previousImage: r.previous_image,
  deploymentId: r.deployment_id,
  attempts: r.attempts,
  error: r.error,
  updatedAt: r.updated_at,
});

/** Rollouts and their stacks (src/stacks/rollout/). */
export class RolloutRepo {
  constructor(private readonly db: Database) {}

  insert(r: Pick<Rollout, "id" | "image" | "batchSize" | "maxFailures">, stacks: { stackId: number; previousImage: string | null }[], now: string) {
    this.db
      .query(`INSERT INTO rollouts (id, image, batch_size, max_failures, status, created_at, updated_at) VALUES (?, ?, ?, ?, 'running', ?, ?)`)
      .run(r.id, r.image, r.batchSize, r.maxFailures, now, now);
    const add = this.db.query(
      `INSERT INTO rollout_stacks (rollout_id, stack_id, position, state, previous_image, updated_at) VALUES (?, ?, ?, 'pending', ?, ?)`,
    );
    for (const [i, s] of stacks.entries()) add.run(r.id, s.stackId, i, s.previousImage, now);
  }

  byId(id: string): Rollout | null {
    const row = this.db.query("SELECT * FROM rollouts WHERE id = ?").get(id) as RolloutRow | null;
    return row ? toRollout(row) : null;
  }

  /** The rollout that is running or paused, if any: there is at most one. */
  current(): Rollout | null {
    const row = this.db
      .query(`SELECT * FROM rollouts WHERE status IN ('running', 'paused') ORDER BY created_at DESC LIMIT 1`)
      .get() as RolloutRow | null;
    return row ? toRollout(row) : null;
  }

  /** The last finished rollout and every one begun after it, newest first (rollout/fleet-image.ts); all of them before any finished. */
  sinceLastFinished(): Rollout[] {
    return (
      this.db
        .query(
          `SELECT * FROM rollouts WHERE created_at >= COALESCE((SELECT MAX(created_at) FROM rollouts WHERE status = 'finished'), '')
           ORDER BY created_at DESC`,
        )
        .all() as RolloutRow[]
    ).map(toRollout);
  }

  recent(limit: number): Rollout[] {
    return (this.db.query("SELECT * FROM rollouts ORDER BY created_at DESC LIMIT ?").all(limit) as RolloutRow[]).map(toRollout);
  }

  stacks(id: string): RolloutStack[] {
    return (
      this.db
        .query(`SELECT rs.*, s.name AS name FROM rollout_stacks rs JOIN stacks s ON s.id = rs.stack_id WHERE rs.rollout_id = ? ORDER BY rs.position`)
        .all(id) as RolloutStackRow[]
    ).map(toStack);
  }

  setStatus(id: string, status: RolloutStatus, reason: string | null, now: string): void {
    const finished = status === "finished" || status === "cancelled" ? now : null;
    this.db.query(`UPDATE rollouts SET status = ?, reason = ?, updated_at = ?, finished_at = ? WHERE id = ?`).run(status, reason, now, finished, id);
  }

  updateStack(
    id: string,
    stackId: number,
    patch: Partial<Pick<RolloutStack, "state" | "phase" | "deploymentId" | "error" | "batch" | "previousImage">> & { attempt?: boolean },
    now: string,
  ): void {
    const sets: string[] = ["updated_at = ?"];
    const values: (string | number | null)[] = [now];
    const columns = {
      state: "state",
      phase: "phase",
      deploymentId: "deployment_id",
      error: "error",
      batch: "batch",
      previousImage: "previous_image",
    } as const;
    for (const [key, column] of Object.entries(columns)) {
      const value = patch[key as keyof typeof columns];
      if (value === undefined) continue;
      sets.push(`${column} = ?`);
      values.push(value);
    }
    if (patch.attempt) sets.push("attempts = attempts + 1");
    this.db.query(`UPDATE rollout_stacks SET ${sets.join(", ")} WHERE rollout_id = ? AND stack_id = ?`).run(...values, id, stackId);
  }

  /** The session ids the stack's OpenCode listed before its upgrade (null: they could not be read). */
  setSessionsBefore(id: string, stackId: number, ids: string[] | null): void {
    this.db
      .query("UPDATE rollout_stacks SET sessions_before = ? WHERE rollout_id = ? AND stack_id = ?")
      .run(ids === null ? null : JSON.stringify(ids), id, stackId);
  }

  sessionsBefore(id: string, stackId: number): string[] | null {
    const row = this.db.query("SELECT sessions_before FROM rollout_stacks WHERE rollout_id = ? AND stack_id = ?").get(id, stackId) as {
      sessions_before: string | null;
    } | null;
    return row?.sessions_before ? (JSON.parse(row.sessions_before) as string[]) : null;
  }

  /** Failed stacks go back in line (a resume after the cause was fixed tries them again, those that could not be put back too). */
  requeueFailed(id: string, now: string): number {
    return this.db
      .query(
        `UPDATE rollout_stacks SET state = 'pending', phase = NULL, deployment_id = NULL, error = NULL, updated_at = ? WHERE rollout_id = ? AND state IN ('failed', 'rollback_failed')`,
      )
      .run(now, id).changes;
  }

  /** Pending stacks of a cancelled rollout are left as they are, and say so. */
  skipPending(id: string, reason: string, now: string): void {
    this.db
      .query(`UPDATE rollout_stacks SET state = 'skipped', error = ?, updated_at = ? WHERE rollout_id = ? AND state = 'pending'`)
      .run(reason, now, id);
  }

  /** The running or paused rollout that holds this stack in its current batch, if any. */
  holding(stackId: number): string | null {
    const row = this.db
      .query(
        `SELECT rs.rollout_id AS id FROM rollout_stacks rs JOIN rollouts r ON r.id = rs.rollout_id
         WHERE rs.stack_id = ? AND rs.state = 'active' AND r.status IN ('running', 'paused') LIMIT 1`,
      )
      .get(stackId) as { id: string } | null;
    return row?.id ?? null;
  }
}
