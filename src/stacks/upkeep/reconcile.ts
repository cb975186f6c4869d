import { z } from "zod";
import { LIVE_STATUSES } from "../../store/stacks.ts";
import { leftover } from "../model/vocabulary.ts";
import { checkName } from "../model/names.ts";
import { findOrphanServices, orphanService } from "./orphan-services.ts";
import { planStack, stackNameOfProject } from "../model/resource-plan.ts";
import { now } from "../runs/saga.ts";

import { type TeardownPorts, deleteApplications, removeProjects, removeStackResources } from "../deploy/teardown.ts";

/**
 * Compares the store with Dokploy. Finds Dokploy projects that follow the portal's naming
 * but belong to no stack we know (orphans), stacks we think exist whose Dokploy resources
 * are gone (lost), and stacks whose cleanup left resources behind. Changes nothing unless
 * asked to apply: then orphans are removed and lost stacks are marked deleted. Swarm
 * services of the portal's naming with no application are reported, never removed: Dokploy's
 * API has no call that could (orphan-services.ts).
 */

export const reconcileReport = z.object({
  at: z.string(),
  applied: z.boolean(),
  orphanProjects: z.array(z.object({ projectId: z.string(), name: z.string(), removed: z.boolean().optional(), error: z.string().optional() })),
  lostStacks: z.array(
    z.object({ name: z.string(), projectId: z.string().nullable(), applicationId: z.string().nullable(), marked: z.boolean().optional() }),
  ),
  cleanupFailed: z.array(z.object({ name: z.string(), leftovers: z.array(leftover) })),
  /** null when Dokploy's service list could not be read (swarm.getNodeApps failed). */
  orphanServices: z.array(orphanService).nullable(),
  /**
   * Volumes of the stacks' prefix on Dokploy's own server that no stack the portal keeps
   * volumes for would mount (a STACK_MOUNTS key since dropped, a hand-made copy, a stack the
   * database forgot). Reported only; null when Dokploy's volume list could not be read.
   */
  orphanVolumes: z.array(z.string()).nullable(),
});
export type ReconcileReport = z.infer<typeof reconcileReport>;

export async function reconcile(deps: TeardownPorts, opts: { apply: boolean }): Promise<ReconcileReport> {
  const { store, client, config } = deps;
  // Read before the projects: see findOrphanServices.
  const services = await client.swarmServices().catch((err) => {
    deps.log.warn({ err: String(err) }, "reconcile: could not list Dokploy's Swarm services");
    return null;
  });
  const projects = await client.projectAll();
  // The warm pool's too: its projects are no orphans, and a pooled stack can be lost like any.
  const stacks = store.stacks.list({ limit: 1_000_000, includePool: true }).filter((s) => LIVE_STATUSES.includes(s.status));
  const byProjectId = new Map(stacks.flatMap((s) => (s.projectId ? [[s.projectId, s] as const] : [])));
  const names = new Set(stacks.map((s) => s.name));
  const report: ReconcileReport = {
    at: now(),
    applied: opts.apply,
    orphanProjects: [],
    lostStacks: [],
    cleanupFailed: [],
    orphanServices: null,
    orphanVolumes: null,
  };

  for (const p of projects) {
    const name = stackNameOfProject(p.name, config.STACK_PROJECT_PREFIX);
    // Only names a stack could have: the portal's own project (ai-stack-deployer-portal,
    // with its name reserved) shares the prefix and must never be taken for an orphan.
    if (name === null || !checkName(name, config.RESERVED_NAMES).valid) continue;
    // A stack still being created may not have stored its project id yet: not an orphan.
    if (byProjectId.has(p.projectId) || names.has(name)) continue;
    report.orphanProjects.push({ projectId: p.projectId, name: p.name });
  }

  const appsByProject = new Map(
    projects.map((p) => [p.projectId, new Set(p.environments.flatMap((e) => e.applications.map((a) => a.applicationId)))]),
  );
  for (const s of stacks) {
    if (s.status !== "ready") continue;
    const apps = s.projectId ? appsByProject.get(s.projectId) : undefined;
    if (apps && s.applicationId && apps.has(s.applicationId)) continue;
    report.lostStacks.push({ name: s.name, projectId: s.projectId, applicationId: s.applicationId });
  }

  for (const s of stacks.filter((s) => s.status === "cleanup_failed")) {
    const latest = store.deployments.latestFor(s.id);
    report.cleanupFailed.push({ name: s.name, leftovers: latest?.leftovers ?? [] });
  }

  if (services) {
    report.orphanServices = await findOrphanServices(deps, services, projects).catch((err) => {
      deps.log.warn({ err: String(err) }, "reconcile: could not check Swarm services");
      return null;
    });
  }

  report.orphanVolumes = await findOrphanVolumes(deps).catch((err) => {
    deps.log.warn({ err: String(err) }, "reconcile: could not list Dokploy's volumes");
    return null;
  });

  if (opts.apply) {
    for (const orphan of report.orphanProjects) {
      const detail = await client.projectOne(orphan.projectId).catch(() => null);
      const apps = detail?.environments.flatMap((e) => e.applications.map((a) => a.applicationId)) ?? [];
      const left = await deleteApplications(deps, null, apps);
      if (left.length === 0) left.push(...(await removeProjects(deps, null, [orphan.projectId])));
      orphan.removed = left.length === 0;
      if (left.length) orphan.error = left.map((l) => l.error).join("; ");
    }
    for (const lost of report.lostStacks) {
      const stack = store.stacks.live(lost.name);
      if (!stack) continue;
      // Remove what is left of it (its project, typically), then let the store agree.
      const left = await removeStackResources(deps, stack.id);
      if (left.length) continue;
      store.stacks.setStatus(stack.id, "deleted", now());
      lost.marked = true;
    }
  }
  return report;
}

/** The volumes of the stacks' prefix that no stack whose volumes are kept would mount. */
async function findOrphanVolumes(deps: TeardownPorts): Promise<string[]> {
  const { config } = deps;
  const kept = new Set(deps.store.stacks.volumeLineages().flatMap((s) => planStack(s, config).volumes.map((v) => v.volumeName)));
  const volumes = await deps.client.dockerVolumes();
  return volumes
    .map((v) => v.Name)
    .filter((name) => name.startsWith(config.STACK_VOLUME_PREFIX) && !kept.has(name))
    .sort();
}

/** Runs reconcile on a schedule (report only) and on demand; keeps the last report. */
export class Reconciler {
  last: ReconcileReport | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private running: Promise<ReconcileReport> | null = null;

  constructor(
    private readonly deps: TeardownPorts,
    private readonly onReport?: (report: ReconcileReport) => void,
  ) {}

  run(apply: boolean): Promise<ReconcileReport> {
    // One at a time: a scheduled run and an admin's apply must not race on the same orphans.
    const start = async () => {
      const report = await reconcile(this.deps, { apply });
      this.last = report;
      this.onReport?.(report);
      const found = report.orphanProjects.length + report.lostStacks.length + report.cleanupFailed.length + (report.orphanServices?.length ?? 0);
      if (found) this.deps.log.warn({ ...report }, apply ? "reconcile applied" : "reconcile found differences");
      return report;
    };
    const next = (this.running ?? Promise.resolve()).catch(() => undefined).then(start);
    this.running = next.finally(() => {
      if (this.running === next) this.running = null;
    });
    return next;
  }

  start(intervalMs: number): void {
    if (intervalMs <= 0) return;
    this.timer = setInterval(() => {
      this.run(false).catch((err) => this.deps.log.warn({ err: String(err) }, "scheduled reconcile failed"));
    }, intervalMs);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
