import { waitHealthy, waitNewTask } from "../runs/waits.ts";
import { syncStackDomain } from "../sso/stack-sso.ts";
import { credentialsIn } from "../probe/opencode-api.ts";
import { planStack } from "../model/resource-plan.ts";
import { createMounts } from "../deploy/deploy-saga.ts";
import { ownerVars, stackEnv } from "../keys/stack-env.ts";
import { SagaError, now } from "../runs/saga.ts";
import type { Ports } from "../runs/ports.ts";
import { applicationSettings, dockerProvider, settingsDiffer } from "../model/swarm-settings.ts";
import { ensureBackups } from "../backups/backups.ts";
import { adoptPlacement } from "../placement/adopt.ts";
import { currentFleetImage, upgradeTarget } from "../rollout/fleet-image.ts";
import { PASSWORD_STEPS, REDEPLOY_STEPS } from "../model/steps.ts";
import {
  type OperationInput,
  type Step,
  applicationOf,
  from,
  runOperation,
  startDokployDeploy,
  waitOperationDeploy,
} from "../runs/operation-steps.ts";

/**
 * Redeploy applies the portal's current plan to an existing stack (image, environment,
 * mounts, limits, stop-first updates) and deploys it, which pulls the image: this is how an
 * owner gets a new image. A new password is saved in Dokploy's environment and then
 * redeployed without a pull. Both end when the probe sees the stack answer.
 */

/**
 * The image a redeploy applies: a rollout's (in memory), or the one recorded when the plan was
 * applied (a restarted portal reads it back); else the owner's upgrade target, the fleet's current
 * image, unless the stack is already on it or on a newer one (rollout/fleet-image.ts).
 */
export function redeployImage(deps: Ports, input: OperationInput, running: string | null): string {
  const recorded = input.image ?? deps.store.images.forDeployment(input.deployment.id);
  if (recorded) return recorded;
  const fleet = currentFleetImage(deps);
  return upgradeTarget(fleet, running) ?? running ?? fleet.current;
}

async function applyPlan(deps: Ports, input: OperationInput): Promise<string> {
  const { client, store, config } = deps;
  const { signal, stack } = input;
  const { applicationId, appName } = applicationOf(deps, stack.id);
  const plan = planStack(stack, config);
  // The stack stays on its node: its volumes are there (placement/nodes.ts). One made before pins is pinned now.
  const { nodeId } = await adoptPlacement(deps, stack, appName, signal);
  // One read: the settings, and the environment with the stack's password (the portal keeps no copy).
  const { app, env } = await client.applicationSettingsAndEnvironment(applicationId, signal);
  const image = redeployImage(deps, input, app.dockerImage ?? store.images.of(stack.id)?.image ?? null);
  store.images.setForDeployment(input.deployment.id, image);
  // Mounts are matched by path: a volume added to STACK_MOUNTS since the stack was created
  // is created now; existing ones (and their data) are left as they are.
  const missing = plan.volumes.filter((v) => !app.mounts.some((m) => m.mountPath === v.mountPath));
  await createMounts(deps, stack.id, applicationId, missing, store.stacks.byId(stack.id)?.mountIds ?? [], signal);
  const password = credentialsIn(env)?.password;
  const settings = applicationSettings(applicationId, config, nodeId);
  // Without a password in Dokploy's environment there is nothing to rewrite safely; the owner's keys stay.
  const wantedEnv = password ? stackEnv(plan, password, ownerVars(env)) : null;
  // Written only where Dokploy differs: a rollout's redeploy changes the image alone.
  await Promise.all([
    client.saveDockerProvider(dockerProvider(applicationId, image, config), signal),
    settingsDiffer(app, settings) ? client.applicationUpdate(settings, signal) : Promise.resolve(true),
    wantedEnv !== null && wantedEnv !== env ? client.saveEnvironment({ applicationId, env: wantedEnv }, signal) : Promise.resolve(true),
    // Stacks made before BACKUP_DESTINATION_ID was set get their backups now.
    ensureBackups(deps, config, stack, plan, signal),
    // STACK_SSO switched on or off since the stack was made: its domain follows.
    syncStackDomain(deps, config.STACK_SSO === "on", plan.host, app.domains, signal),
  ]);
  return missing.length ? `New volumes: ${missing.map((v) => v.volumeName).join(", ")}` : `Image ${image}`;
}

/** Dokploy's deploy (`deploy` pulls the image; `redeploy` does not), until the new task answers. */
export async function deployAndWait(deps: Ports, input: OperationInput, step: Step, steps: Set<string>, how: "deploy" | "redeploy") {
  const { applicationId, appName } = applicationOf(deps, input.stack.id);
  const id = input.deployment.id;
  if (steps.has("deploy")) await step("deploy", () => startDokployDeploy(deps, id, applicationId, how, input.signal));
  if (steps.has("wait_running")) await step("wait_running", () => waitOperationDeploy(deps, id, applicationId, input.signal));
  await step(
    "wait_healthy",
    async () => {
      await waitNewTask(deps, appName, deps.store.lifecycle.baseline(id)?.tasks ?? [], input.signal);
      return await waitHealthy(deps, input.stack, appName, input.signal);
    },
    (r) => (r.trusted === false ? "The stack answers; its HTTPS certificate is not trusted yet" : undefined),
  );
  // A redeploy runs the service with its one replica, so a stopped stack runs again.
  await step("ready", async () => {
    deps.store.lifecycle.setRunning(input.stack.id, now());
    // A password change deploys whatever image Dokploy holds; only a redeploy sets one.
    if (how === "deploy") {
      const image = redeployImage(deps, input, deps.store.images.of(input.stack.id)?.image ?? null);
      deps.store.images.set(input.stack.id, image, false, now());
    }
  });
}

export function redeployStack(deps: Ports, input: OperationInput): Promise<void> {
  // Before Dokploy's deploy is known to run, everything is simply done again.
  const resume =
    input.resumeFrom === "wait_running" || input.resumeFrom === "wait_healthy" || input.resumeFrom === "ready" ? input.resumeFrom : undefined;
  const steps = from(REDEPLOY_STEPS, resume === "ready" ? "wait_healthy" : resume);
  return runOperation(deps, input, async (step) => {
    if (steps.has("apply_plan"))
      await step(
        "apply_plan",
        () => applyPlan(deps, input),
        (message) => message,
      );
    await deployAndWait(deps, input, step, steps, "deploy");
    return { status: "ready", message: "The stack was redeployed with the current image and settings." };
  });
}

/**
 * Rewrites the stack's environment in Dokploy from what it holds now (the OpenCode password and
 * the owner's model keys, keys/stack-env.ts), for the redeploy that applies it; stop-first, so
 * the old environment's OpenCode is gone before the new one starts.
 */
export async function saveStackEnv(
  deps: Ports,
  input: OperationInput,
  change: (current: { password: string | undefined; owner: Map<string, string> }) => { password: string; owner: Map<string, string> },
): Promise<void> {
  const { applicationId } = applicationOf(deps, input.stack.id);
  const env = await deps.client.applicationEnvironment(applicationId, input.signal);
  const next = change({ password: credentialsIn(env)?.password, owner: ownerVars(env) });
  await deps.client.saveEnvironment({ applicationId, env: stackEnv(planStack(input.stack, deps.config), next.password, next.owner) }, input.signal);
  await deps.client.applicationUpdate(
    applicationSettings(applicationId, deps.config, deps.store.placements.of(input.stack.id)?.nodeId),
    input.signal,
  );
}

export function changePassword(deps: Ports, input: OperationInput): Promise<void> {
  const resume = input.resumeFrom === "ready" ? "wait_healthy" : input.resumeFrom;
  const steps = from(PASSWORD_STEPS, resume);
  return runOperation(deps, input, async (step) => {
    if (steps.has("set_password")) {
      // The new password lived only in memory: after a restart it is gone.
      if (!input.password) throw new SagaError("interrupted", "The portal restarted before the new password was saved; ask for a new one again");
      const password = input.password;
      // The owner's model keys stay as they are.
      await step("set_password", () => saveStackEnv(deps, input, (current) => ({ password, owner: current.owner })));
    }
    await deployAndWait(deps, input, step, steps, "redeploy");
    return { status: "ready", message: "The stack runs with the new password; the old one no longer works." };
  });
}
