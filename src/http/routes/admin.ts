import { type MiddlewareHandler, Hono } from "hono";
import { z } from "zod";
import type { Reconciler } from "../../stacks/reconcile.ts";
import { secretEquals } from "../../stacks/secrets.ts";
import type { Store } from "../../store/index.ts";
import type { AppEnv } from "../env.ts";
import { readJson } from "../json-body.ts";
import { bearerToken } from "../middleware.ts";
import { problem } from "../problem.ts";

export interface AdminDeps {
  store: Store;
  reconciler: Reconciler;
  adminToken?: string;
}

/** 401 without a token, 403 with a wrong one; constant-time comparison. */
export function requireAdmin(adminToken: string | undefined): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const bearer = bearerToken(c.req.header("authorization"));
    if (!bearer) return problem(c, 401, "unauthorized", "This needs the admin token", { "WWW-Authenticate": 'Bearer realm="admin"' });
    if (!adminToken || !secretEquals(bearer, adminToken)) return problem(c, 403, "forbidden", "That is not the admin token");
    await next();
  };
}

const reconcileBody = z.object({ apply: z.boolean().default(false) });

export function adminRoutes(deps: AdminDeps) {
  const audit = (c: { get: (k: "client") => string }, action: string, outcome: string, detail: Record<string, unknown> | null = null) =>
    deps.store.audit.record({ at: new Date().toISOString(), action, stackName: null, deploymentId: null, client: c.get("client"), actor: "admin", outcome, detail });
  return new Hono<AppEnv>()
    .use("/api/admin/*", requireAdmin(deps.adminToken))
    .get("/api/admin/audit", (c) => {
      const limit = Math.min(Math.max(Number.parseInt(c.req.query("limit") ?? "50", 10) || 50, 1), 500);
      const before = Number.parseInt(c.req.query("before") ?? "", 10);
      const entries = deps.store.audit.page(limit, Number.isFinite(before) ? before : undefined);
      const next = entries.length === limit ? entries.at(-1)!.id : null;
      return c.json({ entries, next: next === null ? null : `/api/admin/audit?limit=${limit}&before=${next}` });
    })
    .get("/api/admin/reconcile", (c) => c.json({ report: deps.reconciler.last }))
    .post("/api/admin/reconcile", async (c) => {
      const body = c.req.header("content-length") === "0" || !c.req.header("content-type") ? { ok: true as const, value: { apply: false } } : await readJson(c, reconcileBody);
      if (!body.ok) return body.response;
      try {
        const report = await deps.reconciler.run(body.value.apply);
        audit(c, body.value.apply ? "reconcile_apply" : "reconcile", "ok", {
          orphans: report.orphanProjects.length,
          lost: report.lostStacks.length,
        });
        return c.json({ report });
      } catch (err) {
        audit(c, "reconcile", "failed");
        c.get("log").warn({ err: err instanceof Error ? err.message : String(err) }, "reconcile failed");
        return problem(c, 503, "dokploy_unavailable", "Could not read Dokploy's projects; try again later");
      }
    });
}
