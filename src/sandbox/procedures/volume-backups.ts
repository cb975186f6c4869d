import { z } from "zod";
import type { VolumeBackupRow } from "../backups.ts";
import type { SandboxContext } from "../context.ts";
import { ProcError } from "../errors.ts";
import { nanoid, nowIso } from "../ids.ts";
import { mutation, query, type Procedure } from "./define.ts";
import { failedInsertMessage } from "./pg.ts";

/** routers/volume-backups.ts and db/schema/volume-backups.ts (createInsertSchema, not strict). */
const SERVICE_TYPES = ["application", "postgres", "mysql", "mariadb", "mongo", "redis", "compose", "libsql"] as const;
const nullableId = z.string().nullable().optional();
const createSchema = z.object({
  name: z.string(),
  volumeName: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, "Invalid volume name. Use letters, numbers, '._-' and start with a letter or number."),
  prefix: z.string(),
  serviceType: z.enum(SERVICE_TYPES).optional(),
  appName: z.string().optional(),
  serviceName: z.string().nullable().optional(),
  turnOff: z.boolean().optional(),
  cronExpression: z.string(),
  keepLatestCount: z.number().int().nullable().optional(),
  enabled: z.boolean().nullable().optional(),
  applicationId: nullableId,
  postgresId: nullableId,
  mariadbId: nullableId,
  mongoId: nullableId,
  mysqlId: nullableId,
  redisId: nullableId,
  libsqlId: nullableId,
  composeId: nullableId,
  createdAt: z.string().optional(),
  destinationId: z.string(),
});
const byId = z.object({ volumeBackupId: z.string().min(1) });

function find(ctx: SandboxContext, volumeBackupId: string): VolumeBackupRow {
  const row = ctx.db.volumeBackups.get(volumeBackupId);
  if (!row) throw new ProcError("NOT_FOUND", "Volume backup not found");
  return row;
}

/** findVolumeBackupById: the row with its application and destination (keys left out). */
function withRelations(ctx: SandboxContext, row: VolumeBackupRow) {
  const app = row.applicationId ? ctx.db.applications.get(row.applicationId) : undefined;
  const destination = ctx.backups.destinations.get(row.destinationId);
  return {
    ...row,
    application: app ? { applicationId: app.applicationId, appName: app.appName, serverId: null } : null,
    destination: destination ? { ...destination, provider: "s3", endpoint: "http://s3.sandbox", region: "auto" } : null,
  };
}

export const volumeBackupProcedures: Procedure[] = [
  mutation("volumeBackups.create", createSchema, (ctx, input) => {
    const row: VolumeBackupRow = {
      volumeBackupId: nanoid(),
      name: input.name,
      volumeName: input.volumeName,
      prefix: input.prefix,
      serviceType: input.serviceType ?? "application",
      appName: input.appName ?? `volumeBackup-${nanoid().slice(0, 6).toLowerCase()}`,
      serviceName: input.serviceName ?? null,
      turnOff: input.turnOff ?? false,
      cronExpression: input.cronExpression,
      keepLatestCount: input.keepLatestCount ?? null,
      enabled: input.enabled ?? null,
      applicationId: input.applicationId ?? null,
      postgresId: input.postgresId ?? null,
      mariadbId: input.mariadbId ?? null,
      mongoId: input.mongoId ?? null,
      mysqlId: input.mysqlId ?? null,
      redisId: input.redisId ?? null,
      libsqlId: input.libsqlId ?? null,
      composeId: input.composeId ?? null,
      createdAt: input.createdAt ?? nowIso(),
      destinationId: input.destinationId,
    };
    // A service id is checked for access first (NOT_FOUND), the destination by its foreign key.
    if (row.applicationId && !ctx.db.applications.has(row.applicationId)) throw new ProcError("NOT_FOUND", "Application not found");
    if (!ctx.backups.destinations.has(row.destinationId)) throw new Error(failedInsertMessage("volume_backup", { ...row }));
    ctx.db.volumeBackups.set(row.volumeBackupId, row);
    return row;
  }),

  query("volumeBackups.one", byId, (ctx, input) => withRelations(ctx, find(ctx, input.volumeBackupId))),

  query("volumeBackups.list", z.object({ id: z.string().min(1), volumeBackupType: z.enum(SERVICE_TYPES) }), (ctx, input) =>
    [...ctx.db.volumeBackups.values()]
      .filter((b) => (b as unknown as Record<string, unknown>)[`${input.volumeBackupType}Id`] === input.id)
      .reverse()
      .map((b) => withRelations(ctx, b)),
  ),

  mutation("volumeBackups.delete", byId, (ctx, input) => {
    find(ctx, input.volumeBackupId);
    ctx.db.deleteVolumeBackup(input.volumeBackupId);
    // removeVolumeBackup returns nothing: an empty 200.
    return undefined;
  }),

  mutation("volumeBackups.runManually", byId, async (ctx, input) => {
    const row = find(ctx, input.volumeBackupId);
    const fail = ctx.faults.takeDeployFault("backup_error", { name: row.name, appName: row.volumeName }) !== null;
    // Runs to the end before answering; the outcome is only on the run's deployment row.
    await ctx.backups.run(ctx.db, ctx.cluster, row, fail, ctx.s3Backups);
    return undefined;
  }),
  // routers/backup.ts listBackupFiles: rclone's listing of the destination (its own errors are BAD_REQUEST).
  query(
    "backup.listBackupFiles",
    z.object({ destinationId: z.string(), search: z.string(), serverId: z.string().optional() }),
    async (ctx, input) => {
      const destination = ctx.backups.destinations.get(input.destinationId);
      if (!destination) throw new ProcError("BAD_REQUEST", "Destination not found");
      // The folder before the search's last "/" (normalizeS3Path), the rest a case-insensitive part of the path.
      const cut = input.search.lastIndexOf("/");
      const folder =
        cut === -1
          ? ""
          : input.search
              .slice(0, cut + 1)
              .trim()
              .replace(/^\/+|\/+$/g, "");
      const dir = folder ? `${folder}/` : "";
      const term = (cut === -1 ? input.search : input.search.slice(cut + 1)).toLowerCase();
      const files = destination.s3 && ctx.s3Backups ? await ctx.s3Backups.list(destination.s3, dir) : ctx.backups.lsjson(input.destinationId, dir);
      if (!files) throw new ProcError("BAD_REQUEST", "Failed to parse backup files list");
      return files
        .map((f) => ({ ...f, Path: `${dir}${f.Path}` }))
        .filter((f) => f.Path.toLowerCase().includes(term))
        .slice(0, 100);
    },
  ),
];
