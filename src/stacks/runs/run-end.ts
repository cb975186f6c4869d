import type { DeploymentRepo } from "../../store/deployments.ts";
import type { EventBus } from "./event-bus.ts";
import type { Deployment, DoneData } from "../model/vocabulary.ts";
import type { Ports } from "./ports.ts";
import { now } from "./saga.ts";

/**
 * Every run ends here: its outcome is stored (with `alsoStore`, the stack's own change, in the
 * same transaction) and only then is its `done` event sent, so that a watcher who sees `done`
 * reads the same outcome from the store. The outcome and the event carry one time.
 */
export function endRun(deps: Pick<Ports, "store" | "events">, deploymentId: string, done: Omit<DoneData, "at">, alsoStore?: () => void): void {
  announceEnd(deps, deploymentId, storeEnd(deps, deploymentId, done, alsoStore));
}

/** endRun's first half, for a run whose last step stores its outcome (the deploy's `ready`). */
export function storeEnd(deps: Pick<Ports, "store">, deploymentId: string, done: Omit<DoneData, "at">, alsoStore?: () => void): DoneData {
  const at = now();
  deps.store.transaction(() => {
    alsoStore?.();
    deps.store.deployments.finish(deploymentId, done.status === "failed" ? "failed" : "succeeded", done.error ?? null, at);
  });
  return { ...done, at };
}

/** endRun's second half: the `done` event, once the outcome is stored. */
export function announceEnd(deps: Pick<Ports, "events">, deploymentId: string, done: DoneData): void {
  deps.events.emit(deploymentId, { type: "done", data: done });
}

/**
 * Until a deployment is no longer running, as the store says. Its `done` event (emitted just
 * after the outcome is stored) wakes the wait at once, so a rollout's next batch starts when
 * this one ends instead of at the next tick of a poll; the re-check every `recheckMs` still
 * ends the wait when no event comes (a run that ended without one) or `stopped()` says so.
 */
export async function operationEnd(
  deployments: Pick<DeploymentRepo, "byId">,
  events: Pick<EventBus, "subscribe">,
  deploymentId: string,
  opts: { recheckMs: number; stopped: () => boolean },
): Promise<Deployment | null> {
  let wake = () => {};
  // Subscribed before the first look: a done event between the two cannot be missed.
  const unsubscribe = events.subscribe(deploymentId, (event) => {
    if (event.type === "done") wake();
  });
  try {
    for (;;) {
      const d = deployments.byId(deploymentId);
      if (d?.status !== "running" || opts.stopped()) return d;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, opts.recheckMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  } finally {
    unsubscribe();
  }
}
