import { type Context, Hono } from "hono";
import { rolloutRequest } from "../../stacks/rollout/rollout-model.ts";
import type { RolloutManager } from "../../stacks/rollout/rollout-manager.ts";
import type { RolloutView } from "../../stacks/rollout/rollout-model.ts";
import type { AppEnv } from "../env.ts";
import { readJson } from "../json-body.ts";
import { requireToken } from "../middleware.ts";
import { clientOf } from "../client-address.ts";
import { problem } from "../problem.ts";
import type { RolloutList, RolloutStarted } from "../responses.ts";

/**
 * The fleet's image rollouts (admin): start one, follow it (snapshot or SSE), pause,
 * resume, cancel. The work is RolloutManager's; this only maps requests and answers.
 */

export interface RolloutRouteDeps {
  rollouts: RolloutManager;
  adminToken?: string;
  heartbeatMs: number;
}

const STATUS = { rollout_in_progress: 409, rollout_not_changeable: 409, not_found: 404 } as const;
const TERMINAL = new Set(["finished", "cancelled"]);
const encoder = new TextEncoder();

function refuse(c: Context<AppEnv>, code: string, message: string) {
  return problem(c, STATUS[code as keyof typeof STATUS] ?? 400, code, message);
}

/** Progress as SSE: the whole view at once and after each change; `done` at the end. */
function progressStream(rollouts: RolloutManager, id: string, heartbeatMs: number): ReadableStream<Uint8Array> {
  let cleanup = () => {};
  return new ReadableStream<Uint8Array>({
    start(controller) {
      let seq = 0;
      let closed = false;
      const send = (view: RolloutView) => {
        if (closed) return;
        seq += 1;
        controller.enqueue(encoder.encode(`id: ${seq}\nevent: progress\ndata: ${JSON.stringify(view)}\n\n`));
        // A cancelled rollout's last batch still finishes: the stream ends after it.
        if (TERMINAL.has(view.rollout.status) && view.counts.active === 0) {
          controller.enqueue(encoder.encode(`event: done\ndata: ${JSON.stringify({ status: view.rollout.status, counts: view.counts })}\n\n`));
          closed = true;
          cleanup();
          controller.close();
        }
      };
      const unsubscribe = rollouts.subscribe(id, send);
      const heartbeat = setInterval(() => controller.enqueue(encoder.encode(": heartbeat\n\n")), heartbeatMs);
      cleanup = () => {
        unsubscribe();
        clearInterval(heartbeat);
      };
      controller.enqueue(encoder.encode("retry: 1000\n\n"));
      const view = rollouts.view(id);
      if (view) send(view);
    },
    cancel: () => cleanup(),
  });
}

export function rolloutRoutes(deps: RolloutRouteDeps) {
  const admin = requireToken(deps.adminToken, "admin", { signedInAdmin: true });
  const who = (c: Context<AppEnv>) => ({ actor: "admin" as const, client: clientOf(c) });
  const app = new Hono<AppEnv>();
  app.post("/api/admin/rollouts", admin, async (c) => {
    // A bare POST (no body) rolls STACK_IMAGE out with the defaults.
    const body = c.req.header("content-type") ? await readJson(c, rolloutRequest) : ({ ok: true, value: rolloutRequest.parse({}) } as const);
    if (!body.ok) return body.response;
    const result = await deps.rollouts.start(body.value, who(c));
    if (!result.ok) return refuse(c, result.code, result.message);
    const id = result.view.rollout.id;
    c.header("Location", `/api/admin/rollouts/${id}`);
    return c.json(
      { ...result.view, statusUrl: `/api/admin/rollouts/${id}`, eventsUrl: `/api/admin/rollouts/${id}/events` } satisfies RolloutStarted,
      202,
    );
  });
  app.get("/api/admin/rollouts", admin, (c) => {
    c.header("Cache-Control", "no-store");
    return c.json({ rollouts: deps.rollouts.recent(20) } satisfies RolloutList);
  });
  app.get("/api/admin/rollouts/:id", admin, (c) => {
    const view = deps.rollouts.view(c.req.param("id"));
    if (!view) return refuse(c, "not_found", "No rollout with that id");
    c.header("Cache-Control", "no-store");
    return c.json(view);
  });
  app.get("/api/admin/rollouts/:id/events", admin, (c) => {
    const id = c.req.param("id");
    if (!deps.rollouts.view(id)) return refuse(c, "not_found", "No rollout with that id");
    return c.body(progressStream(deps.rollouts, id, deps.heartbeatMs), 200, {
      "Content-Type": "text/event-stream",
      "Cache-Control": "no-store",
      "X-Accel-Buffering": "no",
    });
  });
  for (const action of ["pause", "resume", "cancel"] as const) {
    app.post(`/api/admin/rollouts/:id/${action}`, admin, (c) => {
      const result = deps.rollouts[action](c.req.param("id"), who(c));
      if (!result.ok) return refuse(c, result.code, result.message);
      return c.json(result.view);
    });
  }
  return app;
}
