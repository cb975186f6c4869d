import { z } from "zod";

/**
 * Zod schemas of the Dokploy responses we read (docs/dokploy.md §2-3). Only the fields the
 * portal uses are declared; z.object strips the rest, which keeps secrets that Dokploy
 * returns (env values, registry passwords) from travelling further than the parser.
 */

const id = z.string().min(1);
const isoTime = z.string().nullable().optional();

export const applicationStatus = z.enum(["idle", "running", "done", "error"]);
export const deploymentStatus = z.enum(["running", "done", "error", "cancelled"]);

export const projectCreated = z.object({
  project: z.object({ projectId: id, name: z.string() }),
  environment: z.object({ environmentId: id, name: z.string() }),
});

const applicationSummary = z.object({ applicationId: id, name: z.string() });

export const projectListItem = z.object({
  projectId: id,
  name: z.string(),
  createdAt: isoTime,
  environments: z.array(z.object({ environmentId: id, name: z.string(), applications: z.array(applicationSummary).default([]) })).default([]),
});
export const projectList = z.array(projectListItem);

export const projectDetail = z.object({
  projectId: id,
  name: z.string(),
  environments: z
    .array(
      z.object({
        environmentId: id,
        name: z.string(),
        applications: z.array(applicationSummary.extend({ appName: z.string().optional() })).default([]),
      }),
    )
    .default([]),
});

export const projectRow = z.object({ projectId: id, name: z.string() });

export const environmentDetail = z.object({
  environmentId: id,
  name: z.string(),
  projectId: id,
  applications: z.array(applicationSummary).default([]),
});

export const applicationRow = z.object({
  applicationId: id,
  name: z.string(),
  appName: z.string().min(1),
  applicationStatus: applicationStatus,
});
export type ApplicationRow = z.infer<typeof applicationRow>;

export const domainRow = z.object({
  domainId: id,
  host: z.string(),
  applicationId: z.string().nullable().optional(),
  /** Traefik middlewares the domain's router lists (names from the file provider). */
  middlewares: z.array(z.string()).nullable().optional(),
});
export type DomainRow = z.infer<typeof domainRow>;

export const mountRow = z.object({
  mountId: id,
  type: z.string(),
  volumeName: z.string().nullable(),
  mountPath: z.string(),
});
export type MountRow = z.infer<typeof mountRow>;

export const portRow = z.object({
  portId: id,
  publishedPort: z.number(),
  publishMode: z.enum(["ingress", "host"]),
  targetPort: z.number(),
  protocol: z.string(),
});
export type PortRow = z.infer<typeof portRow>;

export const deploymentRow = z.object({
  deploymentId: id,
  title: z.string().nullable().optional(),
  status: deploymentStatus.nullable(),
  createdAt: z.string(),
  startedAt: isoTime,
  finishedAt: isoTime,
  errorMessage: z.string().nullable().optional(),
});
export type DeploymentRow = z.infer<typeof deploymentRow>;

export const applicationDetail = applicationRow.extend({
  environmentId: id,
  deployments: z.array(z.object({ status: deploymentStatus.nullable() })).default([]),
  domains: z.array(domainRow).default([]),
  mounts: z.array(mountRow).default([]),
  ports: z.array(portRow).default([]),
});

/** What the stack page shows of an application: image, limits and update order. */
export const applicationSettings = applicationDetail.extend({
  dockerImage: z.string().nullable().optional(),
  memoryLimit: z.string().nullable().optional(),
  memoryReservation: z.string().nullable().optional(),
  cpuLimit: z.string().nullable().optional(),
  cpuReservation: z.string().nullable().optional(),
  replicas: z.number().optional(),
  updateConfigSwarm: z.object({ Order: z.string().optional() }).passthrough().nullable().optional(),
  placementSwarm: z
    .object({ Constraints: z.array(z.string()).optional() })
    .passthrough()
    .nullable()
    .optional(),
  healthCheckSwarm: z
    .object({ Test: z.array(z.string()).optional() })
    .passthrough()
    .nullable()
    .optional(),
});
export type ApplicationSettings = z.infer<typeof applicationSettings>;

/** Only the environment of application.one (it holds the stack's password). */
export const applicationEnv = z.object({ env: z.string().nullable().optional() });

/** A row of docker.getServiceContainersByAppName (`docker service ps`, parsed by Dokploy). */
export const serviceTask = z.object({
  containerId: z.string(),
  name: z.string(),
  /** The desired state, lowercased: running or shutdown. */
  state: z.string(),
  /** "Running 5 seconds ago", "Shutdown 2 seconds ago", "Preparing ...". */
  currentState: z.string().default(""),
  /** The hostname of the Swarm node the task was given ("" while pending). */
  node: z.string().default(""),
  error: z.string().default(""),
});
export type ServiceTask = z.infer<typeof serviceTask>;

/**
 * application.delete answers with the application as read just before the delete, relations
 * included: its status and deployments tell whether a build was running at that moment.
 */
export const deletedApplication = z.object({
  applicationId: id,
  appName: z.string(),
  applicationStatus: applicationStatus.optional(),
  deployments: z.array(z.object({ status: deploymentStatus.nullable() })).default([]),
});

/** One line of `docker service ls --format '{{json .}}'`, as swarm.getNodeApps passes it on. */
export const swarmService = z.object({
  ID: z.string(),
  Name: z.string().min(1),
  Image: z.string().default(""),
  Mode: z.string().default(""),
  Replicas: z.string().default(""),
});
export type SwarmService = z.infer<typeof swarmService>;
export const swarmServiceList = z.array(swarmService);
export const saved = z.boolean();
export const logText = z.string();
export const version = z.string();

/** The tRPC error body (docs/dokploy.md §1.4 b). The wrapper's 401 has only `message`. */
export const errorBody = z.object({
  message: z.string().optional(),
  code: z.string().optional(),
  data: z.object({ code: z.string().optional(), httpStatus: z.number().optional() }).optional(),
});

/** settings.readMiddlewareTraefikConfig: the text of Traefik's middlewares.yml, or null without one. */
export const middlewareFile = z.string().nullable();
/** settings.updateMiddlewareTraefikConfig (and Dokploy's other plain mutations) answer `true`. */
export const done = z.literal(true);

/** dockerVolume.getVolumes: `docker volume ls --format '{{json .}}'` on Dokploy's own server, one object a volume. */
export const dockerVolumeList = z.array(z.object({ Name: z.string() }).passthrough());
