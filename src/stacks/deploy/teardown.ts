import { DokployError } from "../../dokploy/errors.ts";
import type { Leftover, Stack } from "../model/vocabulary.ts";
import { now, sleep, withCleanupRetries } from "../runs/saga.ts";
import type { Ports } from "../runs/ports.ts";

/** Dokploy's deletes, retried while Dokploy blips; the store for what a stack has. */
export type TeardownPorts = Pick<Ports, "client" | "store" | "log" | "config" | "cleanup" | "onBuildOutlivedDelete">;

/**
 * Removing a stack's Dokploy resources, shared by rollback, delete and crash recovery.
 * Order matters (docs/dokploy.md §7): application.delete first, which takes domains, mounts
 * and the Swarm service with it; project.remove only after, because on its own it leaves
 * the running service behind. Named volumes survive both, by design.
 */

export interface StackFootprint {
  projectIds: string[];
  applicationIds: string[];
  /** Projects we could not inspect: removing them could orphan a service we did not see. */
  uninspected: Leftover[];
}

const gone = (err: unknown) => err instanceof DokployError && err.failure === "not_found";
const reason = (err: unknown) => (err instanceof DokployError ? `${err.procedure}: ${err.message}` : String(err));

/**
 * Everything of this stack that exists in Dokploy. Ids we recorded come first; when a crash
 * came between Dokploy's answer and our write, the project is found by its name and its
 * applications by listing it (docs/dokploy.md §8.4).
 */
export async function findFootprint(deps: TeardownPorts, stack: Stack): Promise<StackFootprint> {
  const projectName = `${deps.config.STACK_PROJECT_PREFIX}${stack.name}`;
  const uninspected: Leftover[] = [];
  let projectIds: string[];
  if (stack.projectId) projectIds = [stack.projectId];
  else {
    const all = await withCleanupRetries(deps, () => deps.client.projectAll());
    projectIds = all.filter((p) => p.name === projectName).map((p) => p.projectId);
  }
  const applicationIds = new Set(stack.applicationId ? [stack.applicationId] : []);
  const inspected: string[] = [];
  for (const projectId of projectIds) {
    try {
      const project = await withCleanupRetries(deps, () => deps.client.projectOne(projectId));
      for (const env of project.environments) for (const app of env.applications) applicationIds.add(app.applicationId);
      inspected.push(projectId);
    } catch (err) {
      if (gone(err)) continue;
      uninspected.push({ kind: "project", id: projectId, error: reason(err) });
    }
  }
  return { projectIds: inspected, applicationIds: [...applicationIds], uninspected };
}

/**
 * Dokploy cannot cancel a build, and a build that finishes after its application was
 * deleted still creates the Swarm service, orphaned (and no API call can remove it, see
 * orphan-services.ts). So first drop the jobs still waiting in Dokploy's queue, which no
 * worker can then pick up, and wait while a build runs (the application's status, or a
 * deployment still "running": a redeploy's saveDockerProvider resets the status mid-build).
 */
async function waitForBuildToEnd(deps: TeardownPorts, applicationId: string): Promise<void> {
  await withCleanupRetries(deps, () => deps.client.applicationCleanQueues(applicationId)).catch((err) => {
    if (!gone(err)) deps.log.warn({ applicationId, err: reason(err) }, "could not clear Dokploy's build queue before the delete");
  });
  const deadline = Date.now() + deps.config.DEPLOY_TIMEOUT;
  for (;;) {
    const app = await withCleanupRetries(deps, () => deps.client.applicationOne(applicationId));
    if (!buildRunning(app)) return;
    if (Date.now() > deadline) {
      deps.log.warn({ applicationId }, "Dokploy is still building; deleting the application anyway");
      return;
    }
    await sleep(deps.config.POLL_INTERVAL);
  }
}

const buildRunning = (app: { applicationStatus?: string; deployments: { status: string | null }[] }) =>
  app.applicationStatus === "running" || app.deployments.some((d) => d.status === "running");

/** Deletes the applications; `stack` (if any) has its stored ids cleared as they go. */
export async function deleteApplications(deps: TeardownPorts, stack: Stack | null, applicationIds: string[]): Promise<Leftover[]> {
  const leftovers: Leftover[] = [];
  for (const applicationId of applicationIds) {
    try {
      await waitForBuildToEnd(deps, applicationId);
      const deleted = await withCleanupRetries(deps, () => deps.client.applicationDelete(applicationId));
      // The answer is the application as read just before the delete: a build running then
      // creates its service after it.
      if (buildRunning(deleted)) deps.onBuildOutlivedDelete?.(deleted.appName);
    } catch (err) {
      if (!gone(err)) {
        leftovers.push({ kind: "application", id: applicationId, error: reason(err) });
        continue;
      }
    }
    if (stack && applicationId === stack.applicationId)
      deps.store.stacks.setResources(stack.id, { applicationId: null, appName: null, domainId: null, mountIds: [] }, now());
  }
  return leftovers;
}

export async function removeProjects(deps: TeardownPorts, stack: Stack | null, projectIds: string[]): Promise<Leftover[]> {
  const leftovers: Leftover[] = [];
  for (const projectId of projectIds) {
    try {
      await withCleanupRetries(deps, () => deps.client.projectRemove(projectId));
    } catch (err) {
      if (!gone(err)) {
        leftovers.push({ kind: "project", id: projectId, error: reason(err) });
        continue;
      }
    }
    if (stack && projectId === stack.projectId) deps.store.stacks.setResources(stack.id, { projectId: null, environmentId: null }, now());
  }
  return leftovers;
}

/** The whole removal. Projects whose applications could not all be deleted are kept. */
export async function removeStackResources(deps: TeardownPorts, stackId: number): Promise<Leftover[]> {
  const stack = deps.store.stacks.existing(stackId);
  let footprint: StackFootprint;
  try {
    footprint = await findFootprint(deps, stack);
  } catch (err) {
    return [{ kind: "project", id: `${deps.config.STACK_PROJECT_PREFIX}${stack.name}`, error: reason(err) }];
  }
  const appLeftovers = await deleteApplications(deps, stack, footprint.applicationIds);
  const projectIds = appLeftovers.length > 0 ? [] : footprint.projectIds;
  const kept =
    appLeftovers.length > 0
      ? footprint.projectIds.map((id) => ({ kind: "project" as const, id, error: "kept: an application in it could not be deleted" }))
      : [];
  const projectLeftovers = await removeProjects(deps, deps.store.stacks.existing(stackId), projectIds);
  return [...footprint.uninspected, ...appLeftovers, ...kept, ...projectLeftovers];
}
