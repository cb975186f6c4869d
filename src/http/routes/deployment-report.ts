import type { StackService } from "../../stacks/deploy/stack-service.ts";
import { deploymentIdParam, forbidden, noStore, notFound, rateLimited, unauthorized } from "../answers.ts";
import { problem } from "../problem.ts";
import type { DeploymentLogBody, DeploymentReportBody } from "../responses.ts";
import { route } from "../route.ts";
import { refused, requestCredentials } from "../session.ts";

type Deps = { stacks: StackService };

/**
 * What a finished deployment's page needs besides the snapshot: what the rollback removed
 * and kept (kinds and volume names, no Dokploy ids; read by the snapshot's rule), and the
 * scrubbed tail of Dokploy's deploy log (only for the stack's owner and admins: build output
 * is the owner's business).
 */
export const DEPLOYMENT_REPORT_ROUTES = [
  route({
    method: "get",
    path: "/api/deployments/:id/report",
    tag: "public",
    access: "optional",
    summary: "What a failed deploy's rollback removed and kept",
    description: "Read by the snapshot's rule: anyone in open mode; with AUTH_MODE=oidc only who may manage the stack. A wrong token is refused.",
    params: deploymentIdParam,
    answers: {
      200: { description: "The report", schema: "DeploymentReport", headers: noStore },
      401: unauthorized,
      403: forbidden,
      404: notFound("deployment with that id"),
      429: rateLimited,
    },
    handler: (deps: Deps) => (c) => {
      const id = c.req.param("id");
      const read = deps.stacks.access.deployment(id, requestCredentials(c));
      if (!read.ok) return refused(c, read.code, read.message);
      const report = deps.stacks.reads.report(id);
      // Where the probe looked is the stack's inside (service names, addresses): owners and admins only.
      const probes = read.details ? (deps.stacks.reads.snapshot(read.deployment, true).error?.probes ?? null) : null;
      c.header("Cache-Control", "no-store");
      return c.json({ deploymentId: id, cleanup: report.cleanup, logAvailable: report.logTail !== null, probes } satisfies DeploymentReportBody);
    },
  }),
  route({
    method: "get",
    path: "/api/deployments/:id/log",
    tag: "owner",
    access: "owner",
    summary: "The scrubbed tail of Dokploy's deploy log for a deployment",
    params: deploymentIdParam,
    answers: {
      200: { description: "The lines", schema: "DeploymentLog" },
      401: unauthorized,
      403: forbidden,
      404: notFound("deployment with that id"),
    },
    handler: (deps: Deps) => (c) => {
      const id = c.req.param("id");
      const deployment = deps.stacks.reads.deployment(id);
      if (!deployment) return problem(c, 404, "not_found", "No deployment with that id");
      const access = deps.stacks.access.mayRead(deployment.stackId, requestCredentials(c));
      if (!access.ok) return refused(c, access.code, access.message);
      c.header("Cache-Control", "no-store");
      return c.json({ deploymentId: id, lines: deps.stacks.reads.report(id).logTail ?? [] } satisfies DeploymentLogBody);
    },
  }),
];
