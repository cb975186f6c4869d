import { z } from "zod";

/**
 * Responses of Dokploy's cluster and volume-backup procedures (docs/dokploy.md). Only what
 * the portal reads is declared; the rest is stripped.
 */

/** A Docker Engine API Node, as cluster.getNodes passes dockerode's listNodes() on. */
export const swarmNode = z.object({
  ID: z.string().min(1),
  Spec: z
    .object({
      Role: z.string().optional(),
      Availability: z.string().optional(),
      Labels: z.record(z.string(), z.string()).nullable().optional(),
    })
    .optional(),
  Description: z
    .object({
      Hostname: z.string().optional(),
      Resources: z.object({ MemoryBytes: z.number().optional(), NanoCPUs: z.number().optional() }).optional(),
    })
    .optional(),
  Status: z.object({ State: z.string().optional() }).optional(),
  ManagerStatus: z.object({ Leader: z.boolean().optional() }).nullable().optional(),
});
export type SwarmNode = z.infer<typeof swarmNode>;
export const swarmNodeList = z.array(swarmNode);

/** volumeBackups.create answers with the inserted row. */
export const volumeBackupRow = z.object({
  volumeBackupId: z.string().min(1),
  volumeName: z.string(),
  destinationId: z.string(),
});

/** A row of deployment.allByType for a volume backup: one run each, newest first. */
export const backupRun = z.object({
  deploymentId: z.string().min(1),
  status: z.enum(["running", "done", "error", "cancelled"]).nullable(),
  createdAt: z.string(),
  finishedAt: z.string().nullable().optional(),
});
export type BackupRun = z.infer<typeof backupRun>;

/** An entry of backup.listBackupFiles: `rclone lsjson --no-modtime` (a folder has IsDir). */
export const backupFile = z.object({
  Path: z.string(),
  Name: z.string(),
  Size: z.number(),
  IsDir: z.boolean(),
});
export type BackupFileEntry = z.infer<typeof backupFile>;
