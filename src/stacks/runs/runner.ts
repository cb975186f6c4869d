import type { Logger } from "../../log.ts";
import type { Store } from "../../store/index.ts";
import type { Deployment } from "../model/vocabulary.ts";
import type { DeploySlots } from "./deploy-slots.ts";
import type { EventBus } from "./event-bus.ts";
import { QueueBoard } from "./queue-board.ts";
import { type AbortReason, now, toDeploymentError } from "./saga.ts";
import { endRun } from "./run-end.ts";

/**
 * The one place runs are started: a deploy, a delete, an owner's operation or a rollout's
 * redeploy. Each run is tracked (a delete cancels the deploy under way, a stop waits for all),
 * takes a deploy slot when it makes Dokploy build, and ends through `onEnded`. After a restart,
 * `recover` hands every run still marked running back to whoever resumes its kind.
 */

interface Running {
  controller: AbortController;
  done: Promise<void>;
}

export interface RunnerOptions {
  store: Store;
  events: EventBus;
  log: Logger;
  slots: DeploySlots;
  /** Every run's end, whichever way it went (metrics, caches). */
  onEnded?: (kind: string, deployment: Deployment | null) => void;
}

export type Saga = (signal: AbortSignal) => Promise<void>;

export class Runner {
  private readonly running = new Map<string, Running>();
  /** Where each run waiting for a slot is in the line. */
  private readonly queue: QueueBoard;

  constructor(private readonly opts: RunnerOptions) {
    this.queue = new QueueBoard(opts.events);
  }

  start(deploymentId: string, kind: string, saga: Saga, opts: { slot: boolean }): void {
    const controller = new AbortController();
    const run = opts.slot ? (signal: AbortSignal) => this.inSlot(deploymentId, signal, () => saga(signal)) : saga;
    const done = run(controller.signal)
      .catch((err) => this.opts.log.error({ deploymentId, err: err instanceof Error ? err.message : String(err) }, "saga crashed"))
      .finally(() => {
        this.running.delete(deploymentId);
        this.opts.onEnded?.(kind, this.opts.store.deployments.byId(deploymentId));
      });
    this.running.set(deploymentId, { controller, done });
  }

  /** Stops a run (its rollback runs) and waits for it. False if none ran. */
  async cancel(deploymentId: string | undefined): Promise<boolean> {
    const run = deploymentId ? this.running.get(deploymentId) : undefined;
    if (!run) return false;
    run.controller.abort("cancelled" satisfies AbortReason);
    await run.done;
    return true;
  }

  /** Where the run is in the portal's queue now; null when it is not waiting. */
  positionOf(deploymentId: string): number | null {
    return this.queue.positionOf(deploymentId);
  }

  /**
   * After a restart: each deployment still marked running is told so, then handed to `resume`,
   * which starts it again from where it was. Returns how many were resumed, per kind.
   */
  recover(resume: (deployment: Deployment) => boolean): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const deployment of this.opts.store.deployments.running()) {
      this.opts.events.emit(deployment.id, {
        type: "status",
        data: { status: "recovering", at: now(), message: "The portal restarted; picking this up again" },
      });
      const stack = this.opts.store.stacks.byId(deployment.stackId)?.name;
      this.opts.log.warn({ deploymentId: deployment.id, stack, step: deployment.step, kind: deployment.kind }, "recovering deployment");
      if (resume(deployment)) counts[deployment.kind] = (counts[deployment.kind] ?? 0) + 1;
    }
    return counts;
  }

  /** Waits for every run (tests, graceful stop). */
  async settle(): Promise<void> {
    await Promise.all([...this.running.values()].map((r) => r.done));
  }

  /** Runs once the portal's queue gives a slot, telling the watchers the place in line. */
  private async inSlot(deploymentId: string, signal: AbortSignal, run: () => Promise<void>): Promise<void> {
    const place = this.queue.enter(deploymentId);
    const release = await this.opts.slots
      .acquire(place.onPosition, signal)
      .catch(() => null)
      .finally(place.done);
    if (!release) return this.endUnstarted(deploymentId, signal);
    try {
      await run();
    } finally {
      release();
    }
  }

  /** A run cancelled while still in the portal's queue: nothing was created. */
  private endUnstarted(deploymentId: string, signal: AbortSignal): void {
    const { store } = this.opts;
    const error = toDeploymentError(undefined, signal);
    const deployment = store.deployments.byId(deploymentId);
    if (!deployment) return;
    endRun(this.opts, deploymentId, { status: "failed", error }, () => {
      if (store.stacks.byId(deployment.stackId)?.status === "deploying") store.stacks.setStatus(deployment.stackId, "failed", now());
    });
  }
}
