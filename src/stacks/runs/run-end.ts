import type { DeploymentRepo } from "../../store/deployments.ts";
import type { EventBus } from "./event-bus.ts";
import type { Deployment } from "../model/vocabulary.ts";

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
