import type { Deployment, Stack, StepId } from "../model/vocabulary.ts";
import { planStack } from "../model/resource-plan.ts";
import { probeOnce } from "../probe/probe-once.ts";
import { expandProbeTargets } from "../probe/targets.ts";
import { SagaError, now, runStep, sleep, toDeploymentError } from "./saga.ts";
import type { Ports } from "./ports.ts";
import { waitForDokployDeploy } from "./wait-dokploy-deploy.ts";
import { failIfUnschedulable } from "../placement/swarm-scheduling.ts";
import { waitUntilAnswering } from "../probe/readiness.ts";

/**
 * What the owner's operations share: the step runner with its terminal event, and the
 * waits for the stack's real state (Dokploy's stop and start return before it changes).
 */

export interface OperationInput {
  deployment: Deployment;
  stack: Stack;
  signal: AbortSignal;
  /** After a portal restart: go on from this step (sagas say which steps they resume). */
  resumeFrom?: StepId;
  /** Only in memory, for a password change: it goes to Dokploy's environment and nowhere else. */
  password?: string;
  /** Why a stop happens: "owner" (the default) or "idle". */
  reason?: string;
  /** A redeploy's image when not STACK_IMAGE (a rollout); also recorded with the deployment. */
  image?: string;
}

export type Step = <T>(step: StepId, fn: () => Promise<T>, message?: (result: T) => string | undefined) => Promise<T>;

/** How an operation ended when it succeeded: the stack answers, or it is stopped. */
export type OperationEnd = { status: "ready" | "stopped"; message: string };

/**
 * Runs an operation's body; its end becomes the deployment's outcome and the `done` event.
 * Failures leave the stack as Dokploy has it (nothing to roll back): the deployment says why.
 */
export async function runOperation(deps: Ports, input: OperationInput, body: (step: Step) => Promise<OperationEnd>): Promise<void> {
  const { deployment, signal } = input;
  const id = deployment.id;
  const step: Step = (s, fn, message) => runStep(deps, id, deployment.kind, s, fn, message);
  try {
    const end = await body(step);
    deps.store.deployments.finish(id, "succeeded", null, now());
    deps.events.emit(id, {
      type: "done",
      data: { status: end.status, at: now(), message: end.message, ...(end.status === "ready" ? { url: input.stack.url } : {}) },
    });
    deps.log.info({ deploymentId: id, stack: input.stack.name, kind: deployment.kind }, "operation succeeded");
  } catch (err) {
    const error = toDeploymentError(err, signal);
    // The generic texts speak of a deploy.
    if (signal.aborted)
      error.message =
        error.code === "cancelled" ? "The operation was cancelled because the stack is being deleted" : "The portal stopped during the operation";
    deps.store.deployments.finish(id, "failed", error, now());
    deps.events.emit(id, { type: "done", data: { status: "failed", at: now(), error } });
    deps.log.warn({ deploymentId: id, stack: input.stack.name, kind: deployment.kind, error }, "operation failed");
  }
}

/** The stack's application id, or a failure: an operation needs the application. */
export function applicationOf(deps: Ports, stackId: number): { applicationId: string; appName: string } {
  const stack = deps.store.stacks.byId(stackId);
  if (!stack?.applicationId || !stack.appName) throw new SagaError("dokploy_rejected", "The stack has no application in Dokploy");
  return { applicationId: stack.applicationId, appName: stack.appName };
}

function probeTargets(deps: Ports, stack: Stack, appName: string) {
  const plan = planStack(stack.name, deps.config, stack.volumeGeneration);
  return expandProbeTargets(deps.config.STACK_PROBE_URLS, { host: plan.host, appName, port: plan.port });
}

/**
 * Until the probe sees the stack answer (the same check as a deploy's wait_healthy); a task
 * Swarm cannot place ends it with `unschedulable` (placement/swarm-scheduling.ts).
 */
export async function waitHealthy(deps: Ports, stack: Stack, appName: string, signal: AbortSignal): Promise<{ trusted?: boolean }> {
  return waitUntilAnswering(deps, appName, probeTargets(deps, stack, appName), deps.config.HEALTH_TIMEOUT, signal);
}

/** Ids of the service's tasks that run now (`docker service ps`, as Dokploy reports it). */
export async function runningTasks(deps: Ports, appName: string, signal: AbortSignal): Promise<string[]> {
  const tasks = await deps.client.serviceTasks(appName, signal);
  return tasks.filter((t) => /^(running|starting)\b/i.test(t.currentState)).map((t) => t.containerId);
}

/** Polls `done` (which asks Dokploy, so at POLL_INTERVAL at most) until it says true; at the deadline `timeout` is thrown. */
async function until(deps: Ports, signal: AbortSignal, done: () => Promise<boolean>, timeout: SagaError): Promise<void> {
  const deadline = Date.now() + deps.config.HEALTH_TIMEOUT;
  let interval = Math.min(100, deps.config.POLL_INTERVAL);
  for (;;) {
    if (await done()) return;
    if (signal.aborted) throw signal.reason;
    if (Date.now() >= deadline) throw timeout;
    await sleep(Math.min(interval, Math.max(0, deadline - Date.now())), signal);
    interval = Math.min(interval * 2, deps.config.POLL_INTERVAL);
  }
}

/**
 * Until Swarm has no running task of the service and no probe target reaches OpenCode. A
 * redirect does not count as an answer: Traefik redirects http to https either way.
 */
export async function waitStopped(deps: Ports, stack: Stack, appName: string, signal: AbortSignal): Promise<void> {
  const targets = probeTargets(deps, stack, appName);
  await until(
    deps,
    signal,
    async () => {
      if ((await runningTasks(deps, appName, signal)).length > 0) return false;
      const outcomes = await Promise.all(targets.map((t) => probeOnce(t, { timeoutMs: deps.config.PROBE_ATTEMPT_TIMEOUT, signal })));
      return !outcomes.some((o) => o.up && (o.status < 300 || o.status >= 400));
    },
    new SagaError("stop_timeout", "The stack still runs after it was stopped"),
  );
}

/**
 * Until the deploy's new task runs and the old ones are gone: right after Dokploy's "done"
 * the old container may still answer, and the probe must not take it for the new one.
 */
export async function waitNewTask(deps: Ports, appName: string, oldTasks: string[], signal: AbortSignal): Promise<void> {
  // The new task may be one Swarm cannot place: that ends the wait too (placement/swarm-scheduling.ts).
  await failIfUnschedulable(deps, appName, signal, (waiting) =>
    until(
      deps,
      waiting,
      async () => {
        const running = await runningTasks(deps, appName, waiting);
        return running.some((id) => !oldTasks.includes(id)) && !running.some((id) => oldTasks.includes(id));
      },
      new SagaError("health_timeout", "The stack's new container did not replace the old one in time"),
    ),
  );
}

/**
 * Records Dokploy's newest deployment, then starts a new one: the baseline tells the wait
 * (and a restarted portal) which row is ours.
 */
export async function startDokployDeploy(
  deps: Ports,
  deploymentId: string,
  applicationId: string,
  how: "deploy" | "redeploy",
  signal: AbortSignal,
): Promise<void> {
  const { appName } = applicationOf(deps, deps.store.deployments.byId(deploymentId)?.stackId ?? -1);
  const [rows, tasks] = await Promise.all([deps.client.deployments(applicationId, signal), runningTasks(deps, appName, signal)]);
  deps.store.lifecycle.setBaseline(deploymentId, { deploymentId: rows[0]?.deploymentId ?? null, tasks });
  const body = { applicationId, title: "AI Stack Deployer", description: `${how === "deploy" ? "Redeploy" : "Restart"} by the owner` };
  if (how === "deploy") await deps.client.applicationDeploy(body, signal);
  else await deps.client.applicationRedeploy(body, signal);
}

/** Until Dokploy's deployment after the recorded baseline is done; error or cancel fails. */
export async function waitDokployDeploy(deps: Ports, deploymentId: string, applicationId: string, signal: AbortSignal): Promise<void> {
  const baseline = deps.store.lifecycle.baseline(deploymentId);
  const row = await waitForDokployDeploy(deps.client, {
    applicationId,
    baselineId: baseline?.deploymentId ?? null,
    deadline: Date.now() + deps.config.DEPLOY_TIMEOUT,
    intervalMs: deps.config.POLL_INTERVAL,
    signal,
    onQueued: () =>
      deps.events.emit(deploymentId, {
        type: "step",
        data: { step: "wait_running", state: "queued", at: now(), message: "Waiting in Dokploy's build queue" },
      }),
    onRunning: () =>
      deps.events.emit(deploymentId, { type: "status", data: { status: "building", at: now(), message: "Dokploy is deploying the stack" } }),
  });
  if (row.status === "done") return;
  throw new SagaError(
    "deploy_failed",
    row.status === "cancelled" ? "Dokploy cancelled the deploy" : "Dokploy could not start the stack (see the stack's logs)",
  );
}

/** Steps from `resumeFrom` on (all of them without it). */
export function from<T extends StepId>(steps: readonly T[], resumeFrom: StepId | undefined): Set<T> {
  const at = resumeFrom ? steps.indexOf(resumeFrom as T) : 0;
  return new Set(steps.slice(Math.max(0, at)));
}
