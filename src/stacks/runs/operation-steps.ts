import type { Deployment, Stack, StepId } from "../model/vocabulary.ts";
import { runningTasks, waitDokployDeploy } from "./waits.ts";
import { SagaError, runStep, toDeploymentError } from "./saga.ts";
import type { Ports } from "./ports.ts";
import { endRun } from "./run-end.ts";
import type { ModelProviderId } from "../keys/providers.ts";
import type { StackAgentId } from "../keys/agent-models.ts";

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
  /** Only in memory, the owner's model provider keys to set (null: remove); as the password. */
  keys?: Partial<Record<ModelProviderId, string | null>>;
  /** The owner's model per agent to set (null: back to the image's free default); not secret, but carried as the keys are. */
  models?: Partial<Record<StackAgentId, string | null>>;
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
    endRun(deps, id, { status: end.status, message: end.message, ...(end.status === "ready" ? { url: input.stack.url } : {}) });
    deps.log.info({ deploymentId: id, stack: input.stack.name, kind: deployment.kind }, "operation succeeded");
  } catch (err) {
    const error = toDeploymentError(err, signal);
    // The generic texts speak of a deploy.
    if (signal.aborted)
      error.message =
        error.code === "cancelled" ? "The operation was cancelled because the stack is being deleted" : "The portal stopped during the operation";
    endRun(deps, id, { status: "failed", error });
    deps.log.warn({ deploymentId: id, stack: input.stack.name, kind: deployment.kind, error }, "operation failed");
  }
}

/** The stack's application id, or a failure: an operation needs the application. */
export function applicationOf(deps: Ports, stackId: number): { applicationId: string; appName: string } {
  const stack = deps.store.stacks.byId(stackId);
  if (!stack?.applicationId || !stack.appName) throw new SagaError("dokploy_rejected", "The stack has no application in Dokploy");
  return { applicationId: stack.applicationId, appName: stack.appName };
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

/** Until Dokploy's deployment after the one recorded before the operation started is done. */
export function waitOperationDeploy(deps: Ports, deploymentId: string, applicationId: string, signal: AbortSignal): Promise<void> {
  return waitDokployDeploy(deps, deploymentId, applicationId, {
    baselineId: deps.store.lifecycle.baseline(deploymentId)?.deploymentId ?? null,
    deadline: Date.now() + deps.config.DEPLOY_TIMEOUT,
    signal,
    failedMessage: "Dokploy could not start the stack (see the stack's logs)",
  });
}

/** Steps from `resumeFrom` on (all of them without it). */
export function from<T extends StepId>(steps: readonly T[], resumeFrom: StepId | undefined): Set<T> {
  const at = resumeFrom ? steps.indexOf(resumeFrom as T) : 0;
  return new Set(steps.slice(Math.max(0, at)));
}
