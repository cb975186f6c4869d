import type { DeploymentRepo } from "../../store/deployments.ts";
import type { DeploymentEvent, NewEvent } from "../model/vocabulary.ts";

/**
 * Deployment events: persisted first (so a reconnecting watcher can catch up by
 * Last-Event-ID), then handed to live watchers. A watcher that throws or goes away never
 * affects the deploy that emits. A passing state (a queue position) can be announced
 * instead: live watchers get it, nothing is written, and the next persisted event of the
 * deployment supersedes it.
 */
export class EventBus {
  /** Per deployment: its persisted events, and what is only announced. */
  private readonly stored = new Topic<DeploymentEvent>();
  private readonly announced = new Topic<NewEvent>();
  private readonly topics = new Map<string, Topic<unknown>>();
  /** Per deployment, its newest announcement that no persisted event has superseded yet. */
  private readonly current = new Map<string, NewEvent>();
  /** Told of every persisted event, whichever deployment (the admin's live list). */
  private readonly everyEvent = new Set<(deploymentId: string) => void>();

  constructor(private readonly repo: DeploymentRepo) {}

  emit(deploymentId: string, event: NewEvent): DeploymentEvent {
    const stored = this.repo.appendEvent(deploymentId, event);
    this.current.delete(deploymentId);
    this.stored.publish(deploymentId, stored);
    for (const listener of this.everyEvent) {
      try {
        listener(deploymentId);
      } catch {
        // A watcher's problem, never the deploy's.
      }
    }
    return stored;
  }

  /** Every persisted event's deployment id, as it happens; returns the unsubscribe. */
  watchAll(listener: (deploymentId: string) => void): () => void {
    this.everyEvent.add(listener);
    return () => this.everyEvent.delete(listener);
  }

  /** Live watchers only, never persisted: for states that change often and matter only now. */
  announce(deploymentId: string, event: NewEvent): void {
    this.current.set(deploymentId, event);
    this.announced.publish(deploymentId, event);
  }

  /** The persisted events after `after`, oldest first: what a (re)connecting watcher missed. */
  history(deploymentId: string, after: number): DeploymentEvent[] {
    return this.repo.events(deploymentId, after);
  }

  /** The deployment's announcement that still holds, if any (what a new watcher or the snapshot shows). */
  live(deploymentId: string): NewEvent | null {
    return this.current.get(deploymentId) ?? null;
  }

  /** Drops the announcement that holds (the state it told of is over). */
  forget(deploymentId: string): void {
    this.current.delete(deploymentId);
  }

  /**
   * A named channel on the same bus for what is not a deployment's event (a rollout's live
   * view): live only, never persisted, one value type per name.
   */
  topic<T>(name: string): Topic<T> {
    let topic = this.topics.get(name);
    if (!topic) {
      topic = new Topic<unknown>();
      this.topics.set(name, topic);
    }
    return topic as Topic<T>;
  }

  subscribe(deploymentId: string, listener: (event: DeploymentEvent) => void, onLive?: (event: NewEvent) => void): () => void {
    const unsubscribe = this.stored.subscribe(deploymentId, listener);
    const unsubscribeLive = onLive ? this.announced.subscribe(deploymentId, onLive) : () => {};
    return () => {
      unsubscribe();
      unsubscribeLive();
    };
  }
}

/** Live values per key, for whoever listens now. A listener that throws is its own problem. */
export class Topic<T> {
  private readonly listeners = new Map<string, Set<(value: T) => void>>();

  publish(key: string, value: T): void {
    for (const listener of this.listeners.get(key) ?? []) {
      try {
        listener(value);
      } catch {
        // It never affects the one that publishes.
      }
    }
  }

  subscribe(key: string, listener: (value: T) => void): () => void {
    const set = this.listeners.get(key) ?? new Set();
    this.listeners.set(key, set);
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(key) === set) this.listeners.delete(key);
    };
  }
}
