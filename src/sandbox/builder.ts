// The build worker: what happens to a job once the queue hands it over
// (docs/dokploy.md §4 steps 3-5), including the deploy faults.
import type { SandboxContext } from "./context.ts";
import { resolveServiceEnv } from "./dotenv.ts";
import { nowIso } from "./ids.ts";
import type { BuildJob } from "./queue.ts";
import { buildDeployment, type ApplicationRow, type DeploymentRow, type PortRow } from "./rows.ts";
import { serviceSpec } from "./engine/service-spec.ts";
import type { ServiceResources, SwarmUpdateConfig } from "./stacks.ts";

/** Dokploy keeps the 10 newest deployments before inserting a new one. */
const KEEP_DEPLOYMENTS = 10;
const FAILED_TRAILER = ["", "Error occurred ❌, check the logs for details."];

/** What the worker read at pick-up (`findApplicationById` at the start of the job). */
interface Snapshot {
  app: ApplicationRow;
  projectEnv: string | null;
  environmentEnv: string | null;
  volumes: string[];
  mounts: { volumeName: string; mountPath: string }[];
  ports: PortRow[];
}

type Outcome = { status: "done" } | { status: "error" } | { status: "cancelled" };

export class Builder {
  private active = new Map<string, { deploymentId: string; applicationId: string; timer: ReturnType<typeof setTimeout> }>();

  constructor(
    private readonly ctx: SandboxContext,
    private readonly finished: (jobId: string) => void,
  ) {}

  start(job: BuildJob): void {
    const { db, logs, faults, settings, timers } = this.ctx;
    const app = db.applications.get(job.applicationId);
    if (!app) {
      // Deleted (or cascaded away by project.remove) while waiting: the lookup throws and nothing is written.
      this.ctx.log("sandbox build dropped: application no longer exists", { jobId: job.jobId, appName: job.appName });
      this.finished(job.jobId);
      return;
    }
    app.applicationStatus = "running";
    this.prune(app.applicationId);
    const deployment = buildDeployment({
      applicationId: app.applicationId,
      appName: app.appName,
      title: job.title,
      description: job.description,
    });
    db.deployments.set(deployment.deploymentId, deployment);
    logs.write(deployment.deploymentId, "Initializing deployment\n");

    const env = db.environments.get(app.environmentId);
    const project = env ? db.projects.get(env.projectId) : undefined;
    const mounts = db
      .mountsOf(app.applicationId)
      .flatMap((m) => (m.type === "volume" && m.volumeName ? [{ volumeName: m.volumeName, mountPath: m.mountPath }] : []));
    const snapshot: Snapshot = {
      app: structuredClone(app),
      projectEnv: project?.env ?? null,
      environmentEnv: env?.env ?? null,
      mounts,
      ports: db.portsOf(app.applicationId),
      volumes: mounts.map((m) => m.volumeName),
    };
    const name = { name: app.name, appName: app.appName, dockerImage: app.dockerImage };
    const cancelled = faults.takeDeployFault("deploy_cancelled", name);
    const failed = cancelled ? null : faults.takeDeployFault("deploy_error", name);
    if (job.kind === "deploy" && app.sourceType === "docker" && app.dockerImage) {
      logs.append(deployment.deploymentId, `Pulling ${app.dockerImage}`);
    }
    this.ctx.log("sandbox build started", { appName: app.appName, deploymentId: deployment.deploymentId, kind: job.kind });

    const timer = timers.after(settings.deployDurationMs, () => {
      this.active.delete(job.jobId);
      const finish = (outcome: Outcome) => {
        this.complete(deployment, snapshot.app, outcome);
        this.finished(job.jobId);
      };
      if (cancelled) return finish({ status: "cancelled" });
      if (failed) return finish(this.injectedFailure(deployment, snapshot, failed.message));
      const outcome = this.runBuild(job, deployment, snapshot);
      // On the real engine the build's outcome is the engine's: the pull, then the service.
      if (this.ctx.engine && outcome.status === "done") void this.onEngine(job, deployment, snapshot).then(finish);
      else finish(outcome);
    });
    this.active.set(job.jobId, { deploymentId: deployment.deploymentId, applicationId: app.applicationId, timer });
  }

  /** A Dokploy restart: running deployments become cancelled and their apps idle; jobs are lost. */
  cancelAllRunning(): void {
    for (const [jobId, job] of this.active) {
      this.ctx.timers.cancel(job.timer);
      const dep = this.ctx.db.deployments.get(job.deploymentId);
      if (dep) dep.status = "cancelled";
      const app = this.ctx.db.applications.get(job.applicationId);
      if (app) app.applicationStatus = "idle";
      this.active.delete(jobId);
    }
  }

  clear(): void {
    this.active.clear();
  }

  private prune(applicationId: string): void {
    // Insertion order is creation order, so reversing gives newest first without createdAt ties.
    const rows = this.ctx.db.deploymentsOf(applicationId).reverse();
    for (const old of rows.slice(KEEP_DEPLOYMENTS)) {
      this.ctx.db.deployments.delete(old.deploymentId);
      this.ctx.logs.remove(old.deploymentId);
    }
  }

  private injectedFailure(dep: DeploymentRow, snap: Snapshot, message: string | undefined): Outcome {
    const image = snap.app.dockerImage ?? "<no image>";
    this.ctx.logs.append(
      dep.deploymentId,
      `Error response from daemon: ${message ?? `manifest for ${image} not found: manifest unknown: manifest unknown`}`,
      "❌ Pulling image failed",
      ...FAILED_TRAILER,
    );
    return { status: "error" };
  }

  /** The real build, as far as the sandbox can tell: docker source only; everything else fails. */
  private runBuild(job: BuildJob, dep: DeploymentRow, snap: Snapshot): Outcome {
    const { logs, stacks, faults, settings } = this.ctx;
    const app = snap.app;
    const id = dep.deploymentId;
    if (app.sourceType !== "docker") {
      logs.append(id, `Error: ❌ ${providerName(app.sourceType)} Provider not found`, ...FAILED_TRAILER);
      return { status: "error" };
    }
    if (!app.dockerImage) {
      logs.append(id, "Error: ❌ Docker image not found", ...FAILED_TRAILER);
      return { status: "error" };
    }
    if (this.ctx.engine) {
      // The engine's own pull writes the log (onEngine).
    } else if (job.kind === "deploy") {
      // Registry login happens only when both username and password are set.
      if (app.username && app.password) logs.append(id, "Login Succeeded");
      logs.append(id, `Status: Image is up to date for ${app.dockerImage}`, "✅ Pulling image successfully");
    } else {
      logs.append(id, `Rebuilding ${app.appName} (no pull)`);
    }
    let env: Record<string, string>;
    try {
      env = resolveServiceEnv(app.env, snap.projectEnv, snap.environmentEnv);
    } catch (err) {
      logs.append(id, `Error: ${(err as Error).message}`, ...FAILED_TRAILER);
      return { status: "error" };
    }
    const neverReady = faults.takeDeployFault("stack_never_ready", { name: app.name, appName: app.appName, dockerImage: app.dockerImage }) !== null;
    stacks.deployService({
      appName: app.appName,
      applicationId: app.applicationId,
      image: app.dockerImage,
      env,
      replicas: app.replicas,
      volumes: snap.volumes,
      mounts: snap.mounts,
      updateConfig: (app.updateConfigSwarm as SwarmUpdateConfig | null) ?? undefined,
      resources: calculateResources(app),
      constraints: (app.placementSwarm as { Constraints?: string[] } | null | undefined)?.Constraints ?? [],
      healthCheck: (app.healthCheckSwarm as { Test?: string[] } | null | undefined) ?? null,
      imageHealthCheckMs: settings.imageHealthCheckMs,
      startDelayMs: settings.stackStartMs,
      stopDelayMs: settings.stackStopMs,
      neverReady,
    });
    if (!this.ctx.db.applications.has(app.applicationId)) {
      // The build outlived application.delete/project.remove: the service it just created has no owner.
      stacks.orphan(app.appName, "build finished after its application was deleted");
    }
    if (!this.ctx.engine) logs.append(id, `Starting service ${app.appName}`, "Docker Deployed: ✅");
    return { status: "done" };
  }

  /** Dokploy's deploy on the real engine: `docker pull` (a deploy, not a redeploy), then create or update the service. */
  private async onEngine(job: BuildJob, dep: DeploymentRow, snap: Snapshot): Promise<Outcome> {
    const engine = this.ctx.engine;
    if (!engine || !snap.app.dockerImage) return { status: "error" };
    const log = (...lines: string[]) => this.ctx.logs.append(dep.deploymentId, ...lines);
    try {
      const env = resolveServiceEnv(snap.app.env, snap.projectEnv, snap.environmentEnv);
      const spec = serviceSpec(snap.app, env, snap.mounts, calculateResources(snap.app), snap.ports);
      // A redeploy does not pull: the image must already be on the node, as Dokploy's does.
      const ok = await engine.deploy(snap.app.appName, snap.app.dockerImage, spec, log, job.kind === "deploy");
      if (!ok) {
        log(...FAILED_TRAILER);
        return { status: "error" };
      }
      log(`Starting service ${snap.app.appName}`, "Docker Deployed: ✅");
      return { status: "done" };
    } catch (err) {
      log(`Error: ${err instanceof Error ? err.message : String(err)}`, ...FAILED_TRAILER);
      return { status: "error" };
    }
  }

  private complete(dep: DeploymentRow, app: ApplicationRow, outcome: Outcome): void {
    const { db } = this.ctx;
    const row = db.deployments.get(dep.deploymentId);
    const liveApp = db.applications.get(app.applicationId);
    if (row) {
      row.status = outcome.status;
      // A cancellation is Dokploy's startup sweep: it only flips the status.
      if (outcome.status !== "cancelled") row.finishedAt = nowIso();
    }
    if (liveApp) liveApp.applicationStatus = outcome.status === "cancelled" ? "idle" : outcome.status;
    this.ctx.log("sandbox build finished", { appName: app.appName, deploymentId: dep.deploymentId, status: outcome.status });
  }
}

/** Dokploy's calculateResources: Number.parseInt of each string column, unset when empty. */
export function calculateResources(app: ApplicationRow): ServiceResources {
  const int = (v: unknown) => (typeof v === "string" && v ? Number.parseInt(v, 10) : undefined);
  return {
    Limits: { MemoryBytes: int(app.memoryLimit), NanoCPUs: int(app.cpuLimit) },
    Reservations: { MemoryBytes: int(app.memoryReservation), NanoCPUs: int(app.cpuReservation) },
  };
}

function providerName(sourceType: string): string {
  const names: Record<string, string> = { github: "Github", gitlab: "Gitlab", bitbucket: "Bitbucket", gitea: "Gitea", git: "Git", drop: "Drop" };
  return names[sourceType] ?? sourceType;
}
