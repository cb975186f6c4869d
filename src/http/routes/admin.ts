import { clientOf } from "../client-address.ts";
import { type Context, Hono } from "hono";
import { z } from "zod";
import type { Reconciler } from "../../stacks/upkeep/reconcile.ts";
import { now } from "../../stacks/runs/saga.ts";
import type { Store } from "../../store/index.ts";
import type { AppEnv } from "../env.ts";
import { readJson } from "../json-body.ts";
import { requireToken } from "../middleware.ts";
import { problem } from "../problem.ts";
import type { AuditPageBody, ReconcileResultBody } from "../responses.ts";

export interface AdminDeps {
  store: Store;
  reconciler: Reconciler;
  adminToken?: string;
}

/** POST /api/admin/reconcile's body (also the OpenAPI document's). */
export const reconcileBody = z.object({ apply: z.boolean().default(false) });

export function adminRoutes(deps: AdminDeps) {
  const audit = (c: Context<AppEnv>, action: string, outcome: string, detail: Record<string, unknown> | null = null) =>
    deps.store.audit.record({ at: now(), action, stackName: null, deploymentId: null, client: clientOf(c), actor: "admin", outcome, detail });
  return new Hono<AppEnv>()
    .use("/api/admin/*", requireToken(deps.adminToken, "admin", { signedInAdmin: true }))
    .get("/api/admin/audit", (c) => {
      const limit = Math.min(Math.max(Number.parseInt(c.req.query("limit") ?? "50", 10) || 50, 1), 500);
      const before = Number.parseInt(c.req.query("before") ?? "", 10);
      const entries = deps.store.audit.page(limit, Number.isFinite(before) ? before : undefined);
      const next = entries.length === limit ? (entries.at(-1)?.id ?? null) : null;
      return c.json({ entries, next: next === null ? null : `/api/admin/audit?limit=${limit}&before=${next}` } satisfies AuditPageBody);
    })
    .get("/api/admin/reconcile", (c) => c.json({ report: deps.reconciler.last } satisfies ReconcileResultBody))
    .post("/api/admin/reconcile", async (c) => {
      // A bare POST (no body) is a dry run.
      const body = c.req.header("content-type") ? await readJson(c, reconcileBody) : ({ ok: true, value: { apply: false } } as const);
      if (!body.ok) return body.response;
      try {
        const report = await deps.reconciler.run(body.value.apply);
        audit(c, body.value.apply ? "reconcile_apply" : "reconcile", "ok", {
          orphans: report.orphanProjects.length,
          lost: report.lostStacks.length,
        });
        return c.json({ report } satisfies ReconcileResultBody);
      } catch (err) {
        audit(c, "reconcile", "failed");
        c.get("log").warn({ err: err instanceof Error ? err.message : String(err) }, "reconcile failed");
        return problem(c, 503, "dokploy_unavailable", "Could not read Dokploy's projects; try again later");
      }
    });
}
