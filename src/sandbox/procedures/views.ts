// Response projections built from rows: the relational query shapes of
// findApplicationById, findProjectById, findEnvironmentById and friends.
import type { SandboxContext } from "../context.ts";
import type { ApplicationRow, EnvironmentRow, ProjectRow } from "../rows.ts";

const EMPTY_SERVICE_LISTS = () => ({ mariadb: [], mongo: [], mysql: [], postgres: [], redis: [], compose: [], libsql: [] });

/** findApplicationById: the row plus every relation (the sandbox has no registries, servers, git providers). */
export function applicationWithRelations(ctx: SandboxContext, app: ApplicationRow): Record<string, unknown> {
  const env = ctx.db.environments.get(app.environmentId);
  const project = env ? ctx.db.projects.get(env.projectId) : undefined;
  return structuredClone({
    ...app,
    environment: env ? { ...env, project: project ?? null } : null,
    domains: ctx.db.domainsOf(app.applicationId),
    deployments: ctx.db.deploymentsOf(app.applicationId),
    mounts: ctx.db.mountsOf(app.applicationId),
    redirects: [],
    security: [],
    ports: ctx.db.portsOf(app.applicationId),
    registry: null,
    buildRegistry: null,
    gitlab: null,
    github: null,
    bitbucket: null,
    gitea: null,
    server: null,
    previewDeployments: [],
    rollbackRegistry: null,
  });
}

/** project.all: a thin projection per environment, applications without appName. */
export function projectListItem(ctx: SandboxContext, project: ProjectRow): Record<string, unknown> {
  return structuredClone({
    ...project,
    environments: ctx.db.environmentsOf(project.projectId).map((env) => ({
      name: env.name,
      environmentId: env.environmentId,
      isDefault: env.isDefault,
      applications: ctx.db.applicationsOf(env.environmentId).map((a) => ({
        applicationId: a.applicationId,
        name: a.name,
        applicationStatus: a.applicationStatus,
      })),
      ...EMPTY_SERVICE_LISTS(),
    })),
    projectTags: [],
  });
}

/** The application summary that project.one and environment.byProjectId nest. */
function applicationSummary(a: ApplicationRow): Record<string, unknown> {
  return {
    name: a.name,
    description: a.description,
    appName: a.appName,
    createdAt: a.createdAt,
    serverId: a.serverId,
    applicationStatus: a.applicationStatus,
    applicationId: a.applicationId,
    icon: a.icon ?? null,
    server: null,
  };
}

/** project.one: full environment rows with service summaries. */
export function projectDetail(ctx: SandboxContext, project: ProjectRow): Record<string, unknown> {
  return structuredClone({
    ...project,
    environments: ctx.db.environmentsOf(project.projectId).map((env) => ({
      ...env,
      applications: ctx.db.applicationsOf(env.environmentId).map(applicationSummary),
      ...EMPTY_SERVICE_LISTS(),
    })),
    projectTags: [],
  });
}

/** environment.one: selected columns (no createdAt), applications without appName, then the project. */
export function environmentDetail(ctx: SandboxContext, env: EnvironmentRow): Record<string, unknown> {
  return structuredClone({
    name: env.name,
    description: env.description,
    environmentId: env.environmentId,
    isDefault: env.isDefault,
    projectId: env.projectId,
    env: env.env,
    applications: ctx.db.applicationsOf(env.environmentId).map((a) => ({
      name: a.name,
      applicationId: a.applicationId,
      createdAt: a.createdAt,
      applicationStatus: a.applicationStatus,
      description: a.description,
      serverId: a.serverId,
      icon: a.icon ?? null,
      server: null,
    })),
    ...EMPTY_SERVICE_LISTS(),
    project: ctx.db.projects.get(env.projectId) ?? null,
  });
}

/** environment.byProjectId: no env/projectId/createdAt columns; applications with appName. */
export function environmentByProjectItem(ctx: SandboxContext, env: EnvironmentRow): Record<string, unknown> {
  return structuredClone({
    name: env.name,
    description: env.description,
    environmentId: env.environmentId,
    isDefault: env.isDefault,
    applications: ctx.db.applicationsOf(env.environmentId).map(applicationSummary),
    ...EMPTY_SERVICE_LISTS(),
    project: ctx.db.projects.get(env.projectId) ?? null,
  });
}
