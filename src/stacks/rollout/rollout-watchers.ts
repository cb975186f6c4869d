import type { Logger } from "../../log.ts";
import type { EventBus, Topic } from "../runs/event-bus.ts";
import type { RolloutView } from "./rollout-model.ts";

/**
 * A rollout's live view for who follows it (the admin's SSE stream), through the EventBus's
 * "rollout" topic, and the remaining-stacks gauge. A change is published once per turn of the
 * event loop with the view as it is by then: a batch of 20 starting at once is one view of the
 * whole rollout, not 20 (each view reads and sends every stack of the rollout).
 */
export class RolloutWatchers {
  private readonly topic: Topic<RolloutView>;
  /** Rollouts changed since their watchers last heard. */
  private readonly unpublished = new Set<string>();

  constructor(
    events: EventBus,
    private readonly view: (id: string) => RolloutView | null,
    private readonly log: Logger,
    /** Stacks not yet handled by the current rollout (0 when there is none). */
    private readonly onRemaining?: (n: number) => void,
  ) {
    this.topic = events.topic<RolloutView>("rollout");
  }

  /** Live views of one rollout, after each change; returns the unsubscribe. */
  subscribe(id: string, listener: (view: RolloutView) => void): () => void {
    return this.topic.subscribe(id, listener);
  }

  publish(id: string): void {
    if (this.unpublished.has(id)) return;
    this.unpublished.add(id);
    queueMicrotask(() => {
      this.unpublished.delete(id);
      try {
        this.notify(id);
      } catch (err) {
        this.log.warn({ rolloutId: id, err: err instanceof Error ? err.message : String(err) }, "rollout progress not published");
      }
    });
  }

  private notify(id: string): void {
    const view = this.view(id);
    if (!view) return;
    this.onRemaining?.(view.rollout.status === "running" || view.rollout.status === "paused" ? view.counts.remaining : 0);
    this.topic.publish(id, view);
  }
}
