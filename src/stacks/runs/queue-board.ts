import type { EventBus } from "./event-bus.ts";
import { now } from "./saga.ts";

/**
 * The places of the deploys waiting in the portal's queue (deploy-slots.ts), told to their watchers.
 * Every move reaches the live watchers, but only two per deploy are written: where it joined
 * the line and "next in line" (number 1). A burst of N waiting deploys moves N²/2 times; it
 * writes at most 2N rows. The place now is kept here, for the snapshot.
 */
export class QueueBoard {
  private readonly places = new Map<string, number>();

  constructor(private readonly events: EventBus) {}

  /** The callbacks for one deploy's wait: `onPosition` for DeploySlots.acquire, `done` once out of the line. */
  enter(deploymentId: string): { onPosition: (position: number) => void; done: () => void } {
    let persisted: number | null = null;
    return {
      onPosition: (position) => {
        this.places.set(deploymentId, position);
        const event = {
          type: "status",
          data: { status: "waiting", position, at: now(), message: `Waiting for a free slot: number ${position} in line` },
        } as const;
        if (persisted === null || (position === 1 && persisted !== 1)) {
          this.events.emit(deploymentId, event);
          persisted = position;
        } else this.events.announce(deploymentId, event);
      },
      // A slot, or cancelled: its last place no longer holds.
      done: () => {
        this.places.delete(deploymentId);
        this.events.forget(deploymentId);
      },
    };
  }

  /** Where the deploy is in the line now; null when it is not waiting. */
  positionOf(deploymentId: string): number | null {
    return this.places.get(deploymentId) ?? null;
  }
}
