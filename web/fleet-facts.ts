import { type Key, formatDateTime, t } from "./i18n.ts";

/**
 * A stack's server and backups in words, the same on the admin list and the stack page:
 * the server's name (and whether it is down or drained), the last good backup, a failing
 * backup, or that the backups cannot reach the stack's server.
 */

type Unavailable = "node_down" | "node_drained" | null | undefined;
interface Backup {
  lastBackupAt: string | null;
  failing: boolean;
  outOfReach: { node: string; backupNode: string | null } | null;
}

const UNAVAILABLE: Record<"node_down" | "node_drained", Key> = { node_down: "admin.node_down", node_drained: "admin.node_drained" };

export function nodeText(hostname: string, reason: Unavailable): string {
  return reason ? t(UNAVAILABLE[reason], { host: hostname }) : hostname;
}

export function backupText(backup: Backup): string {
  const away = backup.outOfReach;
  if (away)
    return away.backupNode
      ? t("backup.out_of_reach", { node: away.node, backup_node: away.backupNode })
      : t("backup.out_of_reach_unknown", { node: away.node });
  const at = backup.lastBackupAt ? Date.parse(backup.lastBackupAt) : Number.NaN;
  const when = Number.isFinite(at) ? formatDateTime(at) : t("admin.backup_never");
  return backup.failing ? t("admin.backup_failing", { time: when }) : when;
}

/** The data-state a test or style reads: "ok", "failing" or "out_of_reach". */
export const backupState = (backup: Backup) => (backup.outOfReach ? "out_of_reach" : backup.failing ? "failing" : "ok");
