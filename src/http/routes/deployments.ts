import type { EventBus } from "../../stacks/runs/event-bus.ts";
import type { StackService } from "../../stacks/deploy/stack-service.ts";
import { deploymentIdParam, forbidden, noStore, notFound, rateLimited, unauthorized } from "../answers.ts";
import { route } from "../route.ts";
import { refused, requestCredentials } from "../session.ts";
import { EventStreams } from "../sse/event-stream.ts";
import { z } from "zod";

export interface DeploymentRouteDeps {
  stacks: StackService;
  events: EventBus;
  heartbeatMs: number;
  onWatchers?: (delta: 1 | -1) => void;
}

/** Snapshot and live event stream (SSE) of one deployment. */
export const DEPLOYMENT_ROUTES = [
  route({
    method: "get",
    path: "/api/deployments/:id",
    tag: "public",
    access: "optional",
    summary: "A deployment's snapshot: status, steps, error, leftovers",
    description:
      "Public messages per error code. With the stack's management token or ADMIN_TOKEN (or its signed-in owner) the error also has `detail` and leftovers say why. With AUTH_MODE=oidc only who may manage the stack may read it.",
    params: deploymentIdParam,
    answers: {
      200: { description: "The snapshot", schema: "DeploymentSnapshot", headers: noStore },
      401: unauthorized,
      403: forbidden,
      404: notFound("deployment with that id"),
      429: rateLimited,
    },
    handler: (deps: DeploymentRouteDeps) => (c) => {
      const read = deps.stacks.access.deployment(c.req.param("id"), requestCredentials(c));
      if (!read.ok) return refused(c, read.code, read.message);
      c.header("Cache-Control", "no-store");
      return c.json(deps.stacks.reads.snapshot(read.deployment, read.details));
    },
  }),
  route({
    method: "get",
    path: "/api/deployments/:id/events",
    tag: "public",
    access: "optional",
    summary: "A deployment's events, live (Server-Sent Events)",
    description:
      "`event: step|status|done`, `id:` a per-deployment sequence, JSON `data` (the schemas StepEventData, StatusEventData and DoneEventData, public messages). Resume with `Last-Event-ID`; a heartbeat comment every 15 s; ends after `done`. A finished deployment asked from at or past its `done` answers 204. A deploy, start, restart or redeploy whose Swarm task no node can take ends within seconds with `error.code` `unschedulable` (Swarm's reason, e.g. `no suitable node (insufficient resources on 1 node)`, in the owner's and admin's `detail`), not at HEALTH_TIMEOUT.",
    params: deploymentIdParam,
    headers: { "Last-Event-ID": { description: "The last `id:` seen", schema: z.string() } },
    query: { lastEventId: { description: "As Last-Event-ID, for clients that cannot set headers", schema: z.string() } },
    answers: {
      200: {
        description: "The event stream",
        contentType: "text/event-stream",
        events: { step: "StepEventData", status: "StatusEventData", done: "DoneEventData" },
        headers: noStore,
      },
      204: { description: "Nothing more will come (the stream ended at `done`)" },
      401: unauthorized,
      403: forbidden,
      404: notFound("deployment with that id"),
    },
    handler: (deps: DeploymentRouteDeps) => {
      const streams = new EventStreams({
        events: deps.events,
        heartbeatMs: deps.heartbeatMs,
        onWatchers: deps.onWatchers,
      });
      return (c) => {
        const id = c.req.param("id");
        // The events are public messages for everyone who may follow; a wrong token is still refused.
        const read = deps.stacks.access.deployment(id, requestCredentials(c));
        if (!read.ok) return refused(c, read.code, read.message);
        const parsed = Number.parseInt(c.req.header("last-event-id") ?? c.req.query("lastEventId") ?? "0", 10);
        const lastEventId = Number.isFinite(parsed) ? parsed : 0;
        // The watcher has seen the end: nothing will follow, and 204 tells EventSource not to reconnect.
        const doneSeq = deps.stacks.reads.doneSeq(id);
        if (doneSeq !== null && lastEventId >= doneSeq) return c.body(null, 204, { "Cache-Control": "no-store" });
        return c.body(streams.stream(id, lastEventId), 200, {
          "Content-Type": "text/event-stream",
          "Cache-Control": "no-store",
          // Traefik and nginx must not buffer the stream.
          "X-Accel-Buffering": "no",
        });
      };
    },
  }),
];
