import { ProcError } from "../errors.ts";
import { schemas } from "../validation.ts";
import { query, type Procedure } from "./define.ts";

export const deploymentProcedures: Procedure[] = [
  query("deployment.all", schemas.applicationId, (ctx, input) =>
    // Newest first; an unknown application gives [].
    ctx.db.deploymentsOf(input.applicationId).reverse(),
  ),

  query("deployment.readLogs", schemas.deploymentReadLogs, (ctx, input) => {
    const row = ctx.db.deployments.get(input.deploymentId);
    if (!row) throw new ProcError("NOT_FOUND", "Deployment not found");
    if (!row.logPath) return "";
    return ctx.logs.tail(row.deploymentId, input.tail);
  }),
];
