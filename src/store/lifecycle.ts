import type { Database } from "bun:sqlite";
import { z } from "zod";
import {
  type DeploymentError,
  type DeploymentKind,
  type DeploymentStatus,
  deploymentError,
  deploymentKind,
  deploymentStatus,
} from "../stacks/model/vocabulary.ts";

/** Before an operation's deploy: Dokploy's newest deployment (null: none) and the running tasks. */
export interface Baseline {
  deploymentId: string | null;
  tasks: string[];
}

/** Whether a ready stack runs, as the portal last left it (migration 4). */
export interface RunState {
  state: "running" | "stopped";
  startedAt: string | null;
  stoppedAt: string | null;
  /** Why it was stopped: "owner", or "idle" for an idle stop. */
  stopReason: string | null;
  /** The owner keeps it running until then (idle stop). */
  keepAwakeUntil: string | null;
  /** When its owner was last warned of a coming idle stop. */
  idleWarnedAt: string | null;
}

export const operationSummary = z.object({
  deploymentId: z.string(),
  kind: deploymentKind,
  status: deploymentStatus,
  error: deploymentError.nullable(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
});
export type OperationSummary = z.infer<typeof operationSummary>;

/** The owner's operations: run state of stacks, their recent deployments, redeploy baselines. */
export class LifecycleRepo {
  constructor(private readonly db: Database) {}

  runState(stackId: number): RunState {
    const row = this.db
      .query("SELECT run_state, started_at, stopped_at, stop_reason, keep_awake_until, idle_warned_at FROM stacks WHERE id = ?")
      .get(stackId) as {
      run_state: RunState["state"];
      started_at: string | null;
      stopped_at: string | null;
      stop_reason: string | null;
      keep_awake_until: string | null;
      idle_warned_at: string | null;
    } | null;
    return {
      state: row?.run_state ?? "running",
      startedAt: row?.started_at ?? null,
      stoppedAt: row?.stopped_at ?? null,
      stopReason: row?.stop_reason ?? null,
      keepAwakeUntil: row?.keep_awake_until ?? null,
      idleWarnedAt: row?.idle_warned_at ?? null,
    };
  }

  /** The owner keeps the stack running until `until` (null: no longer); when that ends, they are warned afresh. */
  keepAwake(stackId: number, until: string | null, now: string): void {
    this.db.query("UPDATE stacks SET keep_awake_until = ?1, idle_warned_at = NULL, updated_at = ?2 WHERE id = ?3").run(until, now, stackId);
  }

  /** The owner was warned of a coming idle stop at `at`. */
  markIdleWarned(stackId: number, at: string): void {
    this.db.query("UPDATE stacks SET idle_warned_at = ? WHERE id = ?").run(at, stackId);
  }

  setRunning(stackId: number, now: string): void {
    this.db.query("UPDATE stacks SET run_state = 'running', started_at = ?1, stop_reason = NULL, updated_at = ?1 WHERE id = ?2").run(now, stackId);
  }

  setStopped(stackId: number, reason: string, now: string): void {
    this.db
      .query("UPDATE stacks SET run_state = 'stopped', stopped_at = ?1, stop_reason = ?2, keep_awake_until = NULL, updated_at = ?1 WHERE id = ?3")
      .run(now, reason, stackId);
  }

  /**
   * The newest deployments of a stack (deploy, delete and operations), newest first. Not a
   * pooled stack's making (`warm`): that was before its owner took it, and is not theirs.
   */
  recent(stackId: number, limit: number): OperationSummary[] {
    const rows = this.db
      .query(
        `SELECT id, kind, status, error_code, error_message, created_at, finished_at FROM deployments
         WHERE stack_id = ? AND kind != 'warm' ORDER BY created_at DESC, rowid DESC LIMIT ?`,
      )
      .all(stackId, limit) as {
      id: string;
      kind: DeploymentKind;
      status: DeploymentStatus;
      error_code: string | null;
      error_message: string | null;
      created_at: string;
      finished_at: string | null;
    }[];
    return rows.map((r) => ({
      deploymentId: r.id,
      kind: r.kind,
      status: r.status,
      error: r.error_code ? ({ code: r.error_code, message: r.error_message ?? "" } as DeploymentError) : null,
      createdAt: r.created_at,
      finishedAt: r.finished_at,
    }));
  }

  setBaseline(deploymentId: string, baseline: Baseline): void {
    this.db.query("UPDATE deployments SET dokploy_baseline = ? WHERE id = ?").run(JSON.stringify(baseline), deploymentId);
  }

  /** What Dokploy had before the operation's deploy; undefined when not recorded yet. */
  baseline(deploymentId: string): Baseline | undefined {
    const row = this.db.query("SELECT dokploy_baseline FROM deployments WHERE id = ?").get(deploymentId) as {
      dokploy_baseline: string | null;
    } | null;
    return row?.dokploy_baseline ? (JSON.parse(row.dokploy_baseline) as Baseline) : undefined;
  }
}
