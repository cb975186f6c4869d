import { ProcError } from "../errors.ts";
import { buildProductionEnvironment, buildProject } from "../rows.ts";
import { schemas } from "../validation.ts";
import { errorMessage, mutation, query, queryNoInput, type Procedure } from "./define.ts";
import { projectDetail, projectListItem } from "./views.ts";

export const projectProcedures: Procedure[] = [
  mutation("project.create", schemas.projectCreate, (ctx, input) => {
    try {
      const project = buildProject(input, ctx.organizationId);
      const environment = buildProductionEnvironment(project.projectId);
      ctx.db.projects.set(project.projectId, project);
      ctx.db.environments.set(environment.environmentId, environment);
      return { project, environment };
    } catch (err) {
      // routers/project.ts rewraps every failure, permission errors included, as 400.
      throw new ProcError("BAD_REQUEST", `Error creating the project: ${errorMessage(err)}`);
    }
  }),

  query("project.one", schemas.projectId, (ctx, input) => {
    const project = ctx.db.projects.get(input.projectId);
    if (!project) throw new ProcError("NOT_FOUND", "Project not found");
    return projectDetail(ctx, project);
  }),

  // routers/project.ts update: findProjectById's NOT_FOUND first, then the row as updated (no rewrap).
  mutation("project.update", schemas.projectUpdate, (ctx, input) => {
    const project = ctx.db.projects.get(input.projectId);
    if (!project) throw new ProcError("NOT_FOUND", "Project not found");
    const { projectId: _, ...changes } = input;
    Object.assign(project, Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)));
    return project;
  }),

  queryNoInput("project.all", (ctx) => [...ctx.db.projects.values()].reverse().map((p) => projectListItem(ctx, p))),

  mutation("project.remove", schemas.projectId, (ctx, input) => {
    const removed = ctx.db.deleteProject(input.projectId);
    if (!removed) throw new ProcError("NOT_FOUND", "Project not found");
    // Only the DB cascades: services, Traefik files, volumes and queued jobs stay behind.
    // (The log files stay on disk too, but nothing can read them any more.)
    for (const id of removed.deploymentIds) ctx.logs.remove(id);
    for (const app of removed.applications) ctx.stacks.orphan(app.appName, "project.remove cascaded its application");
    return removed.project;
  }),
];
