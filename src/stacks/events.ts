import type { DeploymentRepo } from "../store/deployments.ts";
import type { DeploymentEvent, NewEvent } from "./model.ts";

type Listener = (event: DeploymentEvent) => void;

/**
 * Deployment events: persisted first (so a reconnecting watcher can catch up by
 * Last-Event-ID), then handed to live watchers. A watcher that throws or goes away never
 * affects the deploy that emits.
 */
export class EventBus {
  private readonly listeners = new Map<string, Set<Listener>>();

  constructor(private readonly repo: DeploymentRepo) {}

  emit(deploymentId: string, event: NewEvent): DeploymentEvent {
    const stored = this.repo.appendEvent(deploymentId, event);
    for (const listener of this.listeners.get(deploymentId) ?? []) {
      try {
        listener(stored);
      } catch {
        // A broken watcher is its own problem.
      }
    }
    return stored;
  }

  subscribe(deploymentId: string, listener: Listener): () => void {
    const set = this.listeners.get(deploymentId) ?? new Set<Listener>();
    this.listeners.set(deploymentId, set);
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(deploymentId);
    };
  }
}
