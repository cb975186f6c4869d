// Volume backups, their listing and restore on the real engine (SANDBOX_RUNTIME=docker) with a
// real S3-compatible destination: the shell commands Dokploy v0.30.2 runs on its own server
// (packages/server/src/utils/volume-backups/{backup,restore,utils}.ts and backups/utils.ts's
// getS3Credentials), run here with the local `docker` and `rclone`. Dokploy's `ubuntu` is
// `tarImage`: any image with bash and tar whose default user is root.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { BackupListing } from "../backups.ts";

export interface S3Destination {
  endpoint: string;
  bucket: string;
  accessKey: string;
  secretAccessKey: string;
  region: string;
  provider?: string;
}

/** POSIX single quotes, as shell-quote's quote() makes a word safe. */
const q = (s: string) => (/^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`);

function flags(d: S3Destination): string {
  return [
    ...(d.provider ? [`--s3-provider=${q(d.provider)}`] : []),
    `--s3-access-key-id=${q(d.accessKey)}`,
    `--s3-secret-access-key=${q(d.secretAccessKey)}`,
    `--s3-region=${q(d.region)}`,
    `--s3-endpoint=${q(d.endpoint)}`,
    "--s3-no-check-bucket",
    "--s3-force-path-style",
  ].join(" ");
}

/** Runs a script with sh as Dokploy's execAsync does: its output, and whether it ended 0. */
async function sh(script: string): Promise<{ ok: boolean; output: string[] }> {
  // This machine's AWS_CA_BUNDLE names a bundle rclone's S3 client cannot load for plain http.
  const { AWS_CA_BUNDLE: _, ...env } = process.env;
  const proc = Bun.spawn(["sh", "-c", script], { env, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { ok: code === 0, output: `${out}${err}`.split("\n").filter((l) => l !== "") };
}

export class S3Backups {
  constructor(
    /** Dokploy's VOLUME_BACKUPS_PATH: where tars wait between docker and rclone. */
    private readonly workDir: string,
    private readonly tarImage: string,
  ) {
    mkdirSync(workDir, { recursive: true });
  }

  /** backupVolume's commands and cleanupOldVolumeBackups: true when the run ended well. */
  async backup(
    d: S3Destination,
    run: { volumeName: string; folder: string; prefix: string; keep: number | null },
  ): Promise<{ ok: boolean; key: string; log: string[] }> {
    const file = `${run.volumeName}-${new Date().toISOString().replace(/[:.]/g, "-")}.tar`;
    const prefix = run.prefix.trim().replace(/^\/+|\/+$/g, "");
    const key = `${run.folder}/${prefix ? `${prefix}/` : ""}${file}`;
    const dir = join(this.workDir, run.folder);
    const result = await sh(`
      set -e
      mkdir -p ${q(dir)}
      docker run --rm -v ${q(run.volumeName)}:/volume_data -v ${q(dir)}:/backup ${q(this.tarImage)} bash -c "cd /volume_data && tar cvf /backup/${file} ."
      rclone copyto ${flags(d)} ${q(`${dir}/${file}`)} ${q(`:s3:${d.bucket}/${key}`)}
      rm ${q(`${dir}/${file}`)}
    `);
    if (result.ok && run.keep) {
      const path = `:s3:${d.bucket}/${run.folder}/${prefix ? `${prefix}/` : ""}`;
      await sh(
        `rclone lsf ${flags(d)} --include "${run.volumeName}-*.tar" ${q(path)} | sort -r | tail -n +$((${run.keep}+1)) | xargs -I{} rclone delete ${flags(d)} ${q(path)}{}`,
      );
    }
    return { ok: result.ok, key, log: result.output };
  }

  /** backup.listBackupFiles's `rclone lsjson --no-modtime` of one folder (`dir`: "" or ending in "/"; null: rclone failed). */
  async list(d: S3Destination, dir: string): Promise<BackupListing[] | null> {
    const path = `:s3:${d.bucket}/${dir}`;
    const result = await sh(`rclone lsjson ${flags(d)} ${q(path)} --no-mimetype --no-modtime 2>/dev/null`);
    if (!result.ok) return null;
    try {
      return JSON.parse(result.output.join("\n"));
    } catch {
      return null;
    }
  }

  /** restoreVolume's script, run with its output: the subscription's lines come from it. */
  async restore(d: S3Destination, input: { volumeName: string; backupFileName: string; appName: string }): Promise<{ ok: boolean; log: string[] }> {
    const dir = join(this.workDir, input.volumeName);
    const file = input.backupFileName;
    const base = `
      set -e
      echo "Volume name: ${input.volumeName}"
      echo "Backup file name: ${file}"
      echo "Downloading backup from S3..."
      mkdir -p ${q(dir)}
      rclone copyto ${flags(d)} ${q(`:s3:${d.bucket}/${file}`)} ${q(`${dir}/${file}`)}
      echo "Download completed ✅"
      echo "Creating new volume and restoring data..."
      docker run --rm -v ${q(input.volumeName)}:/volume_data -v ${q(dir)}:/backup ${q(this.tarImage)} bash -c "cd /volume_data && tar xvf /backup/${q(file)} ."
      echo "Volume restore completed ✅"`;
    return sh(`
      echo "=== VOLUME RESTORE FOR APPLICATION ==="
      echo "Application: ${input.appName}"
      VOLUME_EXISTS=$(docker volume ls -q --filter name="^${input.volumeName}$" | wc -l)
      if [ "$VOLUME_EXISTS" = "0" ]; then
        ${base}
      else
        CONTAINERS_USING_VOLUME=$(docker ps -a --filter "volume=${input.volumeName}" --format "{{.ID}}|{{.Names}}|{{.State}}")
        if [ -z "$CONTAINERS_USING_VOLUME" ]; then
          docker volume rm ${q(input.volumeName)} --force
          ${base}
        else
          echo "⚠️  WARNING: Cannot restore volume as it is currently in use!"
          echo "$CONTAINERS_USING_VOLUME"
          echo "❌ Volume restore aborted - volume is in use"
          exit 1
        fi
      fi`).then((r) => ({ ok: r.ok, log: r.output }));
  }
}
