// Request schemas reproducing Dokploy's zod inputs (drizzle-zod 0.5.1 rules,
// docs/dokploy.md §1.2 / §3, openapi.json). Coercion quirk: the OpenAPI adapter turns
// on `coerce` for every number/boolean it can unwrap through optional/nullable/
// default, so those use z.coerce ("false" -> true). Fields wrapped by
// `.required()` (nonoptional) are not unwrapped and therefore not coerced.
import { z } from "zod";

const APP_NAME_REGEX = /^[a-zA-Z0-9._-]+$/;
const APP_NAME_MESSAGE = "App name can only contain letters, numbers, dots, underscores and hyphens";
const VALID_HOSTNAME_REGEX = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/;
const INVALID_HOSTNAME_MESSAGE = "Invalid domain name. Use only letters, numbers, hyphens and dots (e.g. example.com). Underscores are not allowed.";

export const SOURCE_TYPES = ["github", "docker", "git", "gitlab", "bitbucket", "gitea", "drop"] as const;
export const SERVICE_TYPES = ["application", "postgres", "mysql", "mariadb", "mongo", "redis", "compose", "libsql"] as const;
const CERTIFICATE_TYPES = ["letsencrypt", "none", "custom"] as const;
const BUILD_TYPES = ["dockerfile", "heroku_buildpacks", "paketo_buildpacks", "nixpacks", "static", "railpack"] as const;
const APPLICATION_STATUSES = ["idle", "running", "done", "error"] as const;

/** A nullable text column: drizzle-zod gives `.nullable().optional()`. */
const nstr = () => z.string().nullable().optional();
const nbool = () => z.coerce.boolean().nullable().optional();
const nnum = () => z.coerce.number().nullable().optional();
const nstrArray = () => z.array(z.string()).nullable().optional();
/** Swarm JSON overrides: accepted as objects/arrays; their strict inner schemas are not reproduced. */
const njson = () =>
  z
    .union([z.record(z.string(), z.unknown()), z.array(z.unknown())])
    .nullable()
    .optional();

// Dokploy's strict Swarm shapes (schema/shared.ts): an unknown key is a 400. The numbers
// are inside JSON objects, which the adapter does not coerce.
const UpdateConfigSwarm = z
  .object({
    Parallelism: z.number(),
    Delay: z.number().optional(),
    FailureAction: z.string().optional(),
    Monitor: z.number().optional(),
    MaxFailureRatio: z.number().optional(),
    Order: z.string(),
  })
  .strict();
const PlacementSwarm = z
  .object({
    Constraints: z.array(z.string()).optional(),
    Preferences: z.array(z.object({ Spread: z.object({ SpreadDescriptor: z.string() }) }).strict()).optional(),
    MaxReplicas: z.number().optional(),
    Platforms: z.array(z.object({ Architecture: z.string(), OS: z.string() }).strict()).optional(),
  })
  .strict();
const HealthCheckSwarm = z
  .object({
    Test: z.array(z.string()).optional(),
    Interval: z.number().optional(),
    Timeout: z.number().optional(),
    StartPeriod: z.number().optional(),
    Retries: z.number().optional(),
  })
  .strict();
const RestartPolicySwarm = z
  .object({
    Condition: z.string().optional(),
    Delay: z.number().optional(),
    MaxAttempts: z.number().optional(),
    Window: z.number().optional(),
  })
  .strict();

export const schemas = {
  projectCreate: z.object({
    name: z.string().min(1),
    description: nstr(),
    env: z.string().optional(),
  }),
  projectId: z.object({ projectId: z.string().min(1) }),
  // apiUpdateProject: the create schema made partial, with a required projectId.
  projectUpdate: z.object({
    projectId: z.string().min(1),
    name: z.string().min(1).optional(),
    description: nstr(),
    env: z.string().optional(),
  }),
  environmentOne: z.object({ environmentId: z.string().min(1) }),
  // environment.byProjectId: required, but without a minimum length.
  environmentByProject: z.object({ projectId: z.string() }),

  applicationCreate: z.object({
    name: z.string().min(1),
    appName: z.string().min(1).max(63).regex(APP_NAME_REGEX, APP_NAME_MESSAGE).optional(),
    description: nstr(),
    environmentId: z.string(),
    serverId: nstr(),
    sourceType: z.enum(SOURCE_TYPES).optional(),
  }),
  applicationId: z.object({ applicationId: z.string().min(1) }),
  // swarm.getNodeApps and friends: an optional remote server.
  serverIdOptional: z.object({ serverId: z.string().optional() }),
  // `.required()`: every key must be present; null is still allowed.
  saveDockerProvider: z
    .object({
      dockerImage: nstr(),
      applicationId: z.string().optional(),
      username: nstr(),
      password: nstr(),
      registryUrl: nstr(),
    })
    .required(),
  saveEnvironment: z
    .object({
      applicationId: z.string().optional(),
      env: nstr(),
      buildArgs: nstr(),
      buildSecrets: nstr(),
      createEnvFile: z.boolean().optional(),
    })
    .required(),
  deploy: z.object({
    applicationId: z.string().min(1),
    title: z.string().optional(),
    description: z.string().optional(),
  }),
  // apiUpdateApplication: the partial insert schema (serverId omitted) plus a required applicationId.
  applicationUpdate: z.object({
    applicationId: z.string().min(1),
    name: z.string().min(1).optional(),
    appName: z.string().min(1).max(63).regex(APP_NAME_REGEX, APP_NAME_MESSAGE).optional(),
    description: nstr(),
    env: nstr(),
    previewEnv: nstr(),
    watchPaths: nstrArray(),
    previewBuildArgs: nstr(),
    previewBuildSecrets: nstr(),
    previewLabels: nstrArray(),
    previewWildcard: nstr(),
    previewPort: nnum(),
    previewHttps: z.coerce.boolean().optional(),
    previewPath: nstr(),
    previewCertificateType: z.enum(CERTIFICATE_TYPES).optional(),
    previewCustomCertResolver: nstr(),
    previewLimit: nnum(),
    isPreviewDeploymentsActive: nbool(),
    previewRequireCollaboratorPermissions: nbool(),
    rollbackActive: nbool(),
    buildArgs: nstr(),
    buildSecrets: nstr(),
    memoryReservation: nstr(),
    memoryLimit: nstr(),
    cpuReservation: nstr(),
    cpuLimit: nstr(),
    title: nstr(),
    enabled: nbool(),
    subtitle: nstr(),
    command: nstr(),
    args: nstrArray(),
    icon: z
      .string()
      .max(2 * 1024 * 1024, "Icon must be less than 2MB")
      .nullable()
      .optional(),
    refreshToken: nstr(),
    sourceType: z.enum(SOURCE_TYPES).optional(),
    cleanCache: nbool(),
    repository: nstr(),
    owner: nstr(),
    branch: nstr(),
    buildPath: nstr(),
    triggerType: z.enum(["push", "tag"]).nullable().optional(),
    autoDeploy: nbool(),
    gitlabProjectId: nnum(),
    gitlabRepository: nstr(),
    gitlabOwner: nstr(),
    gitlabBranch: nstr(),
    gitlabBuildPath: nstr(),
    gitlabPathNamespace: nstr(),
    giteaRepository: nstr(),
    giteaOwner: nstr(),
    giteaBranch: nstr(),
    giteaBuildPath: nstr(),
    bitbucketRepository: nstr(),
    bitbucketRepositorySlug: nstr(),
    bitbucketOwner: nstr(),
    bitbucketBranch: nstr(),
    bitbucketBuildPath: nstr(),
    username: nstr(),
    password: nstr(),
    dockerImage: nstr(),
    registryUrl: nstr(),
    customGitUrl: nstr(),
    customGitBranch: nstr(),
    customGitBuildPath: nstr(),
    customGitSSHKeyId: nstr(),
    enableSubmodules: z.coerce.boolean().optional(),
    dockerfile: nstr(),
    dockerContextPath: nstr(),
    dockerBuildStage: nstr(),
    dropBuildPath: nstr(),
    healthCheckSwarm: HealthCheckSwarm.nullable().optional(),
    restartPolicySwarm: RestartPolicySwarm.nullable().optional(),
    placementSwarm: PlacementSwarm.nullable().optional(),
    updateConfigSwarm: UpdateConfigSwarm.nullable().optional(),
    rollbackConfigSwarm: UpdateConfigSwarm.nullable().optional(),
    modeSwarm: njson(),
    labelsSwarm: njson(),
    networkSwarm: njson(),
    stopGracePeriodSwarm: nnum(),
    endpointSpecSwarm: njson(),
    ulimitsSwarm: njson(),
    replicas: z.coerce.number().optional(),
    applicationStatus: z.enum(APPLICATION_STATUSES).optional(),
    buildType: z.enum(BUILD_TYPES).optional(),
    railpackVersion: nstr(),
    herokuVersion: nstr(),
    publishDirectory: nstr(),
    isStaticSpa: nbool(),
    createEnvFile: z.coerce.boolean().optional(),
    createdAt: z.string().optional(),
    registryId: nstr(),
    rollbackRegistryId: nstr(),
    environmentId: z.string().optional(),
    githubId: nstr(),
    gitlabId: nstr(),
    giteaId: nstr(),
    bitbucketId: nstr(),
    buildServerId: nstr(),
    buildRegistryId: nstr(),
    networkIds: nstrArray(),
    detachDokployNetwork: z.coerce.boolean().optional(),
  }),

  mountCreate: z.object({
    type: z.enum(["bind", "volume", "file"]),
    hostPath: nstr(),
    volumeName: nstr(),
    content: nstr(),
    mountPath: z.string().min(1),
    filePath: nstr(),
    serviceType: z.enum(SERVICE_TYPES).optional(),
    serviceId: z.string().min(1),
  }),
  // mounts.remove: required, no minimum length.
  mountRemove: z.object({ mountId: z.string() }),
  mountList: z.object({ serviceType: z.string().min(1), serviceId: z.string().min(1) }),

  // schema/port.ts apiCreatePort.
  portCreate: z.object({
    publishedPort: z.number(),
    publishMode: z.enum(["ingress", "host"]).default("ingress"),
    targetPort: z.number(),
    protocol: z.enum(["tcp", "udp"]).default("tcp"),
    applicationId: z.string().min(1),
  }),

  // Built from validations/domain.ts `.shape`, so its object-level refinements do not run.
  domainCreate: z.object({
    host: z
      .string()
      .min(1, { message: "Add a hostname" })
      .refine((v) => v === v.trim(), { message: "Domain name cannot have leading or trailing spaces" })
      .refine((v) => VALID_HOSTNAME_REGEX.test(v.trim()), { message: INVALID_HOSTNAME_MESSAGE })
      .transform((v) => v.trim()),
    path: z.string().min(1).nullable().optional(),
    port: z.coerce
      .number()
      .min(1, { message: "Port must be at least 1" })
      .max(65535, { message: "Port must be 65535 or below" })
      .nullable()
      .optional(),
    customEntrypoint: nstr(),
    https: z.coerce.boolean().optional(),
    applicationId: nstr(),
    certificateType: z.enum(CERTIFICATE_TYPES).optional(),
    customCertResolver: nstr(),
    composeId: nstr(),
    serviceName: nstr(),
    domainType: z.enum(["compose", "application", "preview"]).nullable().optional(),
    previewDeploymentId: nstr(),
    internalPath: nstr(),
    stripPath: z.coerce.boolean().optional(),
    middlewares: nstrArray(),
    forwardAuthEnabled: z.coerce.boolean().optional(),
  }),
  domainId: z.object({ domainId: z.string().min(1) }),
  // apiUpdateDomain: the same fields (no owner ids), host required, plus domainId and enabled.
  domainUpdate: z.object({
    domainId: z.string(),
    host: z.string().min(1),
    path: z.string().min(1).nullable().optional(),
    port: z.coerce.number().min(1).max(65535).nullable().optional(),
    customEntrypoint: nstr(),
    https: z.coerce.boolean().optional(),
    certificateType: z.enum(CERTIFICATE_TYPES).optional(),
    customCertResolver: nstr(),
    serviceName: nstr(),
    domainType: z.enum(["compose", "application", "preview"]).nullable().optional(),
    internalPath: nstr(),
    stripPath: z.coerce.boolean().optional(),
    middlewares: nstrArray(),
    forwardAuthEnabled: z.coerce.boolean().optional(),
    enabled: z.coerce.boolean().optional(),
  }),
  // apiTraefikConfig: the file's text, not checked as YAML (Dokploy writes it as given).
  traefikConfig: z.object({ traefikConfig: z.string().min(1) }),

  applicationReadLogs: z.object({
    applicationId: z.string().min(1),
    tail: z.coerce.number().int().min(1).max(10000).default(100),
    since: z
      .string()
      .regex(/^(all|\d+[smhd])$/, "Invalid since format")
      .default("all"),
    search: z
      .string()
      .regex(/^[a-zA-Z0-9 ._-]{0,500}$/)
      .optional(),
  }),

  serviceContainers: z.object({
    appName: z
      .string()
      .min(1)
      .regex(/^[a-zA-Z0-9.\-_]+$/, "Invalid app name."),
    serverId: z.string().optional(),
  }),

  deploymentReadLogs: z.object({
    deploymentId: z.string().min(1),
    tail: z.coerce.number().int().min(1).max(10000).default(100),
  }),
} as const;
