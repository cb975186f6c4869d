import type { Context } from "hono";
import { z } from "zod";
import { rolloutRequest } from "../../stacks/rollout/rollout-model.ts";
import type { RolloutManager } from "../../stacks/rollout/rollout-manager.ts";
import type { RolloutView } from "../../stacks/rollout/rollout-model.ts";
import type { AppEnv } from "../env.ts";
import { readJson } from "../json-body.ts";
import { clientOf } from "../client-address.ts";
import { problem } from "../problem.ts";
import type { RolloutList, RolloutPlanBody, RolloutStarted } from "../responses.ts";
import { imageReferenceProblem } from "../../stacks/model/image-reference.ts";
import { adminOnly, badBody, notFound, notJson } from "../answers.ts";
import { type Route, route } from "../route.ts";

/**
 * The fleet's image rollouts (admin): start one, follow it (snapshot or SSE), pause,
 * resume, cancel. The work is RolloutManager's; this only maps requests and answers.
 */

export interface RolloutRouteDeps {
  rollouts: RolloutManager;
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

const who = (c: Context<AppEnv>) => ({ actor: "admin" as const, client: clientOf(c) });
const rolloutId = { id: { description: "The rollout's id", schema: z.string() } };

/** Pause, resume or cancel: the current batch finishes first. */
const change = (action: "pause" | "resume" | "cancel"): Route<RolloutRouteDeps> =>
  route({
    method: "post",
    path: `/api/admin/rollouts/:id/${action}`,
    tag: "admin",
    access: "admin",
    summary: `${action[0]?.toUpperCase()}${action.slice(1)} the rollout (the current batch finishes first)`,
    params: rolloutId,
    answers: {
      200: { description: "The rollout", schema: "RolloutView" },
      ...adminOnly,
      404: notFound("rollout"),
      409: { description: "Not possible in the rollout's state", codes: ["rollout_not_changeable"] },
    },
    handler:
      ({ rollouts }: RolloutRouteDeps) =>
      (c) => {
        const result = rollouts[action](c.req.param("id"), who(c));
        if (!result.ok) return refuse(c, result.code, result.message);
        return c.json(result.view);
      },
  });

export const ROLLOUT_ROUTES = [
  route({
    method: "post",
    path: "/api/admin/rollouts",
    tag: "admin",
    access: "admin",
    summary: "Roll an image out to every ready stack not on it: one canary, then batches; a failing stack goes back to its image",
    description: "A bare POST rolls `STACK_IMAGE` out with the defaults. One rollout at a time.",
    body: rolloutRequest,
    bodyOptional: true,
    answers: {
      202: { description: "Started; follow `eventsUrl`", schema: "RolloutStarted", headers: { Location: "the rollout" } },
      400: {
        description: "Not JSON, a body of the wrong shape, or an `image` that is not an image reference",
        codes: [...(badBody.codes ?? []), "invalid_image"],
      },
      ...adminOnly,
      409: { description: "Another rollout is running or paused", codes: ["rollout_in_progress"] },
      415: notJson,
    },
    handler:
      ({ rollouts }: RolloutRouteDeps) =>
      async (c) => {
        // A bare POST (no body) rolls STACK_IMAGE out with the defaults.
        const body = c.req.header("content-type") ? await readJson(c, rolloutRequest) : ({ ok: true, value: rolloutRequest.parse({}) } as const);
        if (!body.ok) return body.response;
        const result = await rollouts.start(body.value, who(c));
        if (!result.ok) return refuse(c, result.code, result.message);
        const id = result.view.rollout.id;
        c.header("Location", `/api/admin/rollouts/${id}`);
        return c.json(
          { ...result.view, statusUrl: `/api/admin/rollouts/${id}`, eventsUrl: `/api/admin/rollouts/${id}/events` } satisfies RolloutStarted,
          202,
        );
      },
  }),
  route({
    method: "get",
    // Not /api/admin/rollouts/plan: a fixed segment beside :id pushes Hono off its RegExpRouter.
    path: "/api/admin/rollout-plan",
    tag: "admin",
    access: "admin",
    summary: "What a rollout of an image would do now: how many stacks it moves and how many running ones it restarts",
    description: "Read-only, for the question asked before a rollout starts. Without `image`, `STACK_IMAGE`.",
    query: { image: { description: "The image to roll out (default STACK_IMAGE)", schema: z.string() } },
    answers: {
      200: { description: "The plan", schema: "RolloutPlan" },
      400: { description: "`image` is not an image reference", codes: ["invalid_image"] },
      ...adminOnly,
    },
    handler:
      ({ rollouts }: RolloutRouteDeps) =>
      async (c) => {
        const image = c.req.query("image") || undefined;
        const wrong = image === undefined ? null : imageReferenceProblem(image);
        if (wrong) return problem(c, 400, "invalid_image", wrong);
        const plan = await rollouts.plan(image);
        c.header("Cache-Control", "no-store");
        return c.json({
          image: plan.image,
          stacks: plan.targets.length,
          running: plan.running,
          stopped: plan.targets.length - plan.running,
        } satisfies RolloutPlanBody);
      },
  }),
  route({
    method: "get",
    path: "/api/admin/rollouts",
    tag: "admin",
    access: "admin",
    summary: "The 20 newest rollouts",
    answers: { 200: { description: "Rollouts", schema: "RolloutList" }, ...adminOnly },
    handler:
      ({ rollouts }: RolloutRouteDeps) =>
      (c) => {
        c.header("Cache-Control", "no-store");
        return c.json({ rollouts: rollouts.recent(20) } satisfies RolloutList);
      },
  }),
  route({
    method: "get",
    path: "/api/admin/rollouts/:id",
    tag: "admin",
    access: "admin",
    summary: "A rollout with each stack's state",
    params: rolloutId,
    answers: { 200: { description: "The rollout", schema: "RolloutView" }, ...adminOnly, 404: notFound("rollout") },
    handler:
      ({ rollouts }: RolloutRouteDeps) =>
      (c) => {
        const view = rollouts.view(c.req.param("id"));
        if (!view) return refuse(c, "not_found", "No rollout with that id");
        c.header("Cache-Control", "no-store");
        return c.json(view);
      },
  }),
  route({
    method: "get",
    path: "/api/admin/rollouts/:id/events",
    tag: "admin",
    access: "admin",
    summary: "A rollout's progress (SSE): the whole view on connect and after each change, then `done`",
    params: rolloutId,
    answers: {
      200: { description: "The event stream", contentType: "text/event-stream", events: { progress: "RolloutView" } },
      ...adminOnly,
      404: notFound("rollout"),
    },
    handler:
      ({ rollouts, heartbeatMs }: RolloutRouteDeps) =>
      (c) => {
        const id = c.req.param("id");
        if (!rollouts.view(id)) return refuse(c, "not_found", "No rollout with that id");
        return c.body(progressStream(rollouts, id, heartbeatMs), 200, {
          "Content-Type": "text/event-stream",
          "Cache-Control": "no-store",
          "X-Accel-Buffering": "no",
        });
      },
  }),
  ...(["pause", "resume", "cancel"] as const).map(change),
];
