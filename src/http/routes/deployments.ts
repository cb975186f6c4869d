import { Hono } from "hono";
import type { EventBus } from "../../stacks/runs/event-bus.ts";
import type { StackService } from "../../stacks/deploy/stack-service.ts";
import type { Store } from "../../store/index.ts";
import type { AppEnv } from "../env.ts";
import { problem } from "../problem.ts";
import { refused, requestCredentials } from "../session.ts";
import { EventStreams } from "../sse/event-stream.ts";

export interface DeploymentRouteDeps {
  stacks: StackService;
  store: Store;
  events: EventBus;
  heartbeatMs: number;
  onWatchers?: (delta: 1 | -1) => void;
}

/** Snapshot and live event stream (SSE) of one deployment. */
export function deploymentRoutes(deps: DeploymentRouteDeps) {
  const streams = new EventStreams({
    events: deps.events,
    repo: deps.store.deployments,
    heartbeatMs: deps.heartbeatMs,
    onWatchers: deps.onWatchers,
  });
  return new Hono<AppEnv>()
    .get("/api/deployments/:id", (c) => {
      const deployment = deps.store.deployments.byId(c.req.param("id"));
      if (!deployment) return problem(c, 404, "not_found", "No deployment with that id");
      const access = deps.stacks.access.deployment(deployment, requestCredentials(c));
      if (!access.ok) return refused(c, access.code, access.message);
      c.header("Cache-Control", "no-store");
      return c.json(deps.stacks.reads.snapshot(deployment, access.details));
    })
    .get("/api/deployments/:id/events", (c) => {
      const id = c.req.param("id");
      const deployment = deps.store.deployments.byId(id);
      if (!deployment) return problem(c, 404, "not_found", "No deployment with that id");
      // The events are public messages for everyone who may follow; a wrong token is still refused.
      const access = deps.stacks.access.deployment(deployment, requestCredentials(c));
      if (!access.ok) return refused(c, access.code, access.message);
      const parsed = Number.parseInt(c.req.header("last-event-id") ?? c.req.query("lastEventId") ?? "0", 10);
      const lastEventId = Number.isFinite(parsed) ? parsed : 0;
      // The watcher has seen the end: nothing will follow, and 204 tells EventSource not to reconnect.
      const doneSeq = deps.store.deployments.doneSeq(id);
      if (doneSeq !== null && lastEventId >= doneSeq) return c.body(null, 204, { "Cache-Control": "no-store" });
      return c.body(streams.stream(id, lastEventId), 200, {
        "Content-Type": "text/event-stream",
        "Cache-Control": "no-store",
        // Traefik and nginx must not buffer the stream.
        "X-Accel-Buffering": "no",
      });
    });
}
