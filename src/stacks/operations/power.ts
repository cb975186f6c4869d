import { waitHealthy, waitStopped } from "../runs/waits.ts";
import { now, SagaError } from "../runs/saga.ts";
import type { Ports } from "../runs/ports.ts";
import { adoptPlacement } from "../placement/adopt.ts";
import { applicationSettings } from "../model/swarm-settings.ts";
import { RESTART_STEPS } from "../model/steps.ts";
import { scaleService } from "./scale.ts";
import { failIfUnschedulable } from "../placement/swarm-scheduling.ts";
import {
  type OperationInput,
  type Step,
  applicationOf,
  from,
  runOperation,
  startDokployDeploy,
  waitOperationDeploy,
} from "../runs/operation-steps.ts";

/**
 * Stop, start and restart. Dokploy scales the Swarm service to 0 or 1 and answers once Swarm
 * has converged (docs/dokploy.md §3); each still ends with a wait for the real state (the
 * probe, the task list), which is the truth when that answer was lost. All steps are safe to
 * repeat, so a restarted portal runs them again from the start.
 */

export async function stopSteps(deps: Ports, input: OperationInput, step: Step): Promise<void> {
  const { applicationId, appName } = applicationOf(deps, input.stack.id);
  await step("stop_service", async () => {
    await scaleService(deps, "stop", { applicationId, appName }, input.signal);
    // After a restart the reason is gone from memory, but the first run may have stored it.
    const reason = input.reason ?? deps.store.lifecycle.runState(input.stack.id).stopReason ?? "owner";
    deps.store.lifecycle.setStopped(input.stack.id, reason, now());
  });
  await step("wait_stopped", () => waitStopped(deps, input.stack, appName, input.signal));
}

export async function startSteps(deps: Ports, input: OperationInput, step: Step): Promise<void> {
  const app = applicationOf(deps, input.stack.id);
  const { applicationId, appName } = app;
  // Swarm would start a task it cannot place by itself whenever room frees up, behind the
  // portal's back (the stack is stopped as far as it and the owner know): scale it back.
  const scaledBackIfUnschedulable = (err: unknown) => {
    if (!(err instanceof SagaError && err.code === "unschedulable")) throw err;
    return scaleService(deps, "stop", app, input.signal).then(
      () => Promise.reject(err),
      (e) => {
        deps.log.warn({ stack: input.stack.name, err: String(e) }, "a start Swarm could not place was not scaled back to 0");
        throw err;
      },
    );
  };
  // A rollout gave the stopped stack a new image in Dokploy: scaling the service up would run
  // the old one (Swarm's spec still names it), so the start is a deploy, which runs it.
  const pending = deps.store.images.of(input.stack.id);
  await step("start_service", async () => {
    // Likewise for a stack pinned just now: Swarm's spec has no pin, a scale-up could start it on any node.
    const { nodeId, adopted } = await adoptPlacement(deps, input.stack, appName, input.signal);
    if (adopted) await deps.client.applicationUpdate(applicationSettings(applicationId, deps.config, nodeId), input.signal);
    else if (!pending?.pending)
      // Dokploy answers a start only once Swarm runs the task: a task Swarm cannot place would hold the answer back for good.
      return failIfUnschedulable(deps, appName, input.signal, (s) => scaleService(deps, "start", app, s)).catch(scaledBackIfUnschedulable);
    await startDokployDeploy(deps, input.deployment.id, applicationId, "deploy", input.signal);
    await waitOperationDeploy(deps, input.deployment.id, applicationId, input.signal);
  });
  await step(
    "wait_healthy",
    () => waitHealthy(deps, input.stack, appName, input.signal).catch(scaledBackIfUnschedulable),
    (r) => (r.trusted === false ? "The stack answers; its HTTPS certificate is not trusted yet" : undefined),
  );
  await step("ready", async () => {
    deps.store.lifecycle.setRunning(input.stack.id, now());
    if (pending?.pending) deps.store.images.set(input.stack.id, pending.image, false, now());
  });
}

export function stopStack(deps: Ports, input: OperationInput): Promise<void> {
  return runOperation(deps, input, async (step) => {
    await stopSteps(deps, input, step);
    return { status: "stopped", message: "The stack is stopped. Its data is kept; start it again whenever you like." };
  });
}

export function startStack(deps: Ports, input: OperationInput): Promise<void> {
  return runOperation(deps, input, async (step) => {
    await startSteps(deps, input, step);
    return { status: "ready", message: "The stack is running." };
  });
}

export function restartStack(deps: Ports, input: OperationInput): Promise<void> {
  // Once the stop is through, a restarted portal only has to start it again.
  const steps = from(RESTART_STEPS, input.resumeFrom === "start_service" || input.resumeFrom === "wait_healthy" ? "start_service" : undefined);
  return runOperation(deps, input, async (step) => {
    if (steps.has("stop_service")) await stopSteps(deps, input, step);
    await startSteps(deps, input, step);
    return { status: "ready", message: "The stack was restarted and answers again." };
  });
}
