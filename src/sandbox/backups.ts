// Dokploy's volume backups (packages/server/src/utils/volume-backups): a row per schedule, a
// deployment row per run, and the tar files that land in the S3 destination. A run is
// `docker run -v <volume>:/volume_data ubuntu tar ...` on Dokploy's own server, so it reads
// the volume of that name on the manager node, wherever the service's task runs.
import type { Cluster } from "./cluster.ts";
import type { Db } from "./db.ts";
import { nanoid, nowIso } from "./ids.ts";
import { buildDeployment } from "./rows.ts";
import type { S3Backups, S3Destination } from "./engine/s3-backups.ts";

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
  /** A real S3-compatible server (the engine runtime only): backups, listing and restores go there for real (engine/s3-backups.ts). */
  s3?: S3Destination;
}

/** An entry of `rclone lsjson --no-modtime`. */
export interface BackupListing {
  Path: string;
  Name: string;
  Size: number;
  IsDir: boolean;
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

  addDestination(name: string, destinationId = nanoid(), s3?: S3Destination): DestinationRow {
    const row = { destinationId, name, bucket: s3?.bucket ?? `bucket-${name}`, ...(s3 ? { s3 } : {}) };
    this.destinations.set(row.destinationId, row);
    return row;
  }

  /**
   * runVolumeBackup: a deployment row "Volume Backup", the tar of the volume as the manager
   * sees it (docker run creates it there, empty, if it is not there), upload, then the
   * retention of keepLatestCount files. A failure only marks the row "error".
   */
  run(db: Db, cluster: Cluster, vb: VolumeBackupRow, fail: boolean, real: S3Backups | null = null): void | Promise<void> {
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
    const s3 = this.destinations.get(vb.destinationId)?.s3;
    if (s3 && real) {
      // The real run: tar of the engine's volume, rclone to the S3 server, its retention.
      return real
        .backup(s3, { volumeName: vb.volumeName, folder: app?.appName ?? vb.appName, prefix: vb.prefix, keep: vb.keepLatestCount })
        .then((r) => {
          deployment.status = r.ok ? "done" : "error";
          deployment.finishedAt = nowIso();
        });
    }
    const manager = cluster.manager.id;
    const files = { ...cluster.ensureVolume(manager, vb.volumeName) };
    const s3AppName = app?.appName ?? vb.appName;
    // getBackupTimestamp: the ISO time with ":" and "." as "-". Two runs in one millisecond
    // write the same key, and S3 keeps the second, as rclone copyto would.
    const stamp = new Date().toISOString().replace(/[:.]/g, "-");
    const key = `${s3AppName}/${vb.prefix ? `${vb.prefix.replace(/^\/+|\/+$/g, "")}/` : ""}${vb.volumeName}-${stamp}.tar`;
    this.files = this.files.filter((f) => !(f.destinationId === vb.destinationId && f.key === key));
    this.files.push({
      destinationId: vb.destinationId,
      key,
      volumeName: vb.volumeName,
      node: manager,
      files,
      at: nowIso(),
    });
    if (vb.keepLatestCount && vb.keepLatestCount > 0) {
      // keepLatestNBackups lists `<volume>-*.tar` in this run's folder only (rclone lsf, not recursive).
      const folder = key.slice(0, key.lastIndexOf("/") + 1);
      const mine = this.files.filter(
        (f) => f.destinationId === vb.destinationId && f.volumeName === vb.volumeName && f.key.slice(0, f.key.lastIndexOf("/") + 1) === folder,
      );
      const drop = new Set(mine.slice(0, Math.max(0, mine.length - vb.keepLatestCount)));
      this.files = this.files.filter((f) => !drop.has(f));
    }
    deployment.status = "done";
    deployment.finishedAt = nowIso();
  }

  /** `rclone lsjson --no-modtime` of one folder (`dir`: "" or ending in "/"): its files and first-level folders, in name order. */
  lsjson(destinationId: string, dir: string): BackupListing[] {
    const entries = new Map<string, BackupListing>();
    for (const f of this.files) {
      if (f.destinationId !== destinationId || !f.key.startsWith(dir)) continue;
      const rest = f.key.slice(dir.length);
      const slash = rest.indexOf("/");
      // Not recursive: deeper files show as their first folder.
      const name = slash === -1 ? rest : rest.slice(0, slash);
      entries.set(name, { Path: name, Name: name, Size: slash === -1 ? tarSize(f.files) : 0, IsDir: slash !== -1 });
    }
    return [...entries.values()].sort((a, b) => (a.Name < b.Name ? -1 : 1));
  }

  /**
   * The script restoreVolume (utils/volume-backups/restore.ts) makes, as run on Dokploy's own
   * server: the file downloaded, then the volume removed and filled from the tar, unless a
   * container (running or stopped) uses it: then nothing changes. Its output, and whether it ended 0.
   */
  restore(
    cluster: Cluster,
    inUse: (volumeName: string) => string[],
    input: { destinationId: string; backupFileName: string; volumeName: string },
  ): { ok: boolean; log: string[] } {
    const log = ["=== VOLUME RESTORE FOR APPLICATION ==="];
    const users = inUse(input.volumeName);
    if (users.length > 0) {
      log.push(
        "Volume exists, checking for containers using it (including stopped ones)...",
        "⚠️  WARNING: Cannot restore volume as it is currently in use!",
      );
      for (const u of users) log.push(`   🐳 Container: ${u}`);
      log.push("❌ Volume restore aborted - volume is in use");
      return { ok: false, log };
    }
    log.push("Downloading backup from S3...");
    const file = this.files.find((f) => f.destinationId === input.destinationId && f.key === input.backupFileName);
    // rclone copyto of a key that is not there: set -e ends the script before the volume is touched.
    if (!file) return { ok: false, log: [...log, `ERROR : ${input.backupFileName}: object not found`] };
    const manager = cluster.manager.id;
    cluster.volumes.get(manager)?.delete(input.volumeName);
    Object.assign(cluster.ensureVolume(manager, input.volumeName), file.files);
    log.push(
      "Download completed ✅",
      "Creating new volume and restoring data...",
      ...Object.keys(file.files).map((name) => `./${name}`),
      "Volume restore completed ✅",
    );
    return { ok: true, log };
  }
}

/** A tar's size: a 512-byte header per file, its content in 512-byte blocks, two closing blocks. */
function tarSize(files: Record<string, string>): number {
  return Object.values(files).reduce((sum, content) => sum + 512 + Math.ceil(Buffer.byteLength(content) / 512) * 512, 1024);
}
