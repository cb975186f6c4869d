import type { Stack } from "../model/vocabulary.ts";
import { planStack } from "../model/resource-plan.ts";
import { failIfUnschedulable } from "../placement/swarm-scheduling.ts";
import { probeOnce } from "../probe/probe-once.ts";
import { waitUntilAnswering } from "../probe/readiness.ts";
import { atHost, expandProbeTargets, withoutHost } from "../probe/targets.ts";
import type { Ports } from "./ports.ts";
import { SagaError, now, sleep } from "./saga.ts";
import type { DeploymentRow } from "../../dokploy/schemas.ts";
import { waitForDokployDeploy } from "./wait-dokploy-deploy.ts";

/**
 * The waits every run shares, one copy each: for Dokploy's own deploy, for the stack to
 * answer, for it to stop, and for a new task to replace the old one. Dokploy answers before
 * Swarm has changed anything, so each wait watches the real state.
 */

/**
 * A pooled stack has no public domain yet: only the targets that do not need one. `atPublicHost`:
 * only those of its public address (a claim proves that its new domain routes to it), unless
 * STACK_SSO puts the portal's sign-in in front of it: then, as for a deploy, all of them.
 */
function probeTargets(deps: Ports, stack: Stack, appName: string, atPublicHost = false) {
  const plan = planStack(stack, deps.config);
  const spec = deps.config.STACK_PROBE_URLS;
  const publicOnly = atPublicHost && deps.config.STACK_SSO !== "on";
  return expandProbeTargets(stack.pool ? withoutHost(spec) : publicOnly ? atHost(spec) : spec, {
    host: plan.host,
    appName,
    port: plan.port,
  });
}

/**
 * Until the probe sees the stack answer (the same check as a deploy's wait_healthy); a task
 * Swarm cannot place ends it with `unschedulable` (placement/swarm-scheduling.ts).
 */
export async function waitHealthy(
  deps: Ports,
  stack: Stack,
  appName: string,
  signal: AbortSignal,
  timeoutMs = deps.config.HEALTH_TIMEOUT,
  atPublicHost = false,
): Promise<{ trusted?: boolean }> {
  return waitUntilAnswering(deps, appName, probeTargets(deps, stack, appName, atPublicHost), timeoutMs, signal);
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
 * Until Dokploy's deployment after `baselineId` (null: any) is done. Its queue and build are
 * told to the run's watchers; an error or a cancel fails the run, after `onFailed` (the log).
 */
export async function waitDokployDeploy(
  deps: Ports,
  runId: string,
  applicationId: string,
  opts: { baselineId: string | null; deadline: number; signal: AbortSignal; failedMessage: string; onFailed?: (row: DeploymentRow) => Promise<void> },
): Promise<void> {
  const row = await waitForDokployDeploy(deps.client, {
    applicationId,
    baselineId: opts.baselineId,
    deadline: opts.deadline,
    intervalMs: deps.config.POLL_INTERVAL,
    signal: opts.signal,
    onQueued: () =>
      deps.events.emit(runId, {
        type: "step",
        data: { step: "wait_running", state: "queued", at: now(), message: "Waiting in Dokploy's build queue" },
      }),
    onRunning: () => deps.events.emit(runId, { type: "status", data: { status: "building", at: now(), message: "Dokploy is deploying the stack" } }),
  });
  if (row.status === "done") return;
  await opts.onFailed?.(row);
  throw new SagaError("deploy_failed", row.status === "cancelled" ? "Dokploy cancelled the deploy" : opts.failedMessage);
}
