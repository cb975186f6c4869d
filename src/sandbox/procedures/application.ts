import type { SandboxContext } from "../context.ts";
import { ProcError } from "../errors.ts";
import { buildAppName } from "../ids.ts";
import { buildApplication, type ApplicationRow } from "../rows.ts";
import { schemas } from "../validation.ts";
import { mutation, query, type Procedure } from "./define.ts";
import { failedUpdateMessage } from "./pg.ts";
import { applicationWithRelations } from "./views.ts";
import { containerLogs } from "../logs.ts";

function findApplication(ctx: SandboxContext, applicationId: string): ApplicationRow {
  const app = ctx.db.applications.get(applicationId);
  if (!app) throw new ProcError("NOT_FOUND", "Application not found");
  return app;
}

/** deploy and redeploy: check the app, queue a job, fall off the end (empty 200 body). */
function enqueue(
  ctx: SandboxContext,
  kind: "deploy" | "redeploy",
  input: { applicationId: string; title?: string; description?: string },
): undefined {
  const app = findApplication(ctx, input.applicationId);
  const stuck = ctx.faults.takeDeployFault("deploy_never_picked", { name: app.name, appName: app.appName }) !== null;
  ctx.queue.enqueue({
    applicationId: app.applicationId,
    appName: app.appName,
    kind,
    title: input.title || (kind === "deploy" ? "Manual deployment" : "Rebuild deployment"),
    description: input.description || "",
    stuck,
  });
  return undefined;
}

export const applicationProcedures: Procedure[] = [
  mutation("application.create", schemas.applicationCreate, (ctx, input) => {
    const env = ctx.db.environments.get(input.environmentId);
    if (!env) throw new ProcError("NOT_FOUND", "Environment not found");
    if (!ctx.db.projects.has(env.projectId)) throw new ProcError("NOT_FOUND", "Project not found");
    const appName = buildAppName(input.appName);
    // The final (suffixed) appName is checked across services; a clash is practically impossible.
    if ([...ctx.db.applications.values()].some((a) => a.appName === appName)) {
      throw new ProcError("CONFLICT", "Application with this 'AppName' already exists");
    }
    // The sandbox has no remote servers, so any serverId fails the FK; the router turns that into a generic 400.
    if (input.serverId !== undefined && input.serverId !== null) throw new ProcError("BAD_REQUEST", "Error creating the application");
    const app = buildApplication({
      name: input.name,
      appName,
      description: input.description,
      environmentId: env.environmentId,
      sourceType: input.sourceType,
    });
    ctx.db.applications.set(app.applicationId, app);
    return app;
  }),

  query("application.one", schemas.applicationId, (ctx, input) => {
    const app = findApplication(ctx, input.applicationId);
    return { ...applicationWithRelations(ctx, app), hasGitProviderAccess: true, unauthorizedProvider: null };
  }),

  mutation("application.saveDockerProvider", schemas.saveDockerProvider, (ctx, input) => {
    const app = findApplication(ctx, input.applicationId ?? "");
    // Switching to docker source also resets the status, even mid-deploy.
    Object.assign(app, {
      dockerImage: input.dockerImage,
      username: input.username,
      password: input.password,
      registryUrl: input.registryUrl,
      sourceType: "docker",
      applicationStatus: "idle",
    });
    return true;
  }),

  mutation("application.saveEnvironment", schemas.saveEnvironment, (ctx, input) => {
    const app = findApplication(ctx, input.applicationId ?? "");
    // Stored now, applied at the next deploy.
    Object.assign(app, {
      env: input.env,
      buildArgs: input.buildArgs,
      buildSecrets: input.buildSecrets,
      createEnvFile: input.createEnvFile,
    });
    return true;
  }),

  mutation("application.update", schemas.applicationUpdate, (ctx, input) => {
    // updateApplication silently drops appName: it is immutable.
    const { applicationId, appName: _ignored, ...rest } = input;
    const app = ctx.db.applications.get(applicationId);
    if (!app) throw new ProcError("BAD_REQUEST", "Error updating application");
    const set = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
    if (typeof set.environmentId === "string" && !ctx.db.environments.has(set.environmentId)) {
      // An FK violation is not a TRPCError: it surfaces as a 500 with the raw query text.
      throw new Error(failedUpdateMessage("application", set, "applicationId", applicationId));
    }
    Object.assign(app, set);
    return true;
  }),

  mutation("application.deploy", schemas.deploy, (ctx, input) => enqueue(ctx, "deploy", input)),
  mutation("application.redeploy", schemas.deploy, (ctx, input) => enqueue(ctx, "redeploy", input)),

  mutation("application.stop", schemas.applicationId, async (ctx, input, signal) => {
    const app = findApplication(ctx, input.applicationId);
    // The answer is read before the change, so its applicationStatus is stale.
    const before = applicationWithRelations(ctx, app);
    // `docker service scale =0` without --detach: answered once the task is gone. Its errors are swallowed here.
    ctx.stacks.scale(app.appName, 0, 0, ctx.settings.stackStopMs);
    if (ctx.engine) {
      if (await ctx.engine.scale(app.appName, 0).catch(() => false)) await ctx.engine.scaled(app.appName, 0, ctx.settings.scaleSettleMs, signal);
    } else await ctx.stacks.scaled(app.appName, 0, ctx.settings.scaleSettleMs, signal);
    app.applicationStatus = "idle";
    return before;
  }),

  mutation("application.start", schemas.applicationId, async (ctx, input, signal) => {
    const app = findApplication(ctx, input.applicationId);
    const before = applicationWithRelations(ctx, app);
    const known = ctx.stacks.scale(app.appName, 1, ctx.settings.stackStartMs, ctx.settings.stackStopMs);
    if (ctx.engine ? !(await ctx.engine.scale(app.appName, 1)) : !known) {
      // Not swallowed on start: a plain Error, hence a 500 carrying the shell output.
      throw new Error(`Command execution failed: Command failed: docker service scale ${app.appName}=1 \nError: No such service: ${app.appName}\n`);
    }
    // Answered once the new task runs: one that no node suits keeps the answer back.
    if (ctx.engine) await ctx.engine.scaled(app.appName, 1, ctx.settings.scaleSettleMs, signal);
    else await ctx.stacks.scaled(app.appName, 1, ctx.settings.scaleSettleMs, signal);
    app.applicationStatus = "done";
    return before;
  }),

  query("application.readLogs", schemas.applicationReadLogs, async (ctx, input) => {
    const app = findApplication(ctx, input.applicationId);
    const output = ctx.engine ? await ctx.engine.logs(app.appName) : (ctx.stacks.services.get(app.appName)?.output ?? null);
    // getContainerLogs: neither a container nor a service -> a plain Error, hence 500.
    if (!output) throw new Error(`No container or service found for: ${app.appName}`);
    return containerLogs(output, input);
  }),

  mutation("application.cleanQueues", schemas.applicationId, (ctx, input) => {
    // cleanQueuesByApplication: drops waiting jobs only; a build a worker runs goes on. No lookup of
    // the application, and nothing returned (an empty 200 body).
    ctx.queue.dropWaitingFor(input.applicationId);
    return undefined;
  }),

  mutation("application.delete", schemas.applicationId, (ctx, input) => {
    const app = findApplication(ctx, input.applicationId);
    const before = applicationWithRelations(ctx, app);
    const removed = ctx.db.deleteApplication(app.applicationId);
    for (const id of removed?.deploymentIds ?? []) ctx.logs.remove(id);
    ctx.queue.dropWaitingFor(app.applicationId);
    // Best-effort cleanup: Traefik file and swarm service go; named volumes stay.
    ctx.stacks.removeRouterFile(app.appName);
    ctx.stacks.removeService(app.appName);
    return before;
  }),
];
