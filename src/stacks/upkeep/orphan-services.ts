import { z } from "zod";
import type { SwarmService } from "../../dokploy/schemas.ts";
import { sleep } from "../runs/saga.ts";
import type { Ports } from "../runs/ports.ts";

/**
 * Swarm services of the portal's naming with no application behind them. Dokploy creates a
 * stack's service when its build ends; a build already running when `application.delete` came
 * creates it afterwards, and then nothing in Dokploy points at it any more.
 *
 * Dokploy v0.30 has no API call that removes such a service: `application.delete` removes the
 * service named by the deleted application's appName, and every update procedure drops appName
 * (`updateApplication` destructures it away), so no application can be pointed at an orphan.
 * They are therefore reported, and the teardown avoids making them (teardown.ts).
 */

export const orphanService = z.object({
  name: z.string(),
  image: z.string(),
  /** Docker's "running/desired". */
  replicas: z.string(),
  /** What an operator runs, since Dokploy's API cannot do it. */
  remedy: z.string(),
});
export type OrphanService = z.infer<typeof orphanService>;

type ProjectSummary = { projectId: string; environments: { applications: { applicationId: string }[] }[] };

/**
 * `before` is a service list read before `projects`: a service in it was created before the
 * projects were listed, so if its application lived then, it is among them. A second read
 * after the lookup leaves out services that a delete running meanwhile removed.
 */
export async function findOrphanServices(
  deps: Pick<Ports, "client" | "store" | "config">,
  before: SwarmService[],
  projects: ProjectSummary[],
): Promise<OrphanService[]> {
  const prefix = deps.config.STACK_PROJECT_PREFIX;
  const ours = before.filter((s) => s.Name.startsWith(prefix));
  if (ours.length === 0) return [];
  const liveIds = new Set(projects.flatMap((p) => p.environments.flatMap((e) => e.applications.map((a) => a.applicationId))));
  // The store knows most appNames; Dokploy's project list does not carry them.
  const live = new Set<string>();
  const knownIds = new Set<string>();
  for (const s of deps.store.stacks.knownApplications()) {
    knownIds.add(s.applicationId);
    if (liveIds.has(s.applicationId)) live.add(s.appName);
  }
  let candidates = ours.filter((s) => !live.has(s.Name));
  if (candidates.length === 0) return [];
  // Applications the store does not know (made outside the portal, or before a crash was recorded).
  for (const p of projects) {
    const ids = p.environments.flatMap((e) => e.applications.map((a) => a.applicationId));
    if (ids.every((id) => knownIds.has(id))) continue;
    const detail = await deps.client.projectOne(p.projectId).catch(() => null);
    if (!detail) {
      // Cannot tell which appNames live there: claim nothing rather than a live service.
      return [];
    }
    for (const env of detail.environments) for (const app of env.applications) if (app.appName) live.add(app.appName);
  }
  candidates = candidates.filter((s) => !live.has(s.Name));
  if (candidates.length === 0) return [];
  const after = new Set((await deps.client.swarmServices()).map((s) => s.Name));
  return candidates
    .filter((s) => after.has(s.Name))
    .map((s) => ({ name: s.Name, image: s.Image, replicas: s.Replicas, remedy: `docker service rm ${s.Name}` }));
}

/**
 * After a teardown whose application.delete found a build still running: watch Dokploy's
 * service list until that build's service shows up (then tell someone) or could no longer.
 */
export class OrphanServiceWatch {
  private readonly watching = new Map<string, number>();
  private loop: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly deps: Pick<Ports, "client" | "log" | "config">,
    private readonly onFound: (appName: string) => void,
    private readonly intervalMs = Math.max(2_000, deps.config.POLL_INTERVAL),
  ) {}

  expect(appName: string): void {
    this.deps.log.warn({ appName }, "a build was still running when its application was deleted; watching for an orphaned service");
    this.watching.set(appName, Date.now() + this.deps.config.DEPLOY_TIMEOUT);
    this.loop ??= this.run().finally(() => {
      this.loop = null;
    });
  }

  get pending(): string[] {
    return [...this.watching.keys()];
  }

  stop(): void {
    this.stopped = true;
  }

  private async run(): Promise<void> {
    while (this.watching.size > 0 && !this.stopped) {
      await sleep(this.intervalMs);
      if (this.stopped) return;
      let names: Set<string>;
      try {
        names = new Set((await this.deps.client.swarmServices()).map((s) => s.Name));
      } catch {
        continue;
      }
      for (const [appName, deadline] of this.watching) {
        if (names.has(appName)) {
          this.watching.delete(appName);
          this.deps.log.error({ appName, remedy: `docker service rm ${appName}` }, "orphaned Swarm service: its build outlived the delete");
          this.onFound(appName);
        } else if (Date.now() > deadline) this.watching.delete(appName);
      }
    }
  }
}
