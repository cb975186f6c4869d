/**
 * The end of the soak: wait until every deployment the portal accepted has ended and Dokploy's
 * builds are done, then compare the portal's view with the sandbox's ground truth.
 */

export interface Findings {
  /** Dokploy projects of the portal's naming that no live stack owns. */
  orphanProjects: string[];
  /** Stacks the portal calls ready whose application or running service is gone from Dokploy. */
  lostStacks: string[];
  /** Swarm services whose application is gone. */
  orphanedServices: string[];
  /** Deployments still running when the wait gave up. */
  unfinished: string[];
  stacksByStatus: Record<string, number>;
  /** What the portal's own reconcile said (it should agree). */
  reconcile: { orphanProjects: number; lostStacks: number; orphanServices: number | null; cleanupFailed: number } | null;
}

const LIVE = new Set(["deploying", "ready", "deleting", "cleanup_failed"]);

export async function waitForDeployments(portalUrl: string, ids: Set<string>, timeoutMs: number): Promise<string[]> {
  const pending = new Set(ids);
  const deadline = Date.now() + timeoutMs;
  while (pending.size && Date.now() < deadline) {
    for (const id of [...pending]) {
      try {
        const res = await fetch(`${portalUrl}/api/deployments/${id}`, { signal: AbortSignal.timeout(5_000) });
        const body = (await res.json()) as { status?: string };
        if (res.status === 404 || (body.status && body.status !== "running")) pending.delete(id);
      } catch {
        // Asked again next round.
      }
    }
    if (pending.size) await Bun.sleep(1_000);
  }
  return [...pending];
}

export async function waitForBuilds(sandboxUrl: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const state = (await (await fetch(`${sandboxUrl}/__sandbox/state`)).json()) as { building: unknown[]; queue: { stuck: boolean }[] };
    if (state.building.length === 0 && state.queue.every((j) => j.stuck)) return;
    await Bun.sleep(500);
  }
}

interface SandboxView {
  projects: { projectId: string; name: string }[];
  applications: { applicationId: string; appName: string }[];
  services: { appName: string; state: string; orphaned: unknown }[];
  orphanedServices: { appName: string }[];
}

interface PortalStack {
  name: string;
  status: string;
  applicationId: string | null;
  appName: string | null;
}

export async function audit(portalUrl: string, sandboxUrl: string, adminToken: string, prefix: string): Promise<Findings> {
  const admin = { authorization: `Bearer ${adminToken}` };
  const live = ((await (await fetch(`${portalUrl}/api/stacks`, { headers: admin })).json()) as { stacks: PortalStack[] }).stacks.filter((s) =>
    LIVE.has(s.status),
  );
  const sandbox = (await (await fetch(`${sandboxUrl}/__sandbox/state`)).json()) as SandboxView;
  const liveNames = new Set(live.map((s) => s.name));
  const appIds = new Set(sandbox.applications.map((a) => a.applicationId));
  const running = new Set(sandbox.services.filter((s) => s.state === "running").map((s) => s.appName));

  const metrics = await (await fetch(`${portalUrl}/metrics`)).text();
  const stacksByStatus: Record<string, number> = {};
  for (const m of metrics.matchAll(/^portal_stacks\{status="([a-z_]+)"\} (\d+)/gm)) stacksByStatus[m[1] as string] = Number(m[2]);

  let reconcile: Findings["reconcile"] = null;
  const res = await fetch(`${portalUrl}/api/admin/reconcile`, {
    method: "POST",
    headers: { ...admin, "content-type": "application/json" },
    body: "{}",
  });
  if (res.ok) {
    const r = ((await res.json()) as { report: any }).report;
    reconcile = {
      orphanProjects: r.orphanProjects.length,
      lostStacks: r.lostStacks.length,
      orphanServices: r.orphanServices?.length ?? null,
      cleanupFailed: r.cleanupFailed.length,
    };
  }

  return {
    orphanProjects: sandbox.projects.filter((p) => p.name.startsWith(prefix) && !liveNames.has(p.name.slice(prefix.length))).map((p) => p.name),
    lostStacks: live
      .filter((s) => s.status === "ready" && !(s.applicationId && appIds.has(s.applicationId) && s.appName && running.has(s.appName)))
      .map((s) => s.name),
    orphanedServices: sandbox.orphanedServices.map((s) => s.appName),
    unfinished: [],
    stacksByStatus,
    reconcile,
  };
}
