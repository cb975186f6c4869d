import { DokployError } from "../../dokploy/errors.ts";
import type { Stack } from "../model/vocabulary.ts";
import { dockerProvider } from "../model/swarm-settings.ts";
import type { StackOperations } from "../operations/operation-service.ts";
import { operationEnd } from "../runs/run-end.ts";
import { now } from "../runs/saga.ts";
import type { Ports } from "../runs/ports.ts";
import type { Rollout, RolloutPhase, RolloutStack, RolloutStackState } from "./rollout-model.ts";
import { sessionsBefore, sessionsMissing } from "./sessions-check.ts";

/**
 * One stack's turn in a rollout batch: a stopped stack gets the new image in Dokploy for its
 * next start; a running one is redeployed through the owner's redeploy operation (so a delete
 * cancels it and a restart resumes it), must still open its sessions, and is put back on its
 * previous image when it does not.
 */
export class StackTurns {
  constructor(
    private readonly deps: Ports,
    private readonly operations: StackOperations,
    /** The portal is stopping: a turn leaves things as they are, for the next start. */
    private readonly isStopped: () => boolean,
    private readonly publish: (rolloutId: string) => void,
    /** A turn ended: audited and counted by the manager. */
    private readonly ended: (
      r: Rollout,
      stackName: string | null,
      state: RolloutStackState,
      error: string | null,
      deploymentId: string | null,
    ) => void,
  ) {}

  private get stopped(): boolean {
    return this.isStopped();
  }

  /** One stack's turn: stopped ones get the image in Dokploy; running ones are redeployed, and put back on failure. */
  async handle(r: Rollout, row: RolloutStack, before: string[] | null): Promise<void> {
    const { store } = this.deps;
    const stack = store.stacks.byId(row.stackId);
    const end = (state: RolloutStackState, error: string | null = null, deploymentId: string | null = null) => {
      store.rollouts.updateStack(r.id, row.stackId, { state, error, phase: null }, now());
      this.ended(r, stack?.name ?? null, state, error, deploymentId);
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
  async sessionsBeforeUpgrade(r: Rollout, row: RolloutStack): Promise<string[] | null> {
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
      await this.deps.client.saveDockerProvider(dockerProvider(stack.applicationId, image, this.deps.config));
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

/** The image Dokploy holds for a stack the portal has no record of (made before rollouts). */
export async function dokployImage(deps: Pick<Ports, "client" | "config">, stack: Stack): Promise<{ image: string; pending: boolean } | null> {
  if (!stack.applicationId) return null;
  try {
    const app = await deps.client.applicationSettings(stack.applicationId, AbortSignal.timeout(deps.config.PROBE_ATTEMPT_TIMEOUT * 2));
    return app.dockerImage ? { image: app.dockerImage, pending: false } : null;
  } catch {
    return null;
  }
}
