import { DokployError } from "../../dokploy/errors.ts";
import type { StackBackup } from "../../store/backups.ts";
import { type OutOfReach, outOfReach } from "./backup-reach.ts";
import type { Stack } from "../model/vocabulary.ts";
import type { StackPlan } from "../model/resource-plan.ts";
import { now, withCleanupRetries } from "../runs/saga.ts";
import type { Ports } from "../runs/ports.ts";

/** Dokploy's volume backups, the node list (a backup runs on one node), the store's record of them. */
export type BackupPorts = Pick<Ports, "client" | "store" | "log" | "cluster" | "config" | "cleanup">;

/**
 * Dokploy volume backups of every stack's volumes (BACKUP_DESTINATION_ID). They are made
 * with no applicationId: Dokploy deletes a backup with its application, and a deleted
 * stack's volumes (and the backups of them) are kept for its owner until the name's
 * quarantine ends. Their files go to `<appName>/<volume>-<time>.tar` in the destination.
 */

export type BackupConfig = {
  BACKUP_DESTINATION_ID?: string | undefined;
  BACKUP_SCHEDULE: string;
  BACKUP_KEEP: number;
  STACK_PROJECT_PREFIX: string;
};

/** The folder of a stack's backup files in the destination: stable, unlike the appName. */
export const backupFolder = (config: Pick<BackupConfig, "STACK_PROJECT_PREFIX">, name: string) => `${config.STACK_PROJECT_PREFIX}${name}`;

/** Whether the stack's node is out of the backups' reach, by Dokploy's node list now (else the last one read). */
export async function reachOf(deps: BackupPorts, stackId: number, signal?: AbortSignal): Promise<OutOfReach> {
  const placement = deps.store.placements.of(stackId);
  if (!placement || !deps.cluster) return null;
  return outOfReach(placement, await deps.cluster.nodesOrLast(signal), deps.config.BACKUP_NODE);
}

/**
 * Creates the volume backups a stack lacks (one per volume); none without a destination. A
 * stack out of the backups' reach gets none, and loses those it had (backup-reach.ts).
 */
export async function ensureBackups(deps: BackupPorts, config: BackupConfig, stack: Stack, plan: StackPlan, signal?: AbortSignal): Promise<number> {
  const destinationId = config.BACKUP_DESTINATION_ID;
  if (!destinationId) return 0;
  const away = await reachOf(deps, stack.id, signal);
  if (away) {
    await dropOutOfReach(deps, stack.id, away);
    return 0;
  }
  const have = new Set(deps.store.backups.of(stack.id).map((b) => b.volumeName));
  const missing = plan.volumes.filter((v) => !have.has(v.volumeName));
  for (const v of missing) {
    const row = await deps.client.volumeBackupCreate(
      {
        name: `${plan.name} ${v.key}`,
        volumeName: v.volumeName,
        prefix: "",
        appName: backupFolder(config, plan.name),
        cronExpression: config.BACKUP_SCHEDULE,
        keepLatestCount: config.BACKUP_KEEP,
        destinationId,
      },
      signal,
    );
    deps.store.backups.add(stack.id, row.volumeBackupId, v.volumeName, now());
  }
  return missing.length;
}

/** Removes a stack's backup schedules (the files already made stay in the destination). */
export async function removeBackups(deps: BackupPorts, stackId: number): Promise<string[]> {
  const failed: string[] = [];
  for (const b of deps.store.backups.of(stackId)) {
    try {
      await withCleanupRetries(deps, () => deps.client.volumeBackupDelete(b.volumeBackupId));
    } catch (err) {
      if (!(err instanceof DokployError && err.failure === "not_found")) {
        failed.push(b.volumeBackupId);
        continue;
      }
    }
    deps.store.backups.remove(b.volumeBackupId);
  }
  return failed;
}

/** Removes the schedules of a stack the backups cannot reach (their files stay in the bucket). */
async function dropOutOfReach(deps: BackupPorts, stackId: number, away: NonNullable<OutOfReach>): Promise<void> {
  if (!deps.store.backups.of(stackId).length) return;
  const left = await removeBackups(deps, stackId);
  deps.log.warn(
    { stackId, node: away.node, backupNode: away.backupNode, left: left.length },
    "a stack's volumes are out of the backups' reach: its backup schedules were removed",
  );
}

/** Reads each backup's newest run from Dokploy into the store. */
export async function refreshBackupRuns(deps: BackupPorts, stackId: number, signal?: AbortSignal): Promise<void> {
  for (const b of deps.store.backups.of(stackId)) {
    const [newest] = await deps.client.volumeBackupRuns(b.volumeBackupId, signal);
    if (newest) deps.store.backups.recordRun(b.volumeBackupId, { at: newest.finishedAt ?? newest.createdAt, status: newest.status });
  }
}

/**
 * A backup of each of the stack's volumes now, waited for (runManually answers when the run
 * has ended). Returns the volumes whose run did not end "done".
 */
export async function runBackupsNow(deps: BackupPorts, stackId: number, signal?: AbortSignal): Promise<string[]> {
  const failed: string[] = [];
  for (const b of deps.store.backups.of(stackId)) {
    await deps.client.volumeBackupRun(b.volumeBackupId, signal);
    const [newest] = await deps.client.volumeBackupRuns(b.volumeBackupId, signal);
    if (newest) deps.store.backups.recordRun(b.volumeBackupId, { at: newest.finishedAt ?? newest.createdAt, status: newest.status });
    if (newest?.status !== "done") failed.push(b.volumeName);
  }
  return failed;
}

/**
 * What the stack page and the admin view show: the last good backup, and whether the last run
 * failed; or that the stack's node is out of the backups' reach (pass it only when backups are on).
 */
export function backupSummary(deps: Pick<Ports, "store">, stackId: number, away: OutOfReach = null) {
  return summariseBackups(away ? [] : deps.store.backups.of(stackId), away);
}

/** The same from the stack's backup rows already read. */
export function summariseBackups(backups: StackBackup[], away: OutOfReach = null) {
  if (away) return { lastBackupAt: null, failing: false, volumes: [], outOfReach: away };
  if (!backups.length) return null;
  const successes = backups.map((b) => b.lastSuccessAt);
  return {
    outOfReach: null,
    /** The oldest of the volumes' last good backups: everything is backed up at least as of then. */
    lastBackupAt: successes.every((s) => s !== null) ? ((successes as string[]).sort()[0] ?? null) : null,
    failing: backups.some((b) => b.lastStatus === "error"),
    volumes: backups.map((b) => ({ volumeName: b.volumeName, lastRunAt: b.lastRunAt, lastStatus: b.lastStatus, lastSuccessAt: b.lastSuccessAt })),
  };
}

export type BackupSummary = ReturnType<typeof summariseBackups>;
export const BACKUP_STATES = ["ok", "failing", "never", "none", "out_of_reach"] as const;
export type BackupState = (typeof BACKUP_STATES)[number];

/**
 * One word for a stack's backups: backed up ("ok"), last run failed, none good yet ("never"),
 * no schedule ("none": made before backups were on, until its next redeploy), out of reach.
 */
export function backupStateOf(summary: BackupSummary): BackupState {
  if (!summary) return "none";
  if (summary.outOfReach) return "out_of_reach";
  if (summary.failing) return "failing";
  return summary.lastBackupAt ? "ok" : "never";
}

/**
 * Backups of stacks deleted longer ago than the quarantine: the name is free for anyone, so
 * the old owner's backups go. Also keeps the live stacks' last-run times current.
 */
export class BackupKeeper {
  private timer: ReturnType<typeof setInterval> | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly deps: BackupPorts,
    private readonly quarantineDays: number,
  ) {}

  start(intervalMs: number): void {
    this.runSoon();
    if (intervalMs > 0) this.timer = setInterval(() => this.runSoon(), intervalMs);
  }

  private runSoon(): void {
    if (this.running) return;
    this.running = this.run()
      .then(() => undefined)
      .catch((err) => this.deps.log.warn({ err: String(err) }, "backup upkeep failed"))
      .finally(() => {
        this.running = null;
      });
  }

  async run(): Promise<{ removed: number; failed: number }> {
    const { store } = this.deps;
    const before = new Date(Date.now() - this.quarantineDays * 86_400_000).toISOString();
    let removed = 0;
    let failed = 0;
    const stacks = new Set(store.backups.expired(before).map((b) => b.stackId));
    for (const stackId of stacks) {
      const left = await removeBackups(this.deps, stackId);
      failed += left.length;
      if (!left.length) removed += 1;
      this.deps.log.info({ stackId, left: left.length }, "backups of a stack past its quarantine removed");
    }
    for (const stackId of new Set(store.backups.live().map((b) => b.stackId))) {
      const away = await reachOf(this.deps, stackId);
      if (away) await dropOutOfReach(this.deps, stackId, away);
      else await refreshBackupRuns(this.deps, stackId).catch(() => undefined);
    }
    return { removed, failed };
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
