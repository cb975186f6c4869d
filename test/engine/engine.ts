import { DockerApi } from "../../src/sandbox/engine/docker-api.ts";
import { type Harness, sandboxState, startHarness } from "../support/harness.ts";

/**
 * The engine tier runs where a real Docker Engine in a Swarm answers and the stack image is in
 * the local registry (scripts/engine/up.sh makes both). Elsewhere it is skipped with one line
 * saying why, except when ENGINE_REQUIRED is set (.ci/run): then a missing engine fails.
 */

export const ENGINE_IMAGE = process.env.ENGINE_STACK_IMAGE ?? "127.0.0.1:5000/oh-my-opencode-free:engine-test";
/** The image the fleet ran before ENGINE_IMAGE (OpenCode 1.1), for the rollout from it. */
export const ENGINE_PREVIOUS_IMAGE = process.env.ENGINE_PREVIOUS_STACK_IMAGE ?? "127.0.0.1:5000/oh-my-opencode-free:engine-previous";
/** The portal's own image, built from the repository's Dockerfile. */
export const ENGINE_PORTAL_IMAGE = process.env.ENGINE_PORTAL_IMAGE ?? "127.0.0.1:5000/ai-stack-deployer:engine-test";
export const docker = new DockerApi();

async function inRegistry(image: string): Promise<boolean> {
  const [registry, rest] = [image.split("/")[0], image.split("/").slice(1).join("/")];
  const [repo, tag = "latest"] = rest.split(":");
  const manifest = await fetch(`http://${registry}/v2/${repo}/manifests/${tag}`, {
    method: "HEAD",
    headers: { accept: "application/vnd.docker.distribution.manifest.v2+json" },
  }).catch(() => null);
  return manifest?.status === 200;
}

async function whyNot(images: string[]): Promise<string | null> {
  if (!(await docker.swarmActive())) return "no Docker Engine in a Swarm answers on /var/run/docker.sock";
  for (const image of images) if (!(await inRegistry(image))) return `the stack image ${image} is not in the local registry`;
  return null;
}

/** null when the tier can run with these images; else why not (and a failure when ENGINE_REQUIRED is set). */
export async function engineSkipReason(images: string[] = [ENGINE_IMAGE]): Promise<string | null> {
  const why = await whyNot(images);
  if (why && process.env.ENGINE_REQUIRED) throw new Error(`engine tier required (ENGINE_REQUIRED) but ${why}; run scripts/engine/up.sh`);
  if (why) console.log(`engine tier skipped: ${why} (scripts/engine/up.sh brings one up)`);
  return why;
}

/** `docker <args>` with the engine's own CLI; stdout, or a thrown error with stderr. */
export function dockerCli(...args: string[]): string {
  const run = Bun.spawnSync(["/usr/bin/docker", ...args], { stdout: "pipe", stderr: "pipe" });
  if (run.exitCode !== 0) throw new Error(`docker ${args.join(" ")}: ${run.stderr.toString().trim()}`);
  return run.stdout.toString().trim();
}

/** The container of the service's running task, or null. */
export async function runningContainer(service: string): Promise<string | null> {
  const task = (await docker.tasks(service)).find((t) => t.Status.State === "running");
  return task?.Status.ContainerStatus?.ContainerID ?? null;
}

/**
 * The portal's settings for a real stack: room for a real pull, start and probe, and limits
 * that leave this machine room for several stacks at once.
 */
export function enginePortalEnv(image = ENGINE_IMAGE, healthTimeout = "60s"): Record<string, string> {
  return {
    STACK_IMAGE: image,
    DEPLOY_TIMEOUT: "90s",
    HEALTH_TIMEOUT: healthTimeout,
    DOKPLOY_TIMEOUT: "20s",
    PROBE_ATTEMPT_TIMEOUT: "2s",
    STACK_MEMORY_LIMIT: "1g",
    STACK_MEMORY_RESERVATION: "128m",
  };
}

/** A portal on a sandbox Dokploy whose applications are real Swarm services (SANDBOX_RUNTIME=docker). */
export function startEngineHarness(env: Record<string, string>): Promise<Harness> {
  return startHarness({ sandbox: { runtime: "docker", deployDurationMs: 0 }, env });
}

/** The appName Dokploy gave the stack's application (its Swarm service's name). */
export async function appNameOf(sandbox: Pick<Harness, "sandboxUrl">, stack: string): Promise<string> {
  return (await sandboxState(sandbox)).applications.find((a: { name: string }) => a.name.includes(stack)).appName;
}
