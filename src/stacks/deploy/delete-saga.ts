import type { Deployment, Leftover, Stack, StepId } from "../model/vocabulary.ts";
import { SagaError, now, runStep, toDeploymentError } from "../runs/saga.ts";
import type { Ports } from "../runs/ports.ts";
import { deleteApplications, findFootprint, removeProjects } from "./teardown.ts";
import { reachOf, runBackupsNow } from "../backups/backups.ts";
import { endRun } from "../runs/run-end.ts";

/**
 * The delete saga: stop a deploy still in flight, then application.delete, then
 * project.remove. Safe to run again on a half-deleted stack: what is gone is skipped.
 * The data volume stays in Dokploy (docs/dokploy.md §7) and the name is quarantined.
 */

export interface DeleteInput {
  deployment: Deployment;
  stack: Stack;
  /** Cancels a deploy of this stack that is still running and resolves when it has stopped. */
  cancelDeploy: () => Promise<boolean>;
  /** false: the owner said not to back the volumes up before the delete. */
  finalBackup?: boolean;
}

const KIND = "delete";

export async function deleteStack(deps: Ports, input: DeleteInput): Promise<void> {
  const id = input.deployment.id;
  const stackId = input.stack.id;
  const step = <T>(s: StepId, fn: () => Promise<T>, msg?: (r: T) => string | undefined) => runStep(deps, id, KIND, s, fn, msg);
  const leftovers: Leftover[] = [];
  // The backup comes first and is waited for: a failed one stops the delete before anything goes.
  if (!(await finalBackup(deps, input))) return;
  try {
    // Nothing to stop: the step is shown as skipped, not as done.
    // A deploy or an owner's operation (restart, redeploy, ...) on the stack: stopped first.
    const running = deps.store.deployments.running().find((d) => d.stackId === stackId && d.kind !== "delete");
    if (running)
      await step(
        "cancel_deploy",
        () => input.cancelDeploy(),
        (cancelled) =>
          cancelled ? `The running ${running.kind} was stopped${running.kind === "deploy" ? " and rolled back" : ""}` : "No deploy was running",
      );
    else deps.events.emit(id, { type: "step", data: { step: "cancel_deploy", state: "skipped", at: now(), message: "No deploy was running" } });
    const footprint = await findFootprint(deps, deps.store.stacks.existing(stackId));
    leftovers.push(...footprint.uninspected);
    await step("delete_application", async () => {
      const left = await deleteApplications(deps, deps.store.stacks.existing(stackId), footprint.applicationIds);
      leftovers.push(...left);
      if (left.length) throw new SagaError("cleanup_failed", "The stack's application could not be deleted");
    });
    await step("remove_project", async () => {
      const left = await removeProjects(deps, deps.store.stacks.existing(stackId), footprint.projectIds);
      leftovers.push(...left);
      if (left.length || footprint.uninspected.length) throw new SagaError("cleanup_failed", "The stack's project could not be removed");
    });
    endRun(deps, id, { status: "deleted", message: "The stack is deleted. Its data volume is kept, and only you can deploy this name again." }, () =>
      deps.store.stacks.setStatus(stackId, "deleted", now()),
    );
    deps.log.info({ deploymentId: id, stack: input.stack.name }, "stack deleted");
  } catch (err) {
    const error =
      leftovers.length > 0
        ? { code: "cleanup_failed" as const, message: `${leftovers.length} Dokploy resource(s) could not be removed; an operator has been told` }
        : toDeploymentError(err);
    deps.log.error({ deploymentId: id, stack: input.stack.name, error, leftovers }, "delete failed");
    endRun(deps, id, { status: "failed", error, ...(leftovers.length ? { leftovers } : {}) }, () => {
      deps.store.deployments.setLeftovers(id, leftovers, now());
      deps.store.stacks.setStatus(stackId, "cleanup_failed", now());
    });
  }
}

/**
 * A backup of the stack's volumes before it goes (when it has backups), unless the owner said
 * not to, or a delete resumed after a restart already passed this step. False: it failed, the
 * delete ended and the stack is as it was.
 */
async function finalBackup(deps: Ports, input: DeleteInput): Promise<boolean> {
  const id = input.deployment.id;
  const stackId = input.stack.id;
  const skip = (message: string) => {
    deps.events.emit(id, { type: "step", data: { step: "final_backup", state: "skipped", at: now(), message } });
    return true;
  };
  const passed = deps.store.deployments
    .events(id)
    .some((e) => e.type === "step" && e.data.step === "final_backup" && (e.data.state === "succeeded" || e.data.state === "skipped"));
  if (passed) return true;
  // A backup run on a node the volumes are not on would upload an empty tar (backup-reach.ts).
  if (deps.config.BACKUP_DESTINATION_ID && (await reachOf(deps, stackId))) return skip("Dokploy's backups cannot reach the server this stack is on");
  if (!deps.store.backups.of(stackId).length) return skip("The stack has no backups");
  if (input.finalBackup === false) return skip("Skipped at the owner's request");
  try {
    await runStep(deps, id, KIND, "final_backup", async () => {
      const failed = await runBackupsNow(deps, stackId).catch((err) => {
        deps.log.warn({ deploymentId: id, err: err instanceof Error ? err.message : String(err) }, "Dokploy could not run the final backup");
        throw new SagaError("backup_failed", "Dokploy could not run the backup");
      });
      if (failed.length) throw new SagaError("backup_failed", `The backup of ${failed.join(", ")} failed`);
    });
    return true;
  } catch (err) {
    const error = toDeploymentError(err);
    // Nothing was removed: the stack is back to what it was before the delete.
    const previous = input.stack.status === "deleting" ? "ready" : input.stack.status;
    deps.log.warn({ deploymentId: id, stack: input.stack.name, error }, "final backup failed; the stack was not deleted");
    endRun(deps, id, { status: "failed", error }, () => deps.store.stacks.setStatus(stackId, previous, now()));
    return false;
  }
}
