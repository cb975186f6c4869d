import type { RolloutView, RolloutStackState } from "./rollout-model.ts";
import { type Rollout, pauseReason } from "./rollout-model.ts";
import { now } from "../runs/saga.ts";
import type { Ports } from "../runs/ports.ts";
import type { StackOperations } from "../operations/operation-service.ts";
import { StackTurns } from "./stack-turn.ts";
import { recordAudit } from "../owners/audit-trail.ts";

/**
 * A rollout's batches, one after another: first a canary alone, then `batchSize` stacks at a
 * time, each stack's turn in stack-turn.ts. After every batch the rollout pauses if too many
 * failed. One pass at a time; a change (start, resume, restart) asks for another.
 */

/** What the loop reports to its manager. */
export interface BatchHost {
  view(id: string): RolloutView | null;
  publish(id: string): void;
  onStatus?: (status: string) => void;
  onStack?: (state: RolloutStackState) => void;
}

export class BatchLoop {
  private loop: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private readonly turns: StackTurns;

  constructor(
    private readonly deps: Ports,
    operations: StackOperations,
    private readonly host: BatchHost,
  ) {
    this.turns = new StackTurns(
      deps,
      operations,
      () => this.stopped,
      (id) => host.publish(id),
      (r, stackName, state, error, deploymentId) => {
        this.audit("rollout_stack", state, { rolloutId: r.id, image: r.image, error }, stackName, deploymentId);
        host.onStack?.(state);
      },
    );
  }

  /** Stops at the next wait (the portal is stopping; the rollout stays running in the store). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  /** Runs the current rollout, or looks again once the running pass ends. */
  kick(): void {
    this.again = true;
    if (this.loop) return;
    this.loop = (async () => {
      while (this.again && !this.stopped) {
        this.again = false;
        try {
          await this.run();
        } catch (err) {
          this.deps.log.error({ err: err instanceof Error ? err.message : String(err) }, "rollout loop failed");
        }
      }
    })().finally(() => {
      this.loop = null;
    });
  }

  /** Batch after batch until the rollout is done, paused or cancelled. */
  private async run(): Promise<void> {
    const { store } = this.deps;
    for (;;) {
      if (this.stopped) return;
      const r = store.rollouts.current();
      if (r?.status !== "running") return;
      const rows = store.rollouts.stacks(r.id);
      // After a restart the batch that was under way is finished first.
      let batch = rows.filter((s) => s.state === "active");
      let before: (string[] | null)[];
      if (batch.length === 0) {
        const pending = rows.filter((s) => s.state === "pending");
        if (pending.length === 0) {
          store.rollouts.setStatus(r.id, "finished", null, now());
          const view = this.host.view(r.id);
          this.host.publish(r.id);
          this.audit("rollout_finished", "finished", { rolloutId: r.id, image: r.image, ...view?.counts });
          this.deps.log.info({ rolloutId: r.id, counts: view?.counts }, "rollout finished");
          this.host.onStatus?.("finished");
          return;
        }
        // The canary: one stack alone until one has answered on the new image.
        const size = rows.some((s) => s.state === "done") ? r.batchSize : 1;
        const number = Math.max(-1, ...rows.map((s) => s.batch ?? -1)) + 1;
        const next = pending.slice(0, size);
        // Their sessions first (sessions-check.ts), so that the batch still starts, and is
        // announced, as one: active with every redeploy under way.
        before = await Promise.all(next.map((s) => this.turns.sessionsBeforeUpgrade(r, s)));
        if (this.stopped) return;
        // Paused or cancelled meanwhile: the loop looks again.
        const started = store.transaction(() => {
          if (store.rollouts.current()?.status !== "running") return false;
          for (const s of next) store.rollouts.updateStack(r.id, s.stackId, { state: "active", batch: number }, now());
          return true;
        });
        if (!started) continue;
        batch = next;
        // Sent a moment later, with the redeploys the turns below start at once.
        this.host.publish(r.id);
      } else {
        before = await Promise.all(batch.map((s) => this.turns.sessionsBeforeUpgrade(r, s)));
      }
      await Promise.all(batch.map((s, i) => this.turns.handle(r, s, before[i] ?? null)));
      if (this.stopped) return;
      this.afterBatch(r);
    }
  }

  /** At maxFailures, or when a stack could not even be put back, the rollout pauses and says why. */
  private afterBatch(r: Rollout): void {
    const { store } = this.deps;
    const reason = pauseReason(r, store.rollouts.stacks(r.id));
    if (!reason) return;
    const paused = store.transaction(() => {
      if (store.rollouts.byId(r.id)?.status !== "running") return false;
      store.rollouts.setStatus(r.id, "paused", reason, now());
      return true;
    });
    if (!paused) return;
    this.deps.log.warn({ rolloutId: r.id, reason }, "rollout paused");
    this.audit("rollout_paused", "paused", { rolloutId: r.id, reason });
    this.host.onStatus?.("paused");
    this.host.publish(r.id);
  }

  /** The loop's own records: the system acts. */
  private audit(
    action: string,
    outcome: string,
    detail: Record<string, unknown>,
    stackName: string | null = null,
    deploymentId: string | null = null,
  ) {
    recordAudit(this.deps.store.audit, { action, stackName, deploymentId, actor: "system", outcome, detail });
  }
}
