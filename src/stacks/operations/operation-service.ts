import type { Deployment, Stack } from "../model/vocabulary.ts";
import { runningTasks } from "../runs/waits.ts";
import { now } from "../runs/saga.ts";
import type { Ports } from "../runs/ports.ts";
import { newStackPassword } from "../owners/secrets.ts";
import { type Actor, type Permission, type RequestContext, type StackAccess, roleOf } from "../owners/access.ts";
import { type Result, fail } from "../model/result.ts";
import type { Runner } from "../runs/runner.ts";
import type { OperationKind } from "../model/steps.ts";
import type { OperationInput } from "../runs/operation-steps.ts";
import type { RunState } from "../../store/lifecycle.ts";
import { type StackDetails, stackDetails } from "./details.ts";
import type { Fleet } from "../fleet/fleet.ts";
import { stackLogs } from "./logs.ts";
import { startStack, restartStack, stopStack } from "./power.ts";
import { changePassword, redeployStack } from "./redeploy.ts";
import { recordAudit } from "../owners/audit-trail.ts";
import type { IdleRules } from "../upkeep/idle-forecast.ts";
import { keepAwake } from "./keep-awake.ts";
import { setModelKeys } from "../keys/set-keys.ts";
import { type AgentModelState, type ModelKeyState, agentStates, keyChanges, keyStates } from "../keys/key-states.ts";
import { type OfferedModel, readModels } from "../probe/opencode-api.ts";
import { restoreStack, stackBackupFiles } from "../backups/restore.ts";
import type { StackBackupFile } from "../backups/backup-files.ts";

/** What an operation is given besides its kind: the keys to set, the backup file to restore. */
export interface OperationBody {
  keys?: OperationInput["keys"];
  models?: OperationInput["models"];
  file?: string;
}

/**
 * The owner's operations on a stack: stop, start, restart, redeploy, a new password and new
 * model keys (keys/); besides them, keeping a stack awake and reading its details, logs and keys.
 * Authorised like a delete (StackAccess.authorize), one at a time per stack, persisted as
 * deployments of their own kind with their own steps, and followed over the same SSE stream.
 */

export type OperationAccepted = {
  name: string;
  actor: Actor;
  kind: OperationKind;
} & (
  | { deploymentId: string; nothingToDo?: undefined; password?: string }
  /** Stop on a stopped stack, start on a running one. */
  | { deploymentId: null; nothingToDo: true; message: string }
);

const SAGAS: Record<OperationKind, (deps: Ports, input: OperationInput) => Promise<void>> = {
  stop: stopStack,
  start: startStack,
  restart: restartStack,
  redeploy: redeployStack,
  password: changePassword,
  keys: setModelKeys,
  restore: restoreStack,
};

/** What each operation needs (StackAccess): a manager may power and upgrade; a password and keys are the owner's. */
export const OPERATION_NEEDS: Record<OperationKind, Permission> = {
  stop: "operate",
  start: "operate",
  restart: "operate",
  redeploy: "operate",
  password: "own",
  keys: "own",
  restore: "own",
};

/** Operations that make Dokploy build wait for a deploy slot like deploys do. */
const BUILDS = new Set<OperationKind>(["redeploy", "password", "keys"]);

export interface StackOperationsOptions {
  /** Each request's outcome: "accepted", "nothing_to_do" or the refusal's code. */
  onRequest?: (kind: OperationKind, outcome: string) => void;
  /** The portal's own secrets, scrubbed from logs shown to owners. */
  secrets?: (string | undefined)[];
  /** Adds the stack's node, its availability and its backups to the details. */
  fleet?: Fleet;
  /** When idle stacks stop (IDLE_STOP_AFTER; 0: never) and what their owners may do about it. */
  idle?: IdleRules;
}

export class StackOperations {
  constructor(
    private readonly deps: Ports,
    private readonly runner: Runner,
    private readonly access: StackAccess,
    private readonly opts: StackOperationsOptions = {},
  ) {}

  async details(rawName: string, ctx: RequestContext): Promise<Result<{ details: StackDetails }>> {
    const access = this.access.liveStack(rawName, ctx, "read");
    if (!access.ok) return access;
    const [details, fleet] = await Promise.all([stackDetails(this.deps, access.stack, this.opts.idle), this.opts.fleet?.detailsOf(access.stack)]);
    return { ok: true, details: { ...details, ...fleet, role: roleOf(access.actor) } satisfies StackDetails };
  }

  /** POST /api/stacks/:name/keep-awake (keep-awake.ts), authorised like an operation and audited. */
  keepAwake(rawName: string, ctx: RequestContext, hours: number | undefined): Result<{ name: string; keepAwakeUntil: string | null }> {
    const access = this.access.liveStack(rawName, ctx, "operate");
    const result = access.ok
      ? keepAwake(this.deps, access.stack, this.opts.idle ?? { stopAfterMs: 0, keepAwakeMaxMs: 0, warningBeforeMs: 0 }, hours)
      : access;
    recordAudit(this.deps.store.audit, {
      action: "keep_awake",
      stackName: rawName.trim().toLowerCase(),
      actor: access.ok ? access.actor : "anonymous",
      outcome: result.ok ? "accepted" : result.code,
      detail: result.ok ? { until: result.keepAwakeUntil } : null,
      ctx,
    });
    return result;
  }

  async logs(rawName: string, ctx: RequestContext, tail: number): Promise<Result<{ logs: Awaited<ReturnType<typeof stackLogs>> }>> {
    const access = this.access.liveStack(rawName, ctx, "operate");
    if (!access.ok) return access;
    return { ok: true, logs: await stackLogs(this.deps, access.stack, tail, this.opts.secrets ?? []) };
  }

  /** `body`: the owner's model provider keys for `keys` (in memory only; the audit names the providers), the file for `restore`. */
  async request(
    kind: OperationKind,
    rawName: string,
    ctx: RequestContext = {},
    body: OperationBody = {},
  ): Promise<Result<OperationAccepted> & { runningId?: string }> {
    const { keys, models, file } = body;
    const result = await this.start(kind, rawName, ctx, body);
    const outcome = result.ok ? (result.nothingToDo ? "nothing_to_do" : "accepted") : result.code;
    this.opts.onRequest?.(kind, outcome);
    // The audit record of deploys and deletes (StackService.audit), with "nothing_to_do" as an outcome of its own.
    recordAudit(this.deps.store.audit, {
      action: kind,
      stackName: rawName.trim().toLowerCase(),
      deploymentId: result.ok ? result.deploymentId : null,
      actor: result.ok ? result.actor : "anonymous",
      outcome,
      detail: keys || models ? { ...(keys ? keyChanges(keys) : {}), ...(models ? { models } : {}) } : file ? { file } : null,
      ctx,
    });
    return result;
  }

  private async start(
    kind: OperationKind,
    rawName: string,
    ctx: RequestContext,
    body: OperationBody,
  ): Promise<Result<OperationAccepted> & { runningId?: string }> {
    const access = this.access.liveStack(rawName, ctx, OPERATION_NEEDS[kind]);
    if (!access.ok) return access;
    // On a node that is down or drained Swarm cannot act on the stack (a scale would wait on a
    // task it cannot place, or on a Down node's stale one): said at once, with the reason.
    const out = await this.opts.fleet?.statusOf(access.stack);
    if (out?.unavailableReason) return fail(out.unavailableReason, out.message ?? out.unavailableReason);
    const { keys, models, file } = body;
    if (kind === "restore") {
      // Only a file of this stack's own volumes, as Dokploy lists it now.
      const listed = await stackBackupFiles(this.deps, access.stack);
      if (!listed.ok) return listed;
      if (!file || !listed.files.some((f) => f.file === file)) return fail("backup_not_found", "That is not one of this stack's backups");
      return this.begin(kind, access.stack, access.actor, {}, null, file);
    }
    // Whether there is anything to stop or start is Swarm's to say: the stack may have been
    // stopped or started in Dokploy itself.
    const observed = kind === "stop" || kind === "start" ? await this.observedState(access.stack) : null;
    return this.begin(kind, access.stack, access.actor, { keys, models }, observed);
  }

  /** Whether the caller may do what `need` asks of the stack, without doing anything. */
  mayOperate(rawName: string, ctx: RequestContext, need: Permission): Result<{ name: string }> {
    const access = this.access.liveStack(rawName, ctx, need);
    return access.ok ? { ok: true, name: access.stack.name } : access;
  }

  /** GET /api/stacks/:name/backups: the stack's backup files to restore from, newest first. */
  async backups(rawName: string, ctx: RequestContext): Promise<Result<{ name: string; files: StackBackupFile[] }>> {
    const access = this.access.liveStack(rawName, ctx);
    if (!access.ok) return access;
    const listed = await stackBackupFiles(this.deps, access.stack);
    return listed.ok ? { ok: true, name: access.stack.name, files: listed.files } : listed;
  }

  /** GET /api/stacks/:name/models: the models the stack's OpenCode offers now (its keys' providers and the free ones). */
  async models(rawName: string, ctx: RequestContext): Promise<Result<{ name: string; models: OfferedModel[] }>> {
    const access = this.access.liveStack(rawName, ctx);
    if (!access.ok) return access;
    const models = await readModels(this.deps, access.stack, this.deps.config.PROBE_ATTEMPT_TIMEOUT * 2);
    if (!models) return fail("stack_unreachable", "The stack's OpenCode did not say which models it offers; is it running?");
    return { ok: true, name: access.stack.name, models };
  }

  /** GET /api/stacks/:name/keys: which providers have a key in the stack's environment, and its last four characters. */
  async modelKeys(rawName: string, ctx: RequestContext): Promise<Result<{ name: string; providers: ModelKeyState[]; agents: AgentModelState[] }>> {
    const access = this.access.liveStack(rawName, ctx);
    if (!access.ok) return access;
    const { applicationId } = access.stack;
    if (!applicationId) return fail("stack_not_ready", `"${access.stack.name}" has no application yet`);
    try {
      const env = await this.deps.client.applicationEnvironment(applicationId, AbortSignal.timeout(this.deps.config.PROBE_ATTEMPT_TIMEOUT));
      return { ok: true, name: access.stack.name, providers: keyStates(env), agents: agentStates(env) };
    } catch {
      return fail("dokploy_unavailable", "Dokploy could not say which keys the stack has; try again shortly");
    }
  }

  /** running or stopped as Swarm's task list says, or null when Dokploy cannot tell. */
  private async observedState(stack: Stack): Promise<RunState["state"] | null> {
    if (!stack.appName) return null;
    try {
      const tasks = await runningTasks(this.deps, stack.appName, AbortSignal.timeout(this.deps.config.PROBE_ATTEMPT_TIMEOUT));
      return tasks.length > 0 ? "running" : "stopped";
    } catch {
      return null;
    }
  }

  /**
   * Stops a stack nobody used for a while (upkeep/idle-stop.ts): the same stop as the owner's, with
   * "idle" as its reason, refused like any operation while another one runs.
   */
  idleStop(stack: Stack): Result<OperationAccepted> & { runningId?: string } {
    const result = this.begin("stop", stack, "system", { reason: "idle" });
    recordAudit(this.deps.store.audit, {
      action: "idle_stop",
      stackName: stack.name,
      deploymentId: result.ok ? result.deploymentId : null,
      actor: "system",
      outcome: result.ok ? (result.nothingToDo ? "nothing_to_do" : "accepted") : result.code,
    });
    return result;
  }

  private begin(
    kind: OperationKind,
    stack: Stack,
    actor: Actor,
    extra: Partial<OperationInput>,
    observed: RunState["state"] | null = null,
    restoreFile?: string,
  ): Result<OperationAccepted> & { runningId?: string } {
    const { store } = this.deps;
    const password = kind === "password" ? newStackPassword() : undefined;
    // Check and insert in one transaction: two requests at once cannot both start.
    const started = store.transaction(() => {
      const running = store.deployments.runningFor(stack.id);
      if (running) return { running };
      // A stack in a rollout's current batch is the rollout's until its turn ends.
      const rollout = extra.image === undefined ? store.rollouts.holding(stack.id) : null;
      if (rollout) return { rollout };
      if (stack.status !== "ready") return { notReady: true as const };
      const recorded = store.lifecycle.runState(stack.id).state;
      const state = observed ?? recorded;
      if ((kind === "stop" && state === "stopped") || (kind === "start" && state === "running")) {
        // The portal's record follows what Swarm says.
        if (state !== recorded && state === "running") store.lifecycle.setRunning(stack.id, now());
        if (state !== recorded && state === "stopped") store.lifecycle.setStopped(stack.id, "dokploy", now());
        return { nothing: state };
      }
      const deployment = store.deployments.insert(crypto.randomUUID(), stack.id, kind, now());
      if (extra.image !== undefined) store.images.setForDeployment(deployment.id, extra.image);
      if (restoreFile) store.deployments.setRestoreFile(deployment.id, restoreFile);
      return { deployment };
    });
    if ("running" in started && started.running)
      return {
        ...fail("operation_in_progress", `Another operation on "${stack.name}" is still running: ${started.running.kind} ${started.running.id}`),
        runningId: started.running.id,
      };
    if ("rollout" in started)
      return fail("operation_in_progress", `"${stack.name}" is being moved to a new image by a rollout (${started.rollout}); try again in a minute`);
    if ("notReady" in started) return fail("stack_not_ready", `"${stack.name}" is ${stack.status}; this needs a ready stack`);
    if ("nothing" in started)
      return {
        ok: true,
        name: stack.name,
        actor,
        kind,
        deploymentId: null,
        nothingToDo: true,
        message: started.nothing === "stopped" ? "The stack is already stopped" : "The stack is already running",
      };
    const deployment = (started as { deployment: Deployment }).deployment;
    this.deps.events.emit(deployment.id, { type: "status", data: { status: "accepted", at: now(), message: `${kind} of ${stack.name}` } });
    this.deps.log.info({ deploymentId: deployment.id, stack: stack.name, kind, actor }, "operation accepted");
    this.launch(kind, deployment, stack, { ...extra, password });
    return { ok: true, name: stack.name, actor, kind, deploymentId: deployment.id, ...(password ? { password } : {}) };
  }

  private launch(kind: OperationKind, deployment: Deployment, stack: Stack, extra: Partial<OperationInput>): void {
    this.runner.start(deployment.id, kind, (signal) => SAGAS[kind](this.deps, { deployment, stack, signal, ...extra }), {
      slot: BUILDS.has(kind),
    });
  }

  /**
   * A rollout's redeploy of one stack onto `image` (or back onto its previous one): the
   * owner's redeploy, started by the system, refused like any operation while another runs.
   */
  rolloutRedeploy(stack: Stack, image: string): Result<OperationAccepted> & { runningId?: string } {
    return this.begin("redeploy", stack, "system", { image });
  }

  /** After a restart (Runner.recover): an operation goes on from where it was. False for other kinds. */
  resume(deployment: Deployment): boolean {
    if (!(deployment.kind in SAGAS)) return false;
    const stack = this.deps.store.stacks.byId(deployment.stackId);
    if (!stack) return false;
    this.launch(deployment.kind as OperationKind, deployment, stack, { resumeFrom: deployment.step ?? undefined });
    return true;
  }
}
