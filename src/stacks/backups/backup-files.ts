import { z } from "zod";
import type { BackupFileEntry } from "../../dokploy/cluster-schemas.ts";

/**
 * A stack's backup files, as the owner picks one to restore: what Dokploy's listing of the
 * stack's folder holds for each of its volumes (a stack deployed again under the same name
 * mounts other volumes: their files are not its own). Dokploy names each file
 * `<volume>-<ISO time with ":" and "." as "-">.tar`; its listing carries no time, so the name
 * is the time. Safety copies made before a restore sit in the folder's `safety/`.
 */

export const SAFETY_PREFIX = "safety";

export const stackBackupFile = z.object({
  /** The file's path in the destination: what a restore names. */
  file: z.string(),
  /** Which of the stack's volumes (STACK_MOUNTS' key: workspace, data). */
  volume: z.string(),
  at: z.string(),
  sizeBytes: z.number().int(),
  /** A copy made just before a restore (to undo it), not a scheduled backup. */
  safety: z.boolean(),
});
export type StackBackupFile = z.infer<typeof stackBackupFile>;

const STAMP = /^(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})-(\d{3})Z\.tar$/;

/** The files of the stack's volumes among a folder's entries. */
export function backupFilesOf(
  entries: readonly BackupFileEntry[],
  volumes: readonly { key: string; volumeName: string }[],
  safety: boolean,
): StackBackupFile[] {
  const found: StackBackupFile[] = [];
  for (const e of entries) {
    if (e.IsDir) continue;
    for (const v of volumes) {
      if (!e.Name.startsWith(`${v.volumeName}-`)) continue;
      const m = STAMP.exec(e.Name.slice(v.volumeName.length + 1));
      if (!m) continue;
      found.push({ file: e.Path, volume: v.key, at: `${m[1]}T${m[2]}:${m[3]}:${m[4]}.${m[5]}Z`, sizeBytes: e.Size, safety });
    }
  }
  return found;
}
