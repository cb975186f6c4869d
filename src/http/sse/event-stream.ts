import type { EventBus } from "../../stacks/runs/event-bus.ts";
import type { DeploymentEvent, NewEvent } from "../../stacks/model/vocabulary.ts";
import { publicEvent } from "../../stacks/model/public-view.ts";

/**
 * A deployment's events as `text/event-stream`. Each event is encoded once however many
 * watchers it goes to, and handed to each watcher's stream synchronously: no per-watcher
 * loop or timer, so a thousand watchers of one deploy cost little more than one.
 */

const encoder = new TextEncoder();
const encoded = new WeakMap<DeploymentEvent, Uint8Array>();

/** The wire form of an event (its public view), cached on the event object that all live watchers share. */
function wire(event: DeploymentEvent): Uint8Array {
  let bytes = encoded.get(event);
  if (!bytes) {
    bytes = encoder.encode(`id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(publicEvent(event).data)}\n\n`);
    encoded.set(event, bytes);
  }
  return bytes;
}

/**
 * An announcement (EventBus.announce): no `id:` line, since it is not stored and a reconnect
 * cannot resume from it (EventSource keeps the last id it had). Only queue positions are
 * announced, with nothing in them to hide.
 */
function wireLive(event: NewEvent): Uint8Array {
  return encoder.encode(`event: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`);
}

// EventSource reconnects after 1 s (its default is 3 s) when the connection drops.
const RETRY = encoder.encode("retry: 1000\n\n");
// A comment line: keeps proxies and Bun's idle timeout from closing a quiet stream.
const HEARTBEAT = encoder.encode(": heartbeat\n\n");

export interface EventStreamDeps {
  events: EventBus;
  heartbeatMs: number;
  onWatchers?: (delta: 1 | -1) => void;
}

export class EventStreams {
  private readonly open = new Set<ReadableStreamDefaultController<Uint8Array>>();
  private heartbeat: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly deps: EventStreamDeps) {}

  /** Events after `after` (what the watcher has seen), then live ones; ends after `done`. */
  stream(deploymentId: string, after: number): ReadableStream<Uint8Array> {
    let cleanup = () => {};
    return new ReadableStream<Uint8Array>({
      start: (controller) => {
        let sent = after;
        let closed = false;
        const close = () => {
          if (closed) return;
          closed = true;
          cleanup();
          controller.close();
        };
        const send = (event: DeploymentEvent) => {
          if (closed || event.seq <= sent) return;
          sent = event.seq;
          controller.enqueue(wire(event));
          if (event.type === "done") close();
        };
        // Subscribing and reading the history happen in one synchronous turn, so no event
        // can slip between them.
        const sendLive = (event: NewEvent) => {
          if (!closed) controller.enqueue(wireLive(event));
        };
        const unsubscribe = this.deps.events.subscribe(deploymentId, send, sendLive);
        this.watch(controller);
        cleanup = () => {
          unsubscribe();
          this.unwatch(controller);
          cleanup = () => {};
        };
        controller.enqueue(RETRY);
        for (const event of this.deps.events.history(deploymentId, after)) send(event);
        // What holds now but was never stored (a queue position), after the history it follows.
        const live = this.deps.events.live(deploymentId);
        if (live) sendLive(live);
      },
      cancel: () => cleanup(),
    });
  }

  private watch(controller: ReadableStreamDefaultController<Uint8Array>): void {
    this.open.add(controller);
    this.deps.onWatchers?.(1);
    this.heartbeat ??= setInterval(() => {
      for (const c of this.open) c.enqueue(HEARTBEAT);
    }, this.deps.heartbeatMs);
  }

  private unwatch(controller: ReadableStreamDefaultController<Uint8Array>): void {
    if (!this.open.delete(controller)) return;
    this.deps.onWatchers?.(-1);
    if (this.open.size === 0 && this.heartbeat) {
      clearInterval(this.heartbeat);
      this.heartbeat = null;
    }
  }
}
