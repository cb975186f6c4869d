import { clientOf } from "../client-address.ts";
import type { Context } from "hono";
import { z } from "zod";
import type { Reconciler } from "../../stacks/upkeep/reconcile.ts";
import type { AuditTrail } from "../../stacks/owners/audit-trail.ts";
import type { AppEnv } from "../env.ts";
import { adminOnly, badBody, notJson } from "../answers.ts";
import { readJson } from "../json-body.ts";
import { problem } from "../problem.ts";
import type { AuditPageBody, ReconcileResultBody } from "../responses.ts";
import { route } from "../route.ts";

/** The audit log and the comparison of the store with Dokploy (admin). */

export interface AdminDeps {
  audit: AuditTrail;
  reconciler: Reconciler;
}

const reconcileBody = z.object({ apply: z.boolean().default(false) });

const audit = (trail: AuditTrail, c: Context<AppEnv>, action: string, outcome: string, detail: Record<string, unknown> | null = null) =>
  trail.record({ action, stackName: null, actor: "admin", outcome, detail, ctx: { client: clientOf(c) } });

const AUDIT_FILTERS = ["action", "stack", "actor", "outcome"] as const;

export const ADMIN_ROUTES = [
  route({
    method: "get",
    path: "/api/admin/audit",
    tag: "admin",
    access: "admin",
    summary: "The audit log, newest first, a page at a time",
    query: {
      limit: { description: "Entries per page, 1 to 500 (default 50)", schema: z.string() },
      before: { description: "The `id` of the last entry of the previous page (use `next`)", schema: z.string() },
      action: { description: "Only this action (e.g. `delete`, `rollout_start`)", schema: z.string() },
      stack: { description: "Only entries about the stack of this name", schema: z.string() },
      actor: { description: "Only this kind of actor (`admin`, `management`, `owner`, `system`, …)", schema: z.string() },
      outcome: { description: "Only this outcome (`accepted`, a refusal's code, …)", schema: z.string() },
    },
    answers: { 200: { description: "A page", schema: "AuditPage" }, ...adminOnly },
    handler:
      ({ audit: trail }: AdminDeps) =>
      (c) => {
        const limit = Math.min(Math.max(Number.parseInt(c.req.query("limit") ?? "50", 10) || 50, 1), 500);
        const before = Number.parseInt(c.req.query("before") ?? "", 10);
        const filter = Object.fromEntries(
          AUDIT_FILTERS.flatMap((key) => {
            const value = c.req.query(key);
            return value ? [[key, value]] : [];
          }),
        );
        const entries = trail.page(limit, Number.isFinite(before) ? before : undefined, filter);
        const last = entries.length === limit ? (entries.at(-1)?.id ?? null) : null;
        // The next page keeps the filters.
        const query = new URLSearchParams({ ...filter, limit: String(limit), before: String(last) });
        return c.json({ entries, next: last === null ? null : `/api/admin/audit?${query}` } satisfies AuditPageBody);
      },
  }),
  route({
    method: "get",
    path: "/api/admin/reconcile",
    tag: "admin",
    access: "admin",
    summary: "The last comparison of the store with Dokploy (null before the first)",
    answers: { 200: { description: "The last report", schema: "ReconcileResult" }, ...adminOnly },
    handler:
      ({ reconciler }: AdminDeps) =>
      (c) =>
        c.json({ report: reconciler.last } satisfies ReconcileResultBody),
  }),
  route({
    method: "post",
    path: "/api/admin/reconcile",
    tag: "admin",
    access: "admin",
    summary: "Compare the store with Dokploy now; `apply: true` removes orphan projects and lost stacks' leftovers",
    description: "A POST without a body is a dry run.",
    body: reconcileBody,
    bodyOptional: true,
    answers: {
      200: { description: "The new report", schema: "ReconcileResult" },
      400: badBody,
      ...adminOnly,
      415: notJson,
      503: { description: "Dokploy's projects could not be read", codes: ["dokploy_unavailable"] },
    },
    handler:
      ({ audit: trail, reconciler }: AdminDeps) =>
      async (c) => {
        // A bare POST (no body) is a dry run.
        const body = c.req.header("content-type") ? await readJson(c, reconcileBody) : ({ ok: true, value: { apply: false } } as const);
        if (!body.ok) return body.response;
        try {
          const report = await reconciler.run(body.value.apply);
          audit(trail, c, body.value.apply ? "reconcile_apply" : "reconcile", "ok", {
            orphans: report.orphanProjects.length,
            lost: report.lostStacks.length,
          });
          return c.json({ report } satisfies ReconcileResultBody);
        } catch (err) {
          audit(trail, c, "reconcile", "failed");
          c.get("log").warn({ err: err instanceof Error ? err.message : String(err) }, "reconcile failed");
          return problem(c, 503, "dokploy_unavailable", "Could not read Dokploy's projects; try again later");
        }
      },
  }),
];
