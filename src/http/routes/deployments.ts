import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import type { EventBus } from "../../stacks/events.ts";
import type { DeploymentEvent } from "../../stacks/model.ts";
import type { StackService } from "../../stacks/service.ts";
import type { Store } from "../../store/index.ts";
import type { AppEnv } from "../env.ts";
import { problem } from "../problem.ts";

export interface DeploymentRouteDeps {
  stacks: StackService;
  store: Store;
  events: EventBus;
  heartbeatMs: number;
  onWatchers?: (delta: 1 | -1) => void;
}

/** Snapshot and live event stream (SSE) of one deployment. */
export function deploymentRoutes(deps: DeploymentRouteDeps) {
  return new Hono<AppEnv>()
    .get("/api/deployments/:id", (c) => {
      const snapshot = deps.stacks.snapshot(c.req.param("id"));
      if (!snapshot) return problem(c, 404, "not_found", "No deployment with that id");
      c.header("Cache-Control", "no-store");
      return c.json(snapshot);
    })
    .get("/api/deployments/:id/events", (c) => {
      const id = c.req.param("id");
      if (!deps.store.deployments.byId(id)) return problem(c, 404, "not_found", "No deployment with that id");
      const lastEventId = Number.parseInt(c.req.header("last-event-id") ?? c.req.query("lastEventId") ?? "0", 10);
      c.header("Cache-Control", "no-store");
      // Traefik and nginx must not buffer the stream.
      c.header("X-Accel-Buffering", "no");
      return streamSSE(c, (stream) => streamEvents(deps, id, Number.isFinite(lastEventId) ? lastEventId : 0, stream));
    });
}

type SSE = Parameters<Parameters<typeof streamSSE>[1]>[0];

async function streamEvents(deps: DeploymentRouteDeps, id: string, after: number, stream: SSE): Promise<void> {
  const pending: DeploymentEvent[] = [];
  let wake: (() => void) | null = null;
  // Subscribe before reading history, so nothing emitted in between is missed.
  const unsubscribe = deps.events.subscribe(id, (event) => {
    pending.push(event);
    wake?.();
  });
  deps.onWatchers?.(1);
  let closed = false;
  stream.onAbort(() => {
    closed = true;
    wake?.();
  });
  const heartbeat = setInterval(() => {
    // A comment line: keeps proxies and Bun's idle timeout from closing a quiet stream.
    stream.write(": heartbeat\n\n").catch(() => undefined);
  }, deps.heartbeatMs);
  try {
    // Tell EventSource to reconnect after 1 s (its default is 3 s) when the connection drops.
    await stream.write("retry: 1000\n\n");
    let sent = after;
    const send = async (event: DeploymentEvent) => {
      if (event.seq <= sent) return false;
      sent = event.seq;
      await stream.writeSSE({ id: String(event.seq), event: event.type, data: JSON.stringify(event.data) });
      return event.type === "done";
    };
    for (const event of deps.store.deployments.events(id, after)) if (await send(event)) return;
    while (!closed) {
      while (pending.length) if (await send(pending.shift()!)) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = null;
    }
  } finally {
    clearInterval(heartbeat);
    unsubscribe();
    deps.onWatchers?.(-1);
  }
}
