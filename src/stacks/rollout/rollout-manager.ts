import { DokployError } from "../../dokploy/errors.ts";
import type { Stack } from "../model/vocabulary.ts";
import type { StackOperations } from "../operations/operation-service.ts";
import { type SagaDeps, now } from "../runs/saga.ts";
import { type Problem, type Result, fail } from "../model/result.ts";
import { dockerProvider } from "../model/swarm-settings.ts";
import { operationEnd } from "../runs/run-end.ts";
import { sessionsBefore, sessionsMissing } from "./sessions-check.ts";
import type { Rollout, RolloutPhase, RolloutRequest, RolloutStack, RolloutStackState, RolloutView } from "./rollout-model.ts";

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

export class RolloutManager {
  private loop: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private readonly listeners = new Map<string, Set<(view: RolloutView) => void>>();
  /** Rollouts changed since their watchers last heard (publish). */
  private readonly unpublished = new Set<string>();

  constructor(
    private readonly deps: SagaDeps,
    private readonly operations: StackOperations,
    private readonly hooks: RolloutHooks = {},
  ) {}

  async start(req: RolloutRequest, who: Actor): Promise<Result<{ view: RolloutView }>> {
    const { store, config } = this.deps;
    const image = req.image ?? config.STACK_IMAGE;
    const busy = store.rollouts.current();
    if (busy) return this.refused(fail("rollout_in_progress", `Rollout ${busy.id} is ${busy.status}; resume or cancel it first`), who, image);
    const ready = store.stacks.list({ limit: 1_000_000 }).filter((s) => s.status === "ready");
    const known = store.images.all();
    const current = await Promise.all(ready.map(async (s) => ({ stack: s, image: known.get(s.id) ?? (await this.dokployImage(s)) })));
    // Oldest first; a stack whose image is already the target (pending included) is left alone.
    const targets = current.filter((c) => c.image?.image !== image).sort((a, b) => a.stack.id - b.stack.id);
    const id = crypto.randomUUID();
    const inserted = store.transaction(() => {
      if (store.rollouts.current()) return false;
      store.rollouts.insert(
        { id, image, batchSize: req.batchSize, maxFailures: req.maxFailures },
        targets.map((t) => ({ stackId: t.stack.id, previousImage: t.image?.image ?? null })),
        now(),
      );
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
    this.kick();
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
    if (result.ok) this.kick();
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

  /** Live views of one rollout, after each change; returns the unsubscribe. */
  subscribe(id: string, listener: (view: RolloutView) => void): () => void {
    const set = this.listeners.get(id) ?? new Set();
    this.listeners.set(id, set);
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(id);
    };
  }

  /** After a restart: a running rollout goes on (its redeploys resume as operations). */
  recover(): boolean {
    const current = this.deps.store.rollouts.current();
    if (current?.status !== "running") return false;
    this.deps.log.warn({ rolloutId: current.id }, "resuming the rollout interrupted by a restart");
    this.kick();
    return true;
  }

  /** Stops the loop at its next wait (the portal is stopping; the rollout stays running in the store). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
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

  private audit(
    action: string,
    who: Actor,
    outcome: string,
    detail: Record<string, unknown>,
    stackName: string | null = null,
    deploymentId: string | null = null,
  ) {
    this.deps.store.audit.record({ at: now(), action, stackName, deploymentId, client: who.client, actor: who.actor, outcome, detail });
  }

  /**
   * Tells the watchers and the remaining gauge about a change, once per turn of the event
   * loop with the view as it is by then: a batch of 20 starting at once is one view of the
   * whole rollout, not 20 (each view reads and sends every stack of the rollout).
   */
  private publish(id: string): void {
    if (this.unpublished.has(id)) return;
    this.unpublished.add(id);
    queueMicrotask(() => {
      this.unpublished.delete(id);
      try {
        this.notify(id);
      } catch (err) {
        this.deps.log.warn({ rolloutId: id, err: err instanceof Error ? err.message : String(err) }, "rollout progress not published");
      }
    });
  }

  private notify(id: string): void {
    const view = this.view(id);
    if (!view) return;
    this.hooks.onRemaining?.(view.rollout.status === "running" || view.rollout.status === "paused" ? view.counts.remaining : 0);
    for (const listener of this.listeners.get(id) ?? []) {
      try {
        listener(view);
      } catch {
        // A broken watcher is its own problem.
      }
    }
  }

  /** The image Dokploy holds for a stack the portal has no record of (made before rollouts). */
  private async dokployImage(stack: Stack): Promise<{ image: string; pending: boolean } | null> {
    if (!stack.applicationId) return null;
    try {
      const app = await this.deps.client.applicationSettings(stack.applicationId, AbortSignal.timeout(this.deps.config.PROBE_ATTEMPT_TIMEOUT * 2));
      return app.dockerImage ? { image: app.dockerImage, pending: false } : null;
    } catch {
      return null;
    }
  }

  private kick(): void {
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
          const view = this.view(r.id);
          this.publish(r.id);
          this.audit("rollout_finished", { actor: "system", client: null }, "finished", { rolloutId: r.id, image: r.image, ...view?.counts });
          this.deps.log.info({ rolloutId: r.id, counts: view?.counts }, "rollout finished");
          this.hooks.onStatus?.("finished");
          return;
        }
        // The canary: one stack alone until one has answered on the new image.
        const size = rows.some((s) => s.state === "done") ? r.batchSize : 1;
        const number = Math.max(-1, ...rows.map((s) => s.batch ?? -1)) + 1;
        const next = pending.slice(0, size);
        // Their sessions first (sessions-check.ts), so that the batch still starts, and is
        // announced, as one: active with every redeploy under way.
        before = await Promise.all(next.map((s) => this.sessionsBeforeUpgrade(r, s)));
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
        this.publish(r.id);
      } else {
        before = await Promise.all(batch.map((s) => this.sessionsBeforeUpgrade(r, s)));
      }
      await Promise.all(batch.map((s, i) => this.handle(r, s, before[i] ?? null)));
      if (this.stopped) return;
      this.afterBatch(r);
    }
  }

  /** At maxFailures, or when a stack could not even be put back, the rollout pauses and says why. */
  private afterBatch(r: Rollout): void {
    const { store } = this.deps;
    const rows = store.rollouts.stacks(r.id);
    const lost = rows.filter((s) => s.state === "rollback_failed");
    const failed = rows.filter((s) => s.state === "failed" || s.state === "rollback_failed");
    let reason: string | null = null;
    if (lost.length > 0)
      reason = `${lost.map((s) => s.name).join(", ")} did not answer on ${r.image} and not on the previous image either; look at ${lost.length === 1 ? "it" : "them"} before resuming`;
    else if (failed.length >= r.maxFailures)
      reason = `${failed.length} of the stacks did not answer on ${r.image} (${failed.map((s) => s.name).join(", ")}) and were put back on their previous image; maxFailures is ${r.maxFailures}`;
    if (!reason) return;
    const paused = store.transaction(() => {
      if (store.rollouts.byId(r.id)?.status !== "running") return false;
      store.rollouts.setStatus(r.id, "paused", reason, now());
      return true;
    });
    if (!paused) return;
    this.deps.log.warn({ rolloutId: r.id, reason }, "rollout paused");
    this.audit("rollout_paused", { actor: "system", client: null }, "paused", { rolloutId: r.id, reason });
    this.hooks.onStatus?.("paused");
    this.publish(r.id);
  }

  /** One stack's turn: stopped ones get the image in Dokploy; running ones are redeployed, and put back on failure. */
  private async handle(r: Rollout, row: RolloutStack, before: string[] | null): Promise<void> {
    const { store } = this.deps;
    const stack = store.stacks.byId(row.stackId);
    const end = (state: RolloutStackState, error: string | null = null, deploymentId: string | null = null) => {
      store.rollouts.updateStack(r.id, row.stackId, { state, error, phase: null }, now());
      this.audit(
        "rollout_stack",
        { actor: "system", client: null },
        state,
        { rolloutId: r.id, image: r.image, error },
        stack?.name ?? null,
        deploymentId,
      );
      this.hooks.onStack?.(state);
      this.publish(r.id);
    };
    if (stack?.status !== "ready") return end("skipped", "The stack is no longer ready");
    const phase: RolloutPhase = row.phase ?? (store.lifecycle.runState(stack.id).state === "stopped" ? "stopped" : "upgrade");
    if (phase === "stopped") {
      const error = await this.setImageOfStopped(stack, r.image);
      return error ? end("failed", error) : end("updated_stopped");
    }
    if (phase === "upgrade") {
      const up = await this.redeploy(r, row, stack, r.image, "upgrade");
      // A stopping portal leaves the turn as it is: the next start goes on from here.
      if (this.stopped) return;
      const lost = up.ok && before ? await sessionsMissing(this.deps, stack, before, r.image, () => this.stopped) : null;
      if (this.stopped) return;
      if (up.ok && !lost) return end("done", null, up.deploymentId);
      if (up.skipped) return end("skipped", up.error, up.deploymentId);
      const error = lost ?? up.error;
      row = { ...row, phase: "rollback", deploymentId: null, error };
      store.rollouts.updateStack(r.id, row.stackId, { phase: "rollback", deploymentId: null, error }, now());
      this.publish(r.id);
    }
    if (!row.previousImage) return end("rollback_failed", `${row.error ?? "Failed"}; the previous image is unknown, so it could not be put back`);
    const back = await this.redeploy(r, row, stack, row.previousImage, "rollback");
    if (this.stopped) return;
    if (back.skipped) return end("skipped", back.error, back.deploymentId);
    end(
      back.ok ? "failed" : "rollback_failed",
      back.ok ? row.error : `${row.error ?? "Failed"}; putting it back failed too: ${back.error}`,
      back.deploymentId,
    );
  }

  /**
   * The session ids a running stack's OpenCode lists before its upgrade, kept in the store; a
   * redeploy already under way (the portal restarted) is checked against those read before it
   * started. Null (nothing checked) for a stopped stack, or when they cannot be read.
   */
  private async sessionsBeforeUpgrade(r: Rollout, row: RolloutStack): Promise<string[] | null> {
    const { store } = this.deps;
    if (row.phase === "upgrade" && row.deploymentId) return store.rollouts.sessionsBefore(r.id, row.stackId);
    if (row.phase !== null && row.phase !== "upgrade") return null;
    const stack = store.stacks.byId(row.stackId);
    if (stack?.status !== "ready" || store.lifecycle.runState(stack.id).state === "stopped") return null;
    const ids = await sessionsBefore(this.deps, stack);
    if (ids === null) this.deps.log.info({ rolloutId: r.id, stack: stack.name }, "sessions not readable before the upgrade: not checked after it");
    this.deps.store.rollouts.setSessionsBefore(r.id, row.stackId, ids);
    return ids;
  }

  /** A stopped stack keeps its state: the image is saved in Dokploy, and its next start deploys it. */
  private async setImageOfStopped(stack: Stack, image: string): Promise<string | null> {
    if (!stack.applicationId) return "The stack has no application in Dokploy";
    try {
      await this.deps.client.saveDockerProvider(dockerProvider(stack.applicationId, { ...this.deps.config, STACK_IMAGE: image }));
      this.deps.store.images.set(stack.id, image, true, now());
      return null;
    } catch (err) {
      return err instanceof DokployError ? `Dokploy ${err.procedure}: ${err.failure}` : "Dokploy could not be reached";
    }
  }

  /**
   * Redeploys onto `image` and waits for the operation's end. A redeploy the rollout already
   * started (before a restart) is waited for, not started again; an owner's operation that
   * runs is waited out first.
   */
  private async redeploy(
    r: Rollout,
    row: RolloutStack,
    stack: Stack,
    image: string,
    phase: RolloutPhase,
  ): Promise<{ ok: boolean; skipped?: boolean; error: string | null; deploymentId: string | null }> {
    const { store } = this.deps;
    let deploymentId = row.phase === phase ? row.deploymentId : null;
    while (!deploymentId) {
      if (this.stopped) return { ok: false, error: "The portal stopped", deploymentId: null };
      const live = store.stacks.byId(stack.id);
      if (live?.status !== "ready") return { ok: false, skipped: true, error: "The stack is no longer ready", deploymentId: null };
      const started = this.operations.rolloutRedeploy(live, image);
      if (started.ok && started.deploymentId) {
        deploymentId = started.deploymentId;
        store.rollouts.updateStack(r.id, row.stackId, { phase, deploymentId, attempt: phase === "upgrade" }, now());
        this.publish(r.id);
      } else if (!started.ok && started.runningId) await this.finished(started.runningId);
      else return { ok: false, skipped: true, error: started.ok ? "Nothing to do" : started.message, deploymentId: null };
    }
    const d = await this.finished(deploymentId);
    if (this.stopped) return { ok: false, error: "The portal stopped", deploymentId };
    if (d?.status === "succeeded") return { ok: true, error: null, deploymentId };
    // A delete cancels the redeploy: the stack left the rollout, it did not fail it.
    if (store.stacks.byId(stack.id)?.status !== "ready") return { ok: false, skipped: true, error: "The stack was deleted", deploymentId };
    return { ok: false, error: d?.error ? `${d.error.code}: ${d.error.message}` : "The redeploy did not finish", deploymentId };
  }

  /** Until the deployment is no longer running (the portal stopping ends the wait early). */
  private finished(deploymentId: string) {
    return operationEnd(this.deps.store.deployments, this.deps.events, deploymentId, {
      recheckMs: Math.min(Math.max(this.deps.config.POLL_INTERVAL, 50), 500),
      stopped: () => this.stopped,
    });
  }
}
