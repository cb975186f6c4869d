import { z } from "zod";
import { ProcError } from "../errors.ts";
import { schemas } from "../validation.ts";
import { query, type Procedure } from "./define.ts";

export const deploymentProcedures: Procedure[] = [
  query("deployment.all", schemas.applicationId, (ctx, input) =>
    // Newest first; an unknown application gives [].
    ctx.db.deploymentsOf(input.applicationId).reverse(),
  ),

  // deployment.allByType: rows whose <type>Id is the id, newest first, with their rollback.
  query(
    "deployment.allByType",
    z.object({
      id: z.string().min(1),
      type: z.enum(["application", "compose", "server", "schedule", "previewDeployment", "backup", "volumeBackup"]),
    }),
    (ctx, input) => {
      if (input.type === "application" && !ctx.db.applications.has(input.id)) throw new ProcError("NOT_FOUND", "Application not found");
      if (input.type === "volumeBackup" && !ctx.db.volumeBackups.has(input.id)) throw new ProcError("NOT_FOUND", "Volume backup not found");
      const key = `${input.type}Id`;
      return [...ctx.db.deployments.values()]
        .filter((d) => (d as unknown as Record<string, unknown>)[key] === input.id)
        .sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0))
        .map((d) => ({ ...d, rollback: null }));
    },
  ),

  query("deployment.readLogs", schemas.deploymentReadLogs, (ctx, input) => {
    const row = ctx.db.deployments.get(input.deploymentId);
    if (!row) throw new ProcError("NOT_FOUND", "Deployment not found");
    if (!row.logPath) return "";
    return ctx.logs.tail(row.deploymentId, input.tail);
  }),
];
