// Row shapes and their defaults (docs/dokploy.md §2). Key order follows the drizzle
// column order, because JSON output order is what a client sees.
import { nanoid, nowIso } from "./ids.ts";

export type ApplicationStatus = "idle" | "running" | "done" | "error";
export type DeploymentStatus = "running" | "done" | "error" | "cancelled";

export interface ProjectRow {
  projectId: string;
  name: string;
  description: string | null;
  createdAt: string;
  organizationId: string;
  env: string;
}

export interface EnvironmentRow {
  environmentId: string;
  name: string;
  description: string | null;
  createdAt: string;
  env: string;
  projectId: string;
  isDefault: boolean;
}

/** The ~95 application columns. Only the ones the sandbox reads are typed. */
export interface ApplicationRow {
  [column: string]: unknown;
  applicationId: string;
  name: string;
  appName: string;
  description: string | null;
  env: string | null;
  sourceType: string;
  username: string | null;
  password: string | null;
  dockerImage: string | null;
  registryUrl: string | null;
  replicas: number;
  applicationStatus: ApplicationStatus;
  createdAt: string;
  environmentId: string;
  serverId: string | null;
}

export interface DomainRow {
  domainId: string;
  host: string;
  https: boolean;
  port: number | null;
  customEntrypoint: string | null;
  path: string | null;
  serviceName: string | null;
  domainType: "application" | "compose" | "preview" | null;
  uniqueConfigKey: number;
  createdAt: string;
  composeId: string | null;
  customCertResolver: string | null;
  applicationId: string | null;
  previewDeploymentId: string | null;
  certificateType: "letsencrypt" | "none" | "custom";
  internalPath: string | null;
  stripPath: boolean;
  middlewares: string[] | null;
  forwardAuthEnabled: boolean;
  enabled: boolean;
}

export interface MountRow {
  mountId: string;
  type: "bind" | "volume" | "file";
  hostPath: string | null;
  volumeName: string | null;
  filePath: string | null;
  content: string | null;
  serviceType: string;
  mountPath: string;
  applicationId: string | null;
  composeId: string | null;
  libsqlId: string | null;
  mariadbId: string | null;
  mongoId: string | null;
  mysqlId: string | null;
  postgresId: string | null;
  redisId: string | null;
}

export interface DeploymentRow {
  deploymentId: string;
  title: string;
  description: string | null;
  status: DeploymentStatus | null;
  logPath: string;
  pid: string | null;
  applicationId: string | null;
  composeId: string | null;
  serverId: string | null;
  isPreviewDeployment: boolean;
  previewDeploymentId: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  errorMessage: string | null;
  scheduleId: string | null;
  backupId: string | null;
  rollbackId: string | null;
  volumeBackupId: string | null;
  buildServerId: string | null;
}

export function buildProject(input: { name: string; description?: string | null; env?: string }, organizationId: string): ProjectRow {
  return {
    projectId: nanoid(),
    name: input.name,
    description: input.description ?? null,
    createdAt: nowIso(),
    organizationId,
    env: input.env ?? "",
  };
}

/** The environment `project.create` always adds (`createProductionEnvironment`). */
export function buildProductionEnvironment(projectId: string): EnvironmentRow {
  return {
    environmentId: nanoid(),
    name: "production",
    description: "Production environment",
    createdAt: nowIso(),
    env: "",
    projectId,
    isDefault: true,
  };
}

export function buildApplication(input: {
  name: string;
  appName: string;
  description?: string | null;
  environmentId: string;
  sourceType?: string;
}): ApplicationRow {
  return {
    applicationId: nanoid(),
    name: input.name,
    appName: input.appName,
    description: input.description ?? null,
    env: null,
    previewEnv: null,
    watchPaths: null,
    previewBuildArgs: null,
    previewBuildSecrets: null,
    previewLabels: null,
    previewWildcard: null,
    previewPort: 3000,
    previewHttps: false,
    previewPath: "/",
    previewCertificateType: "none",
    previewCustomCertResolver: null,
    previewLimit: 3,
    isPreviewDeploymentsActive: false,
    previewRequireCollaboratorPermissions: true,
    rollbackActive: false,
    buildArgs: null,
    buildSecrets: null,
    memoryReservation: null,
    memoryLimit: null,
    cpuReservation: null,
    cpuLimit: null,
    title: null,
    enabled: null,
    subtitle: null,
    command: null,
    args: null,
    icon: null,
    refreshToken: nanoid(),
    sourceType: input.sourceType ?? "github",
    cleanCache: false,
    repository: null,
    owner: null,
    branch: null,
    buildPath: "/",
    triggerType: "push",
    autoDeploy: true,
    gitlabProjectId: null,
    gitlabRepository: null,
    gitlabOwner: null,
    gitlabBranch: null,
    gitlabBuildPath: "/",
    gitlabPathNamespace: null,
    giteaRepository: null,
    giteaOwner: null,
    giteaBranch: null,
    giteaBuildPath: "/",
    bitbucketRepository: null,
    bitbucketRepositorySlug: null,
    bitbucketOwner: null,
    bitbucketBranch: null,
    bitbucketBuildPath: "/",
    username: null,
    password: null,
    dockerImage: null,
    registryUrl: null,
    customGitUrl: null,
    customGitBranch: null,
    customGitBuildPath: null,
    customGitSSHKeyId: null,
    enableSubmodules: false,
    dockerfile: "Dockerfile",
    dockerContextPath: null,
    dockerBuildStage: null,
    dropBuildPath: null,
    healthCheckSwarm: null,
    restartPolicySwarm: null,
    placementSwarm: null,
    updateConfigSwarm: null,
    rollbackConfigSwarm: null,
    modeSwarm: null,
    labelsSwarm: null,
    networkSwarm: null,
    stopGracePeriodSwarm: null,
    endpointSpecSwarm: null,
    ulimitsSwarm: null,
    replicas: 1,
    applicationStatus: "idle",
    buildType: "nixpacks",
    railpackVersion: "0.15.4",
    herokuVersion: "24",
    publishDirectory: null,
    isStaticSpa: null,
    createEnvFile: true,
    createdAt: nowIso(),
    registryId: null,
    rollbackRegistryId: null,
    environmentId: input.environmentId,
    githubId: null,
    gitlabId: null,
    giteaId: null,
    bitbucketId: null,
    serverId: null,
    buildServerId: null,
    buildRegistryId: null,
    networkIds: [],
    detachDokployNetwork: false,
  };
}

export interface DomainInput {
  host: string;
  path?: string | null;
  port?: number | null;
  customEntrypoint?: string | null;
  https?: boolean;
  applicationId?: string | null;
  certificateType?: "letsencrypt" | "none" | "custom";
  customCertResolver?: string | null;
  composeId?: string | null;
  serviceName?: string | null;
  domainType?: "application" | "compose" | "preview" | null;
  previewDeploymentId?: string | null;
  internalPath?: string | null;
  stripPath?: boolean;
  middlewares?: string[] | null;
  forwardAuthEnabled?: boolean;
}

/** Omitted keys take the DB default; an explicit null stays null (drizzle inserts it). */
export function buildDomain(input: DomainInput, uniqueConfigKey: number): DomainRow {
  const pick = <T>(value: T | undefined, fallback: T): T => (value === undefined ? fallback : value);
  return {
    domainId: nanoid(),
    host: input.host,
    https: pick(input.https, false),
    port: pick(input.port, 3000),
    customEntrypoint: pick(input.customEntrypoint, null),
    path: pick(input.path, "/"),
    serviceName: pick(input.serviceName, null),
    domainType: pick(input.domainType, "application"),
    uniqueConfigKey,
    createdAt: nowIso(),
    composeId: pick(input.composeId, null),
    customCertResolver: pick(input.customCertResolver, null),
    applicationId: pick(input.applicationId, null),
    previewDeploymentId: pick(input.previewDeploymentId, null),
    certificateType: pick(input.certificateType, "none"),
    internalPath: pick(input.internalPath, "/"),
    stripPath: pick(input.stripPath, false),
    middlewares: pick(input.middlewares, []),
    forwardAuthEnabled: pick(input.forwardAuthEnabled, false),
    enabled: true,
  };
}

export interface MountInput {
  type: "bind" | "volume" | "file";
  hostPath?: string | null;
  volumeName?: string | null;
  content?: string | null;
  mountPath: string;
  filePath?: string | null;
  serviceType?: string;
  serviceId: string;
}

const SERVICE_FK: Record<string, keyof MountRow> = {
  application: "applicationId",
  compose: "composeId",
  libsql: "libsqlId",
  mariadb: "mariadbId",
  mongo: "mongoId",
  mysql: "mysqlId",
  postgres: "postgresId",
  redis: "redisId",
};

/** The FK column is chosen from serviceType; without it no FK is set (an orphan row). */
export function buildMount(input: MountInput): MountRow {
  const row: MountRow = {
    mountId: nanoid(),
    type: input.type,
    hostPath: input.hostPath ?? null,
    volumeName: input.volumeName ?? null,
    filePath: input.filePath ?? null,
    content: input.content ?? null,
    serviceType: input.serviceType ?? "application",
    mountPath: input.mountPath,
    applicationId: null,
    composeId: null,
    libsqlId: null,
    mariadbId: null,
    mongoId: null,
    mysqlId: null,
    postgresId: null,
    redisId: null,
  };
  const fk = input.serviceType ? SERVICE_FK[input.serviceType] : undefined;
  if (fk) (row as unknown as Record<string, unknown>)[fk] = input.serviceId;
  return row;
}

/** A published port (schema/port.ts): a host or ingress port of the application's service. */
export interface PortRow {
  portId: string;
  publishedPort: number;
  publishMode: "ingress" | "host";
  targetPort: number;
  protocol: "tcp" | "udp";
  applicationId: string;
}

export function buildPort(input: Omit<PortRow, "portId">): PortRow {
  return { portId: nanoid(), ...input };
}

/** Dokploy's log file naming: <base>/logs/<appName>/<appName>-<yyyy-MM-dd:HH:mm:ss>.log */
export function deploymentLogPath(appName: string, at: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  const stamp = `${at.getUTCFullYear()}-${p(at.getUTCMonth() + 1)}-${p(at.getUTCDate())}:${p(at.getUTCHours())}:${p(at.getUTCMinutes())}:${p(at.getUTCSeconds())}`;
  return `/etc/dokploy/logs/${appName}/${appName}-${stamp}.log`;
}

export function buildDeployment(input: { applicationId: string; appName: string; title: string; description: string }): DeploymentRow {
  const now = new Date();
  const iso = now.toISOString();
  return {
    deploymentId: nanoid(),
    title: input.title,
    description: input.description,
    status: "running",
    logPath: deploymentLogPath(input.appName, now),
    pid: null,
    applicationId: input.applicationId,
    composeId: null,
    serverId: null,
    isPreviewDeployment: false,
    previewDeploymentId: null,
    createdAt: iso,
    startedAt: iso,
    finishedAt: null,
    errorMessage: null,
    scheduleId: null,
    backupId: null,
    rollbackId: null,
    volumeBackupId: null,
    buildServerId: null,
  };
}
