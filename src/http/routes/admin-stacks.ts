import type { StackService } from "../../stacks/deploy/stack-service.ts";
import { z } from "zod";
import type { Fleet } from "../../stacks/fleet/fleet.ts";
import { adminOnly } from "../answers.ts";
import { pageBeforeParam, pageLimitParam, pageQuery } from "../paging.ts";
import type { AdminStackChangesBody, AdminStacksBody, StackPageBody } from "../responses.ts";
import type { EventBus } from "../../stacks/runs/event-bus.ts";
import { route } from "../route.ts";

/**
 * The admin's lists of stacks: a page at a time, or all with their latest deployment and when a
 * held name is free, also live (SSE) for the admin view.
 */

/** How soon after a deployment's event the list is read again: a burst of events is one read. */
const SETTLE_MS = 250;
/** Read again this often anyway: what changes without an event (a node going down, the reconciler). */
const TICK_MS = 10_000;
const encoder = new TextEncoder();

interface StackEventDeps {
  nameQuarantineDays: number;
  fleet: Fleet;
  events: EventBus;
  heartbeatMs: number;
  onWatchers?: (delta: 1 | -1) => void;
}

/**
 * The list as a stream: every stack at first, then only the rows that changed and the ids of
 * the ones no longer listed, a moment after any deployment's event (and every TICK_MS).
 */
function stackStream(deps: StackEventDeps, includeGone: boolean): ReadableStream<Uint8Array> {
  let cleanup = () => {};
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const sent = new Map<number, string>();
      let seq = 0;
      let closed = false;
      let reading = false;
      let again = false;
      let timer: ReturnType<typeof setTimeout> | null = null;
      const send = (text: string) => {
        if (!closed) controller.enqueue(encoder.encode(text));
      };
      const read = async () => {
        if (reading) {
          again = true;
          return;
        }
        reading = true;
        try {
          const rows = await deps.fleet.stackList(includeGone, deps.nameQuarantineDays);
          const changed = rows.filter((row) => {
            const json = JSON.stringify(row);
            if (sent.get(row.id) === json) return false;
            sent.set(row.id, json);
            return true;
          });
          const listed = new Set(rows.map((r) => r.id));
          const removed = [...sent.keys()].filter((id) => !listed.has(id));
          for (const id of removed) sent.delete(id);
          if (seq === 0 || changed.length || removed.length) {
            seq += 1;
            const body: AdminStackChangesBody = { first: seq === 1, nameQuarantineDays: deps.nameQuarantineDays, changed, removed };
            send(`id: ${seq}\nevent: stacks\ndata: ${JSON.stringify(body)}\n\n`);
          }
        } catch {
          // Read again at the next event or tick.
        } finally {
          reading = false;
          if (again) {
            again = false;
            void read();
          }
        }
      };
      const soon = () => {
        timer ??= setTimeout(() => {
          timer = null;
          void read();
        }, SETTLE_MS);
      };
      const unsubscribe = deps.events.watchAll(soon);
      const tick = setInterval(soon, TICK_MS);
      const heartbeat = setInterval(() => send(": heartbeat\n\n"), deps.heartbeatMs);
      deps.onWatchers?.(1);
      cleanup = () => {
        if (closed) return;
        closed = true;
        unsubscribe();
        clearInterval(tick);
        clearInterval(heartbeat);
        if (timer) clearTimeout(timer);
        deps.onWatchers?.(-1);
      };
      send("retry: 2000\n\n");
      void read();
    },
    cancel: () => cleanup(),
  });
}

const all = { description: "`true`: deleted and failed ones too", schema: z.enum(["true", "false"]) };

export const ADMIN_STACK_ROUTES = [
  route({
    method: "get",
    path: "/api/stacks",
    tag: "admin",
    access: "admin",
    summary: "The stacks, newest first, a page at a time",
    query: {
      limit: { description: "Items per page, 1 to 1000 (default 1000)", schema: pageLimitParam(1000) },
      before: { description: "The `id` of the last item of the previous page (use `next`)", schema: pageBeforeParam },
      all,
    },
    answers: {
      200: { description: "A page", schema: "StackPage" },
      400: { description: "A bad `limit` or `before`", codes: ["invalid_request"] },
      ...adminOnly,
    },
    handler: (deps: { stacks: StackService }) => (c) => {
      const includeGone = c.req.query("all") === "true";
      const query = pageQuery(c, { defaultLimit: 1000, maxLimit: 1000 });
      if (!query.ok) return query.response;
      const { stacks, more } = deps.stacks.reads.page({ includeGone, limit: query.limit, before: query.before });
      const last = stacks.at(-1);
      const next = more && last ? `/api/stacks?${includeGone ? "all=true&" : ""}limit=${query.limit}&before=${last.id}` : null;
      return c.json({ stacks, next } satisfies StackPageBody);
    },
  }),
  route({
    method: "get",
    // Not /api/admin/stacks/events: a fixed segment beside /api/admin/stacks/:name/… pushes Hono off its RegExpRouter.
    path: "/api/admin/stack-events",
    tag: "admin",
    access: "admin",
    summary: "The admin's list of stacks, live (Server-Sent Events)",
    description:
      "`event: stacks` (AdminStackChanges): first every stack, then only the rows that changed and the ids of those no longer listed, a moment after any deployment's event and every 10 s. A heartbeat comment every 15 s.",
    query: { all },
    answers: {
      200: { description: "The event stream", contentType: "text/event-stream", events: { stacks: "AdminStackChanges" } },
      ...adminOnly,
    },
    handler: (deps: StackEventDeps) => (c) =>
      new Response(stackStream(deps, c.req.query("all") === "true"), {
        headers: { "Content-Type": "text/event-stream", "Cache-Control": "no-store", "X-Accel-Buffering": "no" },
      }),
  }),
  route({
    method: "get",
    path: "/api/admin/stacks",
    tag: "admin",
    access: "admin",
    summary: "The stacks with their latest deployment and when a held name is free",
    query: { all },
    answers: { 200: { description: "The stacks", schema: "AdminStacks" }, ...adminOnly },
    handler: (deps: { nameQuarantineDays: number; fleet: Fleet }) => async (c) => {
      return c.json({
        nameQuarantineDays: deps.nameQuarantineDays,
        stacks: await deps.fleet.stackList(c.req.query("all") === "true", deps.nameQuarantineDays),
      } satisfies AdminStacksBody);
    },
  }),
];
