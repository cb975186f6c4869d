import { now, type SagaDeps, SagaError } from "../saga.ts";
import { adoptPlacement } from "../placement-adopt.ts";
import { applicationSettings } from "../spec.ts";
import { RESTART_STEPS } from "../steps.ts";
import {
  type OperationInput,
  type Step,
  applicationOf,
  from,
  runOperation,
  startDokployDeploy,
  waitDokployDeploy,
  waitHealthy,
  waitStopped,
} from "./common.ts";

/**
 * Stop, start and restart. Dokploy scales the Swarm service to 0 or 1 and answers before
 * the task is gone or up (docs/dokploy.md §3), so each ends with a wait for the real state.
 * All steps are safe to repeat, so a restarted portal runs them again from the start.
 */

async function stopSteps(deps: SagaDeps, input: OperationInput, step: Step): Promise<void> {
  const { applicationId, appName } = applicationOf(deps, input.stack.id);
  await step("stop_service", async () => {
    await deps.client.applicationStop(applicationId, input.signal);
    // After a restart the reason is gone from memory, but the first run may have stored it.
    const reason = input.reason ?? deps.store.lifecycle.runState(input.stack.id).stopReason ?? "owner";
    deps.store.lifecycle.setStopped(input.stack.id, reason, now());
  });
  await step("wait_stopped", () => waitStopped(deps, input.stack, appName, input.signal));
}

async function startSteps(deps: SagaDeps, input: OperationInput, step: Step): Promise<void> {
  const { applicationId, appName } = applicationOf(deps, input.stack.id);
  // A rollout gave the stopped stack a new image in Dokploy: scaling the service up would run
  // the old one (Swarm's spec still names it), so the start is a deploy, which runs it.
  const pending = deps.store.images.of(input.stack.id);
  await step("start_service", async () => {
    // Likewise for a stack pinned just now: Swarm's spec has no pin, a scale-up could start it on any node.
    const { nodeId, adopted } = await adoptPlacement(deps, input.stack, appName, input.signal);
    if (adopted) await deps.client.applicationUpdate(applicationSettings(applicationId, deps.config, nodeId), input.signal);
    else if (!pending?.pending) return deps.client.applicationStart(applicationId, input.signal);
    await startDokployDeploy(deps, input.deployment.id, applicationId, "deploy", input.signal);
    await waitDokployDeploy(deps, input.deployment.id, applicationId, input.signal);
  });
  await step(
    "wait_healthy",
    () =>
      waitHealthy(deps, input.stack, appName, input.signal).catch(async (err) => {
        // Swarm would start the pending task by itself whenever room frees up, behind the
        // portal's back (the stack is stopped as far as it and the owner know): scale it back.
        if (err instanceof SagaError && err.code === "unschedulable")
          await deps.client
            .applicationStop(applicationId, input.signal)
            .catch((e) => deps.log.warn({ stack: input.stack.name, err: String(e) }, "a start Swarm could not place was not scaled back to 0"));
        throw err;
      }),
    (r) => (r.trusted === false ? "The stack answers; its HTTPS certificate is not trusted yet" : undefined),
  );
  await step("ready", async () => {
    deps.store.lifecycle.setRunning(input.stack.id, now());
    if (pending?.pending) deps.store.images.set(input.stack.id, pending.image, false, now());
  });
}

export function stopStack(deps: SagaDeps, input: OperationInput): Promise<void> {
  return runOperation(deps, input, async (step) => {
    await stopSteps(deps, input, step);
    return { status: "stopped", message: "The stack is stopped. Its data is kept; start it again whenever you like." };
  });
}

export function startStack(deps: SagaDeps, input: OperationInput): Promise<void> {
  return runOperation(deps, input, async (step) => {
    await startSteps(deps, input, step);
    return { status: "ready", message: "The stack is running." };
  });
}

export function restartStack(deps: SagaDeps, input: OperationInput): Promise<void> {
  // Once the stop is through, a restarted portal only has to start it again.
  const steps = from(RESTART_STEPS, input.resumeFrom === "start_service" || input.resumeFrom === "wait_healthy" ? "start_service" : undefined);
  return runOperation(deps, input, async (step) => {
    if (steps.has("stop_service")) await stopSteps(deps, input, step);
    await startSteps(deps, input, step);
    return { status: "ready", message: "The stack was restarted and answers again." };
  });
}
