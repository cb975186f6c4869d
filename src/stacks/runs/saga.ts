import { DokployError } from "../../dokploy/errors.ts";
import type { DeploymentError, ProbeSeen, StepId } from "../model/vocabulary.ts";
import { publicMessageFor } from "../model/public-view.ts";
import type { Ports } from "./ports.ts";

export const now = () => new Date().toISOString();

/** A failure with a stable code, raised inside a saga. */
export class SagaError extends Error {
  constructor(
    readonly code: DeploymentError["code"],
    message: string,
    /** Dokploy's or Swarm's own words, for the owner's and the admin's views (never public). */
    readonly detail?: string,
    /** health_timeout: what each probe target last saw (never public). */
    readonly probes?: ProbeSeen[],
  ) {
    super(message);
  }
}

/** Why the saga's signal fired: the owner deleted the stack, or the portal is stopping. */
export type AbortReason = "cancelled" | "shutdown";

export function toDeploymentError(err: unknown, signal?: AbortSignal): DeploymentError {
  if (signal?.aborted) {
    return signal.reason === "shutdown"
      ? { code: "interrupted", message: "The portal stopped during the deploy" }
      : { code: "cancelled", message: "The deploy was cancelled because the stack is being deleted" };
  }
  if (err instanceof SagaError)
    return { code: err.code, message: err.message, ...(err.detail ? { detail: err.detail } : {}), ...(err.probes ? { probes: err.probes } : {}) };
  if (err instanceof DokployError) {
    const code = err.transient ? "dokploy_unavailable" : "dokploy_rejected";
    return { code, message: publicMessageFor(code) ?? code, detail: `Dokploy ${err.procedure}: ${err.message}` };
  }
  return { code: "internal", message: "Unexpected error in the portal" };
}

export const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });

/**
 * Runs one saga step: records it as the deployment's current step, emits started and
 * succeeded/failed events, and reports its duration.
 */
export async function runStep<T>(
  deps: Pick<Ports, "store" | "events" | "log" | "onStep">,
  deploymentId: string,
  kind: string,
  step: StepId,
  fn: () => Promise<T>,
  successMessage?: (result: T) => string | undefined,
): Promise<T> {
  const started = performance.now();
  deps.store.deployments.setStep(deploymentId, step, now());
  deps.events.emit(deploymentId, { type: "step", data: { step, state: "started", at: now() } });
  deps.log.info({ deploymentId, step }, "step started");
  try {
    const result = await fn();
    const message = successMessage?.(result);
    deps.events.emit(deploymentId, {
      type: "step",
      data: { step, state: "succeeded", at: now(), ...(message ? { message } : {}) },
    });
    deps.onStep?.(kind, step, "succeeded", performance.now() - started);
    deps.log.info({ deploymentId, step, ms: Math.round(performance.now() - started) }, "step succeeded");
    return result;
  } catch (err) {
    deps.onStep?.(kind, step, "failed", performance.now() - started);
    const error = toDeploymentError(err);
    deps.events.emit(deploymentId, { type: "step", data: { step, state: "failed", at: now(), error } });
    deps.log.warn({ deploymentId, step, error }, "step failed");
    throw err;
  }
}

/**
 * Retries a compensation with exponential backoff while Dokploy's failure may be passing.
 * A definite answer (404 = already gone, other 4xx) ends the retries.
 */
export async function withCleanupRetries<T>(deps: Pick<Ports, "cleanup">, fn: () => Promise<T>): Promise<T> {
  let delay = deps.cleanup.baseDelayMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const transient = err instanceof DokployError ? err.transient : true;
      if (!transient || attempt >= deps.cleanup.attempts) throw err;
      await sleep(delay);
      delay = Math.min(delay * 2, 10_000);
    }
  }
}
