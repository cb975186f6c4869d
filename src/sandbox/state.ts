// The snapshot behind GET /__sandbox/state and Sandbox.state(): every
// resource the sandbox holds, as plain JSON (deep copies, safe to keep).
import type { ApiStats } from "./api.ts";
import type { BackupFile, DestinationRow, VolumeBackupRow } from "./backups.ts";
import type { SandboxContext, SandboxSettings } from "./context.ts";
import type { Fault } from "./faults.ts";
import type { BuildJob } from "./queue.ts";
import type { ApplicationRow, DeploymentRow, DomainRow, EnvironmentRow, MountRow, PortRow, ProjectRow } from "./rows.ts";
import type { ServiceResources, ServiceState, SwarmService, SwarmUpdateConfig, TraefikRouter } from "./stacks.ts";

export interface ServiceView {
  appName: string;
  applicationId: string | null;
  image: string;
  replicas: number;
  state: ServiceState;
  /** Hosts Traefik routes to this service. */
  hosts: string[];
  volumes: string[];
  /** Env as deployed (secrets included: this surface is for tests only). */
  env: Record<string, string>;
  basicAuth: boolean;
  /** Swarm's UpdateConfig the service was last deployed with. */
  updateConfig: SwarmUpdateConfig;
  resources: ServiceResources;
  /** The node of the newest task (null: pending, no node suits it). */
  node: string | null;
  constraints: string[];
  /** The application's healthCheckSwarm as the service got it; null: the image's own check. */
  healthCheck: { Test?: string[] } | null;
  /** Tasks alive now, and the most that were ever alive at once. */
  tasks: number;
  maxTasks: number;
  updates: { at: string; order: string; overlapped: boolean }[];
  createdAt: string;
  updatedAt: string;
  orphaned: { reason: string; at: string } | null;
}

export interface SandboxState {
  organizationId: string;
  settings: SandboxSettings;
  faults: Fault[];
  projects: ProjectRow[];
  environments: EnvironmentRow[];
  applications: ApplicationRow[];
  domains: DomainRow[];
  mounts: MountRow[];
  ports: PortRow[];
  deployments: DeploymentRow[];
  /** Jobs waiting for a worker (no deployment row yet). `stuck` ones will never be picked. */
  queue: BuildJob[];
  /** Jobs a worker is running. */
  building: BuildJob[];
  /** Every swarm service, whatever its state. */
  services: ServiceView[];
  /** Services with replicas > 0 (starting, running or never becoming ready). */
  runningServices: ServiceView[];
  /** Services whose application row is gone (project.remove, or a build that outlived application.delete). */
  orphanedServices: ServiceView[];
  /** Traefik dynamic files: appName -> routers. */
  traefik: Record<string, TraefikRouter[]>;
  /** Traefik's global middlewares.yml as Dokploy would hold it. */
  middlewareFile: string | null;
  /** Named Docker volumes a deploy created (dockerVolume.removeVolume takes them away). */
  volumes: string[];
  /** Swarm nodes, and each node's named volumes with their files. */
  nodes: ReturnType<SandboxContext["cluster"]["snapshot"]>["nodes"];
  nodeVolumes: Record<string, Record<string, Record<string, string>>>;
  volumeBackups: VolumeBackupRow[];
  destinations: DestinationRow[];
  /** Files volume backups put in their destinations. */
  backupFiles: BackupFile[];
  calls: Record<string, number>;
  inFlight: number;
  maxInFlight: number;
  /** The most calls Dokploy worked on at once (dokployWorkers bounds it; capacity.ts). */
  maxWorking: number;
  hangingRequests: number;
}

export function snapshotState(ctx: SandboxContext, faults: Fault[], stats: ApiStats, hangingRequests: number): SandboxState {
  const { db, stacks, queue } = ctx;
  const view = (svc: SwarmService): ServiceView => ({
    appName: svc.appName,
    applicationId: svc.applicationId,
    image: svc.image,
    replicas: svc.replicas,
    state: stacks.state(svc),
    hosts: (stacks.routers.get(svc.appName) ?? []).map((r) => r.host),
    volumes: [...svc.volumes],
    env: { ...svc.env },
    basicAuth: Boolean(svc.env.OPENCODE_SERVER_PASSWORD),
    updateConfig: { ...svc.updateConfig },
    resources: structuredClone(svc.resources),
    node: svc.tasks.at(-1)?.node ?? null,
    constraints: [...svc.constraints],
    healthCheck: svc.healthCheck ? structuredClone(svc.healthCheck) : null,
    tasks: stacks.alive(svc).length,
    maxTasks: svc.maxTasks,
    updates: svc.updates.map((u) => ({ ...u })),
    createdAt: svc.createdAt,
    updatedAt: svc.updatedAt,
    orphaned: svc.orphaned ? { ...svc.orphaned } : null,
  });
  const services = [...stacks.services.values()].map(view);
  return structuredClone({
    organizationId: ctx.organizationId,
    settings: { ...ctx.settings },
    faults,
    projects: [...db.projects.values()],
    environments: [...db.environments.values()],
    applications: [...db.applications.values()],
    domains: [...db.domains.values()],
    mounts: [...db.mounts.values()],
    ports: [...db.ports.values()],
    deployments: [...db.deployments.values()],
    queue: queue.waiting,
    building: [...queue.running.values()],
    services,
    runningServices: services.filter((s) => s.replicas > 0),
    orphanedServices: services.filter((s) => s.orphaned !== null),
    traefik: Object.fromEntries(stacks.routers),
    middlewareFile: stacks.middlewareFile,
    volumes: [...stacks.volumes],
    ...ctx.cluster.snapshot(),
    volumeBackups: [...db.volumeBackups.values()],
    destinations: [...ctx.backups.destinations.values()],
    backupFiles: ctx.backups.files,
    calls: stats.calls,
    inFlight: stats.inFlight,
    maxInFlight: stats.maxInFlight,
    maxWorking: ctx.capacity.maxBusy,
    hangingRequests,
  });
}
