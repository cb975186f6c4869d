import { Hono } from "hono";
import type { StackService } from "../../stacks/deploy/stack-service.ts";
import type { Store } from "../../store/index.ts";
import type { AppEnv } from "../env.ts";
import { problem } from "../problem.ts";
import type { DeploymentLogBody, DeploymentReportBody } from "../responses.ts";
import { refused, requestCredentials } from "../session.ts";

/**
 * What a finished deployment's page needs besides the snapshot: what the rollback removed
 * and kept (kinds and volume names, no Dokploy ids; read by the snapshot's rule), and the
 * scrubbed tail of Dokploy's deploy log (only for the stack's owner and admins: build output
 * is the owner's business).
 */
export function deploymentReportRoutes(deps: { store: Store; stacks: StackService }) {
  return new Hono<AppEnv>()
    .get("/api/deployments/:id/report", (c) => {
      const id = c.req.param("id");
      const deployment = deps.store.deployments.byId(id);
      if (!deployment) return problem(c, 404, "not_found", "No deployment with that id");
      const access = deps.stacks.access.deployment(deployment, requestCredentials(c));
      if (!access.ok) return refused(c, access.code, access.message);
      const report = deps.store.reports.get(id);
      // Where the probe looked is the stack's inside (service names, addresses): owners and admins only.
      const probes = access.details ? (deps.stacks.reads.snapshot(deployment, true).error?.probes ?? null) : null;
      c.header("Cache-Control", "no-store");
      return c.json({ deploymentId: id, cleanup: report.cleanup, logAvailable: report.logTail !== null, probes } satisfies DeploymentReportBody);
    })
    .get("/api/deployments/:id/log", (c) => {
      const id = c.req.param("id");
      const deployment = deps.store.deployments.byId(id);
      if (!deployment) return problem(c, 404, "not_found", "No deployment with that id");
      const access = deps.stacks.access.mayRead(deployment.stackId, requestCredentials(c));
      if (!access.ok) return refused(c, access.code, access.message);
      c.header("Cache-Control", "no-store");
      return c.json({ deploymentId: id, lines: deps.store.reports.get(id).logTail ?? [] } satisfies DeploymentLogBody);
    });
}
