import { waitDokployDeploy, waitHealthy } from "../runs/waits.ts";
import { planStack, type StackPlan } from "../model/resource-plan.ts";
import { removeStackResources } from "./teardown.ts";
import { applicationSettings, dockerProvider } from "../model/swarm-settings.ts";
import { currentFleetImage } from "../rollout/fleet-image.ts";
import { SagaError, now, runStep, toDeploymentError } from "../runs/saga.ts";
import type { Ports } from "../runs/ports.ts";
import { DokployError } from "../../dokploy/errors.ts";
import type { Deployment, Leftover, Stack, StepId } from "../model/vocabulary.ts";
import { LOG_TAIL_LINES } from "../model/deployment-report.ts";
import { cleanupReportOf } from "../model/rollback-report.ts";
import { scrubLogTail } from "../operations/log-scrub.ts";
import { ensureBackups, removeBackups } from "../backups/backups.ts";
import { SSO_MIDDLEWARE } from "../sso/middleware-file.ts";
import { announceEnd, endRun, storeEnd } from "../runs/run-end.ts";
import { stackEnv } from "../keys/stack-env.ts";

/**
 * The deploy saga (the README's "Deploy steps"). Every Dokploy id is stored the
 * moment it is returned; on any failure, timeout or cancel the compensations run and the
 * deployment ends failed with a stable code, reporting anything that could not be removed.
 *
 * The warm pool (stacks/pool/) runs it too: a `warm` run makes a stack without a domain or
 * backups, ready once it answers on Dokploy's network; a deploy that took a pooled stack
 * (`claim`) gives it its owner's name, domain and backups, then waits for its public address.
 */

export interface ProvisionInput {
  deployment: Deployment;
  stack: Stack;
  /** Only in memory: it goes to Dokploy's environment for the application and nowhere else. */
  password?: string;
  /** Resume after a portal restart from this step (only the waits can be resumed). */
  resumeFrom?: Extract<StepId, "wait_running" | "wait_healthy">;
  /** The portal restarted in a step that cannot be resumed: roll back what exists. */
  interrupted?: boolean;
  signal: AbortSignal;
}

export async function provision(deps: Ports, input: ProvisionInput): Promise<void> {
  const { deployment, signal } = input;
  const id = deployment.id;
  const kind = deployment.kind;
  const warm = kind === "warm";
  const claim = deployment.fromPool;
  const plan = planStack(input.stack, deps.config);
  const step = <T>(s: StepId, fn: () => Promise<T>, msg?: (r: T) => string | undefined) => runStep(deps, id, kind, s, fn, msg);
  try {
    if (input.interrupted) throw new SagaError("interrupted", "The portal restarted during the deploy");
    if (!input.resumeFrom) {
      if (!input.password) throw new Error("a new deploy needs its password");
      if (claim) await nameClaimedStack(deps, input.stack, plan, input.password, id, signal);
      else await createResources(deps, input.stack, plan, input.password, id, signal, { pooled: warm });
    }
    const stack = deps.store.stacks.existing(input.stack.id);
    if (!stack.applicationId || !stack.appName) throw new SagaError("interrupted", "The stack has no application to wait for");
    const applicationId = stack.applicationId;
    const appName = stack.appName;

    // After a restart Dokploy may have lost the application: fail now instead of waiting out the deadline.
    const resumed = async () => {
      if (input.resumeFrom) await ensureApplicationExists(deps, applicationId, signal);
    };
    // A claimed stack runs already: only its new address is waited for.
    if (input.resumeFrom !== "wait_healthy" && !claim)
      await step("wait_running", async () => {
        await resumed();
        await waitRunning(deps, id, applicationId, signal, input.password);
      });

    await step(
      "wait_healthy",
      async () => {
        if (input.resumeFrom === "wait_healthy") await resumed();
        // A resumed wait keeps its first deadline, with one last probe if that has passed.
        const left = deadlineOf(deps, id, "wait_healthy", deps.config.HEALTH_TIMEOUT) - Date.now();
        // A task Swarm cannot place ends the wait at once (placement/swarm-scheduling.ts), then the rollback runs.
        const timeout = Math.max(left, Math.min(deps.config.PROBE_ATTEMPT_TIMEOUT, deps.config.HEALTH_TIMEOUT));
        return waitHealthy(deps, stack, appName, signal, timeout, claim);
      },
      (r) => (r.trusted === false ? "The stack answers; its HTTPS certificate is not trusted yet" : undefined),
    );

    // The stack and its outcome are stored by the step itself: a restart after it finds the run ended.
    const done = await step("ready", async () =>
      storeEnd(deps, id, { status: "ready", ...(warm ? {} : { url: plan.url }) }, () => {
        deps.store.stacks.setStatus(input.stack.id, "ready", now());
        deps.store.images.set(input.stack.id, deps.store.images.forDeployment(id) ?? currentFleetImage(deps).current, false, now());
        if (warm) deps.store.pool.markReady(input.stack.id, now());
      }),
    );
    announceEnd(deps, id, done);
    deps.log.info({ deploymentId: id, stack: plan.name, ...(warm ? { pool: true } : claim ? { claimed: true } : {}) }, "stack ready");
  } catch (err) {
    await rollback(deps, input, toDeploymentError(err, signal));
  }
}

/** Until Dokploy's deployment of the application is done; its failure fails the saga, its log kept. */
function waitRunning(deps: Ports, id: string, applicationId: string, signal: AbortSignal, password?: string): Promise<void> {
  return waitDokployDeploy(deps, id, applicationId, {
    // A stack's application is new, so any deployment row is ours.
    baselineId: null,
    // Measured from the step's first start: a restart does not grant a new wait.
    deadline: deadlineOf(deps, id, "wait_running", deps.config.DEPLOY_TIMEOUT),
    signal,
    failedMessage: "Dokploy could not start the stack (see the portal log)",
    onFailed: (row) => logFailure(deps, id, row.deploymentId, password),
  });
}

/** When a wait step must end: its first start (persisted in its events) plus its timeout. */
function deadlineOf(deps: Ports, id: string, step: StepId, timeoutMs: number): number {
  const started = deps.store.deployments.stepStartedAt(id, step);
  return (started ? Date.parse(started) : Date.now()) + timeoutMs;
}

/** Dokploy's NOT_FOUND for application.one ends a resumed deploy; any other answer lets the wait decide. */
async function ensureApplicationExists(deps: Ports, applicationId: string, signal: AbortSignal): Promise<void> {
  try {
    await deps.client.applicationOne(applicationId, signal);
  } catch (err) {
    if (err instanceof DokployError && err.failure === "not_found" && err.code === "NOT_FOUND")
      throw new SagaError("application_missing", "Dokploy no longer knows this stack's application (its state was lost)");
  }
}

const describe = (plan: StackPlan) => `AI stack "${plan.name}", managed by AI Stack Deployer`;

/** `pooled`: a stack of the warm pool, made without a domain and backups (its claim adds them). */
async function createResources(
  deps: Ports,
  stack: Stack,
  plan: StackPlan,
  password: string,
  id: string,
  signal: AbortSignal,
  opts: { pooled: boolean },
): Promise<void> {
  const { client, store, config } = deps;
  const step = <T>(s: StepId, fn: () => Promise<T>) => runStep(deps, id, opts.pooled ? "warm" : "deploy", s, fn);
  const description = describe(plan);

  const { environment } = await step("create_project", async () => {
    const created = await client.projectCreate({ name: plan.projectName, description }, signal);
    store.stacks.setResources(stack.id, { projectId: created.project.projectId, environmentId: created.environment.environmentId }, now());
    return created;
  });

  const app = await step("create_application", async () => {
    const created = await client.applicationCreate(
      { name: plan.projectName, appName: plan.appNameRequest, environmentId: environment.environmentId, description },
      signal,
    );
    store.stacks.setResources(stack.id, { applicationId: created.applicationId, appName: created.appName }, now());
    return created;
  });

  await step("configure", async () => {
    // The fleet's current image (rollout/fleet-image.ts), kept with the deployment for its end.
    const image = currentFleetImage(deps).current;
    store.images.setForDeployment(id, image);
    const calls: Promise<unknown>[] = [
      client.saveDockerProvider(dockerProvider(app.applicationId, image, config), signal),
      client.saveEnvironment({ applicationId: app.applicationId, env: stackEnv(plan, password) }, signal),
      // Stop-first updates and resource limits (model/swarm-settings.ts).
      client.applicationUpdate(applicationSettings(app.applicationId, config, store.placements.of(stack.id)?.nodeId), signal),
      createMounts(deps, stack.id, app.applicationId, plan.volumes, [], signal),
      // Nightly backups of the volumes (BACKUP_DESTINATION_ID), and the public address.
      ...(opts.pooled ? [] : [ensureBackups(deps, config, stack, plan, signal), createDomain(deps, stack.id, app.applicationId, plan, signal)]),
    ];
    await allSettled(calls);
  });

  await step("deploy", () =>
    client.applicationDeploy({ applicationId: app.applicationId, title: "AI Stack Deployer", description: `Deploy of ${plan.name}` }, signal),
  );
}

/**
 * A pooled stack becomes its owner's: its project and application take the stack's name, its
 * environment the name (applied at its next deploy; the running container keeps the pool name
 * in STACK_NAME, which nothing reads), and it gets its domain (Traefik routes it from
 * domain.create on, without a redeploy) and backups.
 */
async function nameClaimedStack(deps: Ports, stack: Stack, plan: StackPlan, password: string, id: string, signal: AbortSignal): Promise<void> {
  const { client, config } = deps;
  const { projectId, applicationId } = stack;
  if (!projectId || !applicationId) throw new SagaError("interrupted", "The pooled stack has no application");
  const description = describe(plan);
  await runStep(deps, id, "deploy", "claim", () =>
    allSettled([
      client.projectUpdate({ projectId, name: plan.projectName, description }, signal),
      client.applicationUpdate({ applicationId, name: plan.projectName, description }, signal),
      client.saveEnvironment({ applicationId, env: stackEnv(plan, password) }, signal),
      ensureBackups(deps, config, stack, plan, signal),
      createDomain(deps, stack.id, applicationId, plan, signal),
    ]),
  );
}

/** The stack's public address, recorded as soon as Dokploy has it. */
function createDomain(deps: Ports, stackId: number, applicationId: string, plan: StackPlan, signal: AbortSignal): Promise<void> {
  const { client, store, config } = deps;
  return client
    .domainCreate(
      {
        applicationId,
        host: plan.host,
        port: plan.port,
        https: true,
        certificateType: config.STACK_CERTIFICATE_TYPE,
        customCertResolver: config.STACK_CERT_RESOLVER ?? null,
        // STACK_SSO: the domain's router asks the portal first (stack-sso.ts).
        ...(config.STACK_SSO === "on" ? { middlewares: [SSO_MIDDLEWARE] } : {}),
      },
      signal,
    )
    .then((d) => store.stacks.setResources(stackId, { domainId: d.domainId }, now()));
}

/** Settles all before failing: rolling back while a domain.create is in flight could race it. */
async function allSettled(calls: Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(calls);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
}

/**
 * Makes the volumes' mounts one after the other, each recorded as soon as it exists (a rollback
 * finds it): Dokploy lists mounts, and so the service spec, in the order they were made, and
 * that order should be the plan's, not the faster call's. `known`: the stack's mounts so far.
 */
export async function createMounts(
  deps: Pick<Ports, "client" | "store">,
  stackId: number,
  applicationId: string,
  volumes: StackPlan["volumes"],
  known: string[],
  signal: AbortSignal,
): Promise<void> {
  const mountIds = [...known];
  for (const v of volumes) {
    const mount = await deps.client.mountCreate({ applicationId, volumeName: v.volumeName, mountPath: v.mountPath }, signal);
    mountIds.push(mount.mountId);
    deps.store.stacks.setResources(stackId, { mountIds }, now());
  }
}

/** Logs Dokploy's deploy log, and keeps its scrubbed tail for the stack's owner to read. */
async function logFailure(deps: Ports, id: string, dokployDeploymentId: string, password?: string): Promise<void> {
  try {
    const logs = await deps.client.deploymentLogs(dokployDeploymentId, 50);
    deps.log.warn({ deploymentId: id, dokployDeploymentId, logs: logs.split("\n").slice(-50) }, "Dokploy deploy failed");
    deps.store.reports.saveLogTail(id, scrubLogTail(logs, [password, deps.config.STACK_REGISTRY_PASSWORD], LOG_TAIL_LINES), now());
  } catch (err) {
    deps.log.warn({ deploymentId: id, dokployDeploymentId, err: String(err) }, "Dokploy deploy failed; its log could not be read");
  }
}

/** Dokploy finished its deploy (the service, and with it the volumes, came into being). */
const serviceStarted = (deps: Ports, id: string) =>
  deps.store.deployments.events(id).some((e) => e.type === "step" && e.data.step === "wait_running" && e.data.state === "succeeded");

async function rollback(deps: Ports, input: ProvisionInput, error: ReturnType<typeof toDeploymentError>): Promise<void> {
  const id = input.deployment.id;
  deps.log.warn({ deploymentId: id, stack: input.stack.name, error }, "deploy failed; rolling back");
  deps.events.emit(id, { type: "status", data: { status: "rolling_back", at: now(), message: error.message } });
  let leftovers: Leftover[] = [];
  const before = deps.store.stacks.existing(input.stack.id);
  await runStep(deps, id, input.deployment.kind, "rollback", async () => {
    leftovers = await removeStackResources(deps, input.stack.id);
    // A stack that never ran has nothing worth keeping a backup of.
    const backupsLeft = await removeBackups(deps, input.stack.id);
    if (backupsLeft.length) deps.log.warn({ deploymentId: id, volumeBackupIds: backupsLeft }, "volume backups of a failed deploy not removed");
    if (leftovers.length) throw new SagaError("cleanup_failed", `${leftovers.length} Dokploy resource(s) could not be removed`);
  }).catch(() => undefined);
  if (leftovers.length) deps.log.error({ deploymentId: id, stack: input.stack.name, leftovers }, "rollback left resources behind");
  endRun(deps, id, { status: "failed", error, ...(leftovers.length ? { leftovers } : {}) }, () => {
    deps.store.deployments.setLeftovers(id, leftovers, now());
    deps.store.reports.saveCleanup(id, cleanupReportOf(before, leftovers, planStack(before, deps.config), serviceStarted(deps, id)), now());
    // A delete that cancelled us owns the stack's status from here on.
    if (deps.store.stacks.byId(input.stack.id)?.status === "deploying")
      deps.store.stacks.setStatus(input.stack.id, leftovers.length ? "cleanup_failed" : "failed", now());
  });
}
