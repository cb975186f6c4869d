import type { Database } from "bun:sqlite";
import {
  type Deployment,
  type DeploymentError,
  type DeploymentEvent,
  type DeploymentKind,
  type DeploymentStatus,
  type Leftover,
  type NewEvent,
  type StepId,
  deploymentEvent,
} from "../stacks/model/vocabulary.ts";
import { prunedDone } from "../stacks/model/pruned-done.ts";

interface DeploymentRow {
  id: string;
  stack_id: number;
  stack_name: string;
  kind: DeploymentKind;
  status: DeploymentStatus;
  step: StepId | null;
  error_code: string | null;
  error_message: string | null;
  leftovers: string;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
  pruned_seq: number | null;
  from_pool: number;
}

function toDeployment(r: DeploymentRow): Deployment {
  return {
    id: r.id,
    stackId: r.stack_id,
    stackName: r.stack_name,
    kind: r.kind,
    status: r.status,
    step: r.step,
    error: r.error_code ? ({ code: r.error_code, message: r.error_message ?? "" } as DeploymentError) : null,
    leftovers: JSON.parse(r.leftovers) as Leftover[],
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    finishedAt: r.finished_at,
    historyPruned: r.pruned_seq !== null,
    fromPool: r.from_pool === 1,
  };
}

const SELECT = `SELECT d.*, s.name AS stack_name FROM deployments d JOIN stacks s ON s.id = d.stack_id`;

export class DeploymentRepo {
  constructor(private readonly db: Database) {}

  /** A restore's backup file, recorded with it (a restarted portal reads it back). */
  setRestoreFile(id: string, file: string): void {
    this.db.query("UPDATE deployments SET restore_file = ? WHERE id = ?").run(file, id);
  }

  restoreFileOf(id: string): string | null {
    return (
      (this.db.query("SELECT restore_file FROM deployments WHERE id = ?").get(id) as { restore_file: string | null } | null)?.restore_file ?? null
    );
  }

  /** `fromPool`: a deploy that took a stack of the warm pool. */
  insert(id: string, stackId: number, kind: DeploymentKind, now: string, fromPool = false): Deployment {
    this.db
      .query(`INSERT INTO deployments (id, stack_id, kind, status, created_at, updated_at, from_pool) VALUES (?, ?, ?, 'running', ?, ?, ?)`)
      .run(id, stackId, kind, now, now, fromPool ? 1 : 0);
    const inserted = this.byId(id);
    if (!inserted) throw new Error(`deployment ${id} was not inserted`);
    return inserted;
  }

  byId(id: string): Deployment | null {
    const row = this.db.query(`${SELECT} WHERE d.id = ?`).get(id) as DeploymentRow | null;
    return row ? toDeployment(row) : null;
  }

  running(): Deployment[] {
    return (this.db.query(`${SELECT} WHERE d.status = 'running' ORDER BY d.created_at`).all() as DeploymentRow[]).map(toDeployment);
  }

  /** The running deployment of a stack, if any (at most one runs per stack at a time). */
  runningFor(stackId: number): Deployment | null {
    const row = this.db
      .query(`${SELECT} WHERE d.stack_id = ? AND d.status = 'running' ORDER BY d.created_at DESC LIMIT 1`)
      .get(stackId) as DeploymentRow | null;
    return row ? toDeployment(row) : null;
  }

  latestFor(stackId: number): Deployment | null {
    const row = this.db.query(`${SELECT} WHERE d.stack_id = ? ORDER BY d.created_at DESC, d.rowid DESC LIMIT 1`).get(stackId) as DeploymentRow | null;
    return row ? toDeployment(row) : null;
  }

  setStep(id: string, step: StepId, now: string): void {
    this.db.query(`UPDATE deployments SET step = ?, updated_at = ? WHERE id = ?`).run(step, now, id);
  }

  setLeftovers(id: string, leftovers: Leftover[], now: string): void {
    this.db.query(`UPDATE deployments SET leftovers = ?, updated_at = ? WHERE id = ?`).run(JSON.stringify(leftovers), now, id);
  }

  finish(id: string, status: Exclude<DeploymentStatus, "running">, error: DeploymentError | null, now: string): void {
    this.db
      .query(`UPDATE deployments SET status = ?, error_code = ?, error_message = ?, updated_at = ?, finished_at = ? WHERE id = ?`)
      .run(status, error?.code ?? null, error?.message ?? null, now, now, id);
  }

  /** Appends an event with the next sequence number and returns it as stored. */
  appendEvent(deploymentId: string, event: NewEvent): DeploymentEvent {
    const row = this.db
      .query(
        `INSERT INTO deployment_events (deployment_id, seq, type, data)
         VALUES (?1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM deployment_events WHERE deployment_id = ?1), ?2, ?3)
         RETURNING seq`,
      )
      .get(deploymentId, event.type, JSON.stringify(event.data)) as { seq: number };
    return { ...event, seq: row.seq } as DeploymentEvent;
  }

  /** When a step first started (a resumed step keeps its first start, and so its deadline). */
  stepStartedAt(deploymentId: string, step: StepId): string | null {
    const row = this.db
      .query(
        `SELECT json_extract(data, '$.at') AS at FROM deployment_events
         WHERE deployment_id = ? AND type = 'step' AND json_extract(data, '$.step') = ? AND json_extract(data, '$.state') = 'started'
         ORDER BY seq LIMIT 1`,
      )
      .get(deploymentId, step) as { at: string } | null;
    return row?.at ?? null;
  }

  /** The sequence number of the deployment's `done` event (kept when its events were pruned), or null while it runs. */
  doneSeq(deploymentId: string): number | null {
    const row = this.db
      .query(
        `SELECT COALESCE((SELECT pruned_seq FROM deployments WHERE id = ?1),
           (SELECT seq FROM deployment_events WHERE deployment_id = ?1 AND type = 'done' LIMIT 1)) AS seq`,
      )
      .get(deploymentId) as { seq: number | null } | null;
    return row?.seq ?? null;
  }

  /**
   * Events after `afterSeq`, in order (what a reconnecting watcher missed). Of a deployment
   * whose events retention let go, only its `done`, rebuilt from the row.
   */
  events(deploymentId: string, afterSeq = 0): DeploymentEvent[] {
    const rows = this.db
      .query(`SELECT seq, type, data FROM deployment_events WHERE deployment_id = ? AND seq > ? ORDER BY seq`)
      .all(deploymentId, afterSeq) as { seq: number; type: string; data: string }[];
    if (rows.length === 0) return this.prunedEvents(deploymentId, afterSeq);
    return rows.map((r) => deploymentEvent.parse({ seq: r.seq, type: r.type, data: JSON.parse(r.data) }));
  }

  private prunedEvents(deploymentId: string, afterSeq: number): DeploymentEvent[] {
    const row = this.db
      .query(
        `SELECT d.*, s.name AS stack_name, s.url AS url FROM deployments d JOIN stacks s ON s.id = d.stack_id WHERE d.id = ? AND d.pruned_seq IS NOT NULL`,
      )
      .get(deploymentId) as (DeploymentRow & { url: string; pruned_seq: number }) | null;
    if (!row || row.pruned_seq <= afterSeq) return [];
    return [prunedDone(toDeployment(row), row.pruned_seq, row.url)];
  }
}
