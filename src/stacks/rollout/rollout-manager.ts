import type { StackOperations } from "../operations/operation-service.ts";
import { now } from "../runs/saga.ts";
import type { Ports } from "../runs/ports.ts";
import { type Problem, type Result, fail } from "../model/result.ts";
import { RolloutWatchers } from "./rollout-watchers.ts";
import { BatchLoop } from "./batch-loop.ts";
import { dokployImage } from "./stack-turn.ts";
import type { Rollout, RolloutRequest, RolloutStackState, RolloutView } from "./rollout-model.ts";
import { recordAudit } from "../owners/audit-trail.ts";

/**
 * Runs image rollouts (rollout-model.ts): one at a time, persisted after every change, so that a
 * restarted portal picks the current one up where it was. The stacks' redeploys are the
 * owner's redeploy operation with an explicit image, so they are recovered, cancelled by a
 * delete and followed like any other operation.
 */

export interface RolloutHooks {
  /** Each stack's outcome (done, updated_stopped, failed, rollback_failed, skipped). */
  onStack?: (outcome: RolloutStackState) => void;
  /** The rollout's status changes (paused, running, cancelled, finished). */
  onStatus?: (status: string) => void;
  /** Stacks not yet handled by the current rollout (0 when there is none). */
  onRemaining?: (n: number) => void;
}

type Actor = { actor: "admin" | "system"; client: string | null };

export interface RolloutPlan {
  image: string;
  targets: { stackId: number; previousImage: string | null }[];
  /** Targets that run now: the rollout restarts them. */
  running: number;
}

export class RolloutManager {
  private readonly watchers: RolloutWatchers;
  private readonly batches: BatchLoop;

  constructor(
    private readonly deps: Ports,
    operations: StackOperations,
    private readonly hooks: RolloutHooks = {},
  ) {
    this.watchers = new RolloutWatchers(deps.events, (id) => this.view(id), deps.log, hooks.onRemaining);
    this.batches = new BatchLoop(deps, operations, {
      view: (id) => this.view(id),
      publish: (id) => this.publish(id),
      onStatus: hooks.onStatus,
      onStack: hooks.onStack,
    });
  }

  /** Live views of one rollout, after each change; returns the unsubscribe. */
  subscribe(id: string, listener: (view: RolloutView) => void): () => void {
    return this.watchers.subscribe(id, listener);
  }

  private publish(id: string): void {
    this.watchers.publish(id);
  }

  /**
   * What a rollout of `image` (default STACK_IMAGE) would do now: the ready stacks not on it,
   * oldest first (a stack whose image is already the target, pending included, is left alone),
   * and how many of them run, which it restarts (stopped ones get the image at their next start).
   */
  async plan(image = this.deps.config.STACK_IMAGE): Promise<RolloutPlan> {
    const { store } = this.deps;
    const ready = store.stacks.list({ limit: 1_000_000 }).filter((s) => s.status === "ready");
    const known = store.images.all();
    const current = await Promise.all(ready.map(async (s) => ({ stack: s, image: known.get(s.id) ?? (await dokployImage(this.deps, s)) })));
    const targets = current.filter((c) => c.image?.image !== image).sort((a, b) => a.stack.id - b.stack.id);
    const running = targets.filter((t) => store.lifecycle.runState(t.stack.id).state === "running").length;
    return { image, targets: targets.map((t) => ({ stackId: t.stack.id, previousImage: t.image?.image ?? null })), running };
  }

  async start(req: RolloutRequest, who: Actor): Promise<Result<{ view: RolloutView }>> {
    const { store, config } = this.deps;
    const image = req.image ?? config.STACK_IMAGE;
    const busy = store.rollouts.current();
    if (busy) return this.refused(fail("rollout_in_progress", `Rollout ${busy.id} is ${busy.status}; resume or cancel it first`), who, image);
    const { targets } = await this.plan(image);
    const id = crypto.randomUUID();
    const inserted = store.transaction(() => {
      if (store.rollouts.current()) return false;
      store.rollouts.insert({ id, image, batchSize: req.batchSize, maxFailures: req.maxFailures }, targets, now());
      return true;
    });
    if (!inserted) return this.refused(fail("rollout_in_progress", "Another rollout started a moment ago"), who, image);
    this.audit("rollout_start", who, "accepted", {
      rolloutId: id,
      image,
      stacks: targets.length,
      batchSize: req.batchSize,
      maxFailures: req.maxFailures,
    });
    this.deps.log.info({ rolloutId: id, image, stacks: targets.length }, "rollout started");
    this.hooks.onStatus?.("running");
    this.batches.kick();
    return { ok: true, view: this.view(id) as RolloutView };
  }

  pause(id: string, who: Actor): Result<{ view: RolloutView }> {
    return this.change(id, who, "rollout_pause", (r) => (r.status === "running" ? { status: "paused", reason: "Paused by an admin" } : null));
  }

  resume(id: string, who: Actor): Result<{ view: RolloutView }> {
    const result = this.change(id, who, "rollout_resume", (r) => {
      if (r.status !== "paused") return null;
      // Stacks that failed are tried again: the cause (an image, a fault) may be fixed now.
      this.deps.store.rollouts.requeueFailed(r.id, now());
      return { status: "running", reason: null };
    });
    if (result.ok) this.batches.kick();
    return result;
  }

  cancel(id: string, who: Actor): Result<{ view: RolloutView }> {
    return this.change(id, who, "rollout_cancel", (r) => {
      if (r.status !== "running" && r.status !== "paused") return null;
      // Stacks in the current batch finish their turn; the rest stay on their image.
      this.deps.store.rollouts.skipPending(r.id, "The rollout was cancelled", now());
      return { status: "cancelled", reason: "Cancelled by an admin" };
    });
  }

  view(id: string): RolloutView | null {
    const rollout = this.deps.store.rollouts.byId(id);
    if (!rollout) return null;
    const stacks = this.deps.store.rollouts.stacks(id);
    const counts = { pending: 0, active: 0, done: 0, updated_stopped: 0, failed: 0, rollback_failed: 0, skipped: 0, remaining: 0 };
    for (const s of stacks) counts[s.state] += 1;
    counts.remaining = counts.pending + counts.active;
    return { rollout, counts, stacks };
  }

  recent(limit: number): Rollout[] {
    return this.deps.store.rollouts.recent(limit);
  }

  /** After a restart: a running rollout goes on (its redeploys resume as operations). */
  recover(): boolean {
    const current = this.deps.store.rollouts.current();
    if (current?.status !== "running") return false;
    this.deps.log.warn({ rolloutId: current.id }, "resuming the rollout interrupted by a restart");
    this.batches.kick();
    return true;
  }

  /** Stops the loop at its next wait (the portal is stopping; the rollout stays running in the store). */
  async stop(): Promise<void> {
    await this.batches.stop();
  }

  private refused(problem: Problem, who: Actor, image: string): Problem {
    this.audit("rollout_start", who, problem.code, { image });
    return problem;
  }

  private change(
    id: string,
    who: Actor,
    action: string,
    to: (r: Rollout) => { status: Rollout["status"]; reason: string | null } | null,
  ): Result<{ view: RolloutView }> {
    const { store } = this.deps;
    const outcome = store.transaction(() => {
      const r = store.rollouts.byId(id);
      if (!r) return "not_found" as const;
      const next = to(r);
      if (!next) return r.status;
      store.rollouts.setStatus(id, next.status, next.reason, now());
      return null;
    });
    if (outcome === "not_found") return fail("not_found", "No rollout with that id");
    if (outcome !== null) {
      this.audit(action, who, "rollout_not_changeable", { rolloutId: id });
      return fail("rollout_not_changeable", `The rollout is ${outcome}; that cannot be done now`);
    }
    this.audit(action, who, "accepted", { rolloutId: id });
    const view = this.view(id) as RolloutView;
    this.publish(id);
    this.hooks.onStatus?.(view.rollout.status);
    return { ok: true, view };
  }

  private audit(action: string, who: Actor, outcome: string, detail: Record<string, unknown>) {
    recordAudit(this.deps.store.audit, {
      action,
      stackName: null,
      actor: who.actor,
      outcome,
      detail,
      ctx: { client: who.client ?? undefined },
    });
  }
}
