// Dokploy's volume backups (packages/server/src/utils/volume-backups): a row per schedule, a
// deployment row per run, and the tar files that land in the S3 destination. A run is
// `docker run -v <volume>:/volume_data ubuntu tar ...` on Dokploy's own server, so it reads
// the volume of that name on the manager node, wherever the service's task runs.
import type { Cluster } from "./cluster.ts";
import type { Db } from "./db.ts";
import { nanoid, nowIso } from "./ids.ts";
import { buildDeployment } from "./rows.ts";

export interface VolumeBackupRow {
  volumeBackupId: string;
  name: string;
  volumeName: string;
  prefix: string;
  serviceType: string;
  appName: string;
  serviceName: string | null;
  turnOff: boolean;
  cronExpression: string;
  keepLatestCount: number | null;
  enabled: boolean | null;
  applicationId: string | null;
  postgresId: string | null;
  mariadbId: string | null;
  mongoId: string | null;
  mysqlId: string | null;
  redisId: string | null;
  libsqlId: string | null;
  composeId: string | null;
  createdAt: string;
  destinationId: string;
}

export interface DestinationRow {
  destinationId: string;
  name: string;
  bucket: string;
}

/** A file in a destination's bucket: `<appName>/<prefix><volume>-<timestamp>.tar`. */
export interface BackupFile {
  destinationId: string;
  key: string;
  volumeName: string;
  /** The node whose volume was read, and what it held. */
  node: string;
  files: Record<string, string>;
  at: string;
}

export class VolumeBackupStore {
  destinations = new Map<string, DestinationRow>();
  files: BackupFile[] = [];

  clear(): void {
    this.destinations.clear();
    this.files = [];
  }

  addDestination(name: string, destinationId = nanoid()): DestinationRow {
    const row = { destinationId, name, bucket: `bucket-${name}` };
    this.destinations.set(row.destinationId, row);
    return row;
  }

  /**
   * runVolumeBackup: a deployment row "Volume Backup", the tar of the volume as the manager
   * sees it (docker run creates it there, empty, if it is not there), upload, then the
   * retention of keepLatestCount files. A failure only marks the row "error".
   */
  run(db: Db, cluster: Cluster, vb: VolumeBackupRow, fail: boolean): void {
    const app = vb.applicationId ? db.applications.get(vb.applicationId) : undefined;
    const deployment = {
      ...buildDeployment({ applicationId: "", appName: vb.appName, title: "Volume Backup", description: "Volume Backup" }),
      applicationId: null,
      volumeBackupId: vb.volumeBackupId,
    };
    // removeLastTenDeployments: only the newest runs are kept.
    const runs = [...db.deployments.values()].filter((d) => d.volumeBackupId === vb.volumeBackupId);
    for (const old of runs.slice(0, Math.max(0, runs.length - 9))) db.deployments.delete(old.deploymentId);
    db.deployments.set(deployment.deploymentId, deployment);
    if (fail || !this.destinations.has(vb.destinationId)) {
      deployment.status = "error";
      deployment.finishedAt = nowIso();
      return;
    }
    const manager = cluster.manager.id;
    const files = { ...cluster.ensureVolume(manager, vb.volumeName) };
    const s3AppName = app?.appName ?? vb.appName;
    const stamp = new Date().toISOString().replace(/[:.]/g, "-");
    this.files.push({
      destinationId: vb.destinationId,
      key: `${s3AppName}/${vb.prefix ? `${vb.prefix.replace(/\/+$/, "")}/` : ""}${vb.volumeName}-${stamp}-${nanoid().slice(0, 4)}.tar`,
      volumeName: vb.volumeName,
      node: manager,
      files,
      at: nowIso(),
    });
    if (vb.keepLatestCount && vb.keepLatestCount > 0) {
      const mine = this.files.filter((f) => f.destinationId === vb.destinationId && f.volumeName === vb.volumeName);
      const drop = new Set(mine.slice(0, Math.max(0, mine.length - vb.keepLatestCount)));
      this.files = this.files.filter((f) => !drop.has(f));
    }
    deployment.status = "done";
    deployment.finishedAt = nowIso();
  }
}
