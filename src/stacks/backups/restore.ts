import { DokployError } from "../../dokploy/errors.ts";
import { type Result, fail } from "../model/result.ts";
import { planStack } from "../model/resource-plan.ts";
import { RESTORE_STEPS } from "../model/steps.ts";
import type { Stack } from "../model/vocabulary.ts";
import { startSteps, stopSteps } from "../operations/power.ts";
import { type OperationInput, applicationOf, from, runOperation } from "../runs/operation-steps.ts";
import type { Ports } from "../runs/ports.ts";
import { SagaError } from "../runs/saga.ts";
import { SAFETY_PREFIX, type StackBackupFile, backupFilesOf } from "./backup-files.ts";
import { backupFolder, reachOf } from "./backups.ts";

/**
 * Restore in one click (docs/operations.md, "Restoring a stack"): the stack's backup files, and
 * the operation that brings one back. First a safety copy of every volume of the stack (its
 * own one-off backup rows in `safety/`, so the scheduled rotation is not touched), then the
 * stack stopped (Dokploy restores only a volume no container uses), the volume restored from
 * the file through Dokploy, the stack started and probed. A failed restore still starts the
 * stack again. Every step is safe to repeat; a restarted portal goes on from where it was,
 * without a second safety copy once the volume may have changed.
 */

/** Safety copies kept per volume: Dokploy's own retention within `safety/`. */
const SAFETY_KEEP = 3;
/** How long a volume still "in use" after the stop is asked for again (the stopped container's removal). */
const IN_USE_WAIT_MS = 20_000;
const IN_USE_RETRY_MS = 2_000;
/** A download and an untar of a large workspace take minutes; a restore still running after this is lost. */
const RESTORE_TIMEOUT_MS = 30 * 60_000;
const inUse = (lines: readonly string[]) => lines.some((l) => l.includes("volume is in use"));

/** The stack's files, scheduled and safety copies, newest first; why not, where backups are off or out of reach. */
export async function stackBackupFiles(
  deps: Ports,
  stack: Stack,
  signal = AbortSignal.timeout(deps.config.PROBE_ATTEMPT_TIMEOUT * 3),
): Promise<Result<{ files: StackBackupFile[] }>> {
  const destinationId = deps.config.BACKUP_DESTINATION_ID;
  if (!destinationId) return fail("backups_off", "This portal keeps no backups (BACKUP_DESTINATION_ID is not set)");
  if (await reachOf(deps, stack.id, signal)) return fail("backups_out_of_reach", "Dokploy's backups cannot reach the server this stack is on");
  const plan = planStack(stack, deps.config);
  const folder = backupFolder(deps.config, stack.name);
  try {
    const [scheduled, safety] = await Promise.all([
      deps.client.backupFiles(destinationId, `${folder}/`, signal),
      deps.client.backupFiles(destinationId, `${folder}/${SAFETY_PREFIX}/`, signal),
    ]);
    const files = [...backupFilesOf(scheduled, plan.volumes, false), ...backupFilesOf(safety, plan.volumes, true)];
    return { ok: true, files: files.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0)) };
  } catch (err) {
    if (err instanceof DokployError) return fail("dokploy_unavailable", "Dokploy could not list the stack's backups; try again shortly");
    throw err;
  }
}

/** A copy of every volume of the stack, now, into `safety/`; throws backup_failed when one did not succeed. */
async function safetyCopy(deps: Ports, stack: Stack, signal: AbortSignal): Promise<string> {
  const destinationId = deps.config.BACKUP_DESTINATION_ID;
  if (!destinationId) throw new SagaError("backup_failed", "This portal keeps no backups");
  const plan = planStack(stack, deps.config);
  const failed: string[] = [];
  for (const v of plan.volumes) {
    const row = await deps.client.volumeBackupCreate(
      {
        name: `${plan.name} ${v.key} before a restore`,
        volumeName: v.volumeName,
        prefix: SAFETY_PREFIX,
        appName: backupFolder(deps.config, plan.name),
        cronExpression: "0 0 1 1 *",
        keepLatestCount: SAFETY_KEEP,
        destinationId,
        enabled: false,
      },
      signal,
    );
    try {
      await deps.client.volumeBackupRun(row.volumeBackupId, signal);
      const [newest] = await deps.client.volumeBackupRuns(row.volumeBackupId, signal);
      if (newest?.status !== "done") failed.push(v.key);
    } finally {
      // A one-off: its file stays in the destination, the row goes.
      await deps.client.volumeBackupDelete(row.volumeBackupId).catch((err) => {
        deps.log.warn(
          { stack: stack.name, volumeBackupId: row.volumeBackupId, err: String(err) },
          "a safety backup's row could not be removed from Dokploy",
        );
      });
    }
  }
  if (failed.length) throw new SagaError("backup_failed", `The safety copy of ${failed.join(", ")} failed; nothing was changed`);
  return `Copied ${plan.volumes.map((v) => v.key).join(" and ")}`;
}

export function restoreStack(deps: Ports, input: OperationInput): Promise<void> {
  const steps = from(RESTORE_STEPS, input.resumeFrom === "ready" ? "start_service" : input.resumeFrom);
  return runOperation(deps, input, async (step) => {
    const file = deps.store.deployments.restoreFileOf(input.deployment.id);
    const plan = planStack(input.stack, deps.config);
    const volume = plan.volumes.find((v) => file?.slice(file.lastIndexOf("/") + 1).startsWith(`${v.volumeName}-`));
    const destinationId = deps.config.BACKUP_DESTINATION_ID;
    if (!file || !volume || !destinationId) throw new SagaError("dokploy_rejected", "The backup to restore is not one of this stack's");
    if (steps.has("safety_backup")) await step("safety_backup", () => safetyCopy(deps, input.stack, input.signal));
    if (steps.has("stop_service")) await stopSteps(deps, { ...input, reason: "restore" }, step);
    let failure: unknown = null;
    if (steps.has("restore_volume")) {
      await step(
        "restore_volume",
        async () => {
          const { applicationId } = applicationOf(deps, input.stack.id);
          const request = { applicationId, destinationId, backupFileName: file, volumeName: volume.volumeName };
          // Dokploy's subscription ends when its script does; one that never ends is given up.
          const signal = AbortSignal.any([input.signal, AbortSignal.timeout(RESTORE_TIMEOUT_MS)]);
          let result = await deps.client.restoreVolume(request, signal);
          // Swarm reports the task gone a moment before its container is removed, and Dokploy
          // refuses a volume any container (stopped ones too) still names: it touched nothing, so ask again.
          for (const until = Date.now() + IN_USE_WAIT_MS; !result.restored && inUse(result.lines) && Date.now() < until; ) {
            await Bun.sleep(IN_USE_RETRY_MS);
            result = await deps.client.restoreVolume(request, signal);
          }
          if (!result.restored) {
            deps.log.warn({ stack: input.stack.name, file, lines: result.lines.slice(-8) }, "Dokploy did not restore the volume");
            throw new SagaError(
              "restore_failed",
              `Dokploy did not restore the ${volume.key} volume: ${result.lines.filter(Boolean).at(-2) ?? "no reason given"}`,
            );
          }
          return volume.key;
        },
        (key) => `Restored ${key} from ${file.slice(file.lastIndexOf("/") + 1)}`,
      ).catch((err) => {
        failure = err;
      });
    }
    // Restored or not, the stack runs again. Dokploy refuses before touching the volume when it
    // can (in use, no such file); otherwise the safety copy holds what was there.
    await startSteps(deps, input, step);
    if (failure) throw failure;
    return { status: "ready", message: `The ${volume.key} volume is back as it was then; the safety copy of before is among the backups.` };
  });
}
