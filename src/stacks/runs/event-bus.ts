import type { DeploymentRepo } from "../../store/deployments.ts";
import type { DeploymentEvent, NewEvent } from "../model/vocabulary.ts";

type Listener = (event: DeploymentEvent) => void;
type LiveListener = (event: NewEvent) => void;

/**
 * Deployment events: persisted first (so a reconnecting watcher can catch up by
 * Last-Event-ID), then handed to live watchers. A watcher that throws or goes away never
 * affects the deploy that emits. A passing state (a queue position) can be announced
 * instead: live watchers get it, nothing is written, and the next persisted event of the
 * deployment supersedes it.
 */
export class EventBus {
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly liveListeners = new Map<string, Set<LiveListener>>();
  private readonly topics = new Map<string, Topic<unknown>>();
  /** Per deployment, its newest announcement that no persisted event has superseded yet. */
  private readonly current = new Map<string, NewEvent>();

  constructor(private readonly repo: DeploymentRepo) {}

  emit(deploymentId: string, event: NewEvent): DeploymentEvent {
    const stored = this.repo.appendEvent(deploymentId, event);
    this.current.delete(deploymentId);
    for (const listener of this.listeners.get(deploymentId) ?? []) call(listener, stored);
    return stored;
  }

  /** Live watchers only, never persisted: for states that change often and matter only now. */
  announce(deploymentId: string, event: NewEvent): void {
    this.current.set(deploymentId, event);
    for (const listener of this.liveListeners.get(deploymentId) ?? []) call(listener, event);
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

  subscribe(deploymentId: string, listener: Listener, onLive?: LiveListener): () => void {
    const unsubscribe = add(this.listeners, deploymentId, listener);
    const unsubscribeLive = onLive ? add(this.liveListeners, deploymentId, onLive) : () => {};
    return () => {
      unsubscribe();
      unsubscribeLive();
    };
  }
}

/** Live values per key, for whoever listens now. */
export class Topic<T> {
  private readonly listeners = new Map<string, Set<(value: T) => void>>();

  publish(key: string, value: T): void {
    for (const listener of this.listeners.get(key) ?? []) call(listener, value);
  }

  subscribe(key: string, listener: (value: T) => void): () => void {
    return add(this.listeners, key, listener);
  }
}

function add<T>(map: Map<string, Set<T>>, key: string, item: T): () => void {
  const set = map.get(key) ?? new Set<T>();
  map.set(key, set);
  set.add(item);
  return () => {
    set.delete(item);
    if (set.size === 0 && map.get(key) === set) map.delete(key);
  };
}

function call<E>(listener: (event: E) => void, event: E): void {
  try {
    listener(event);
  } catch {
    // A broken watcher is its own problem.
  }
}
