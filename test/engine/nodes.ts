import { DockerApi } from "../../src/sandbox/engine/docker-api.ts";
import { dockerCli } from "./engine.ts";

/**
 * The engine tier's two worker nodes (scripts/engine/nodes.sh): Docker-in-Docker containers
 * beside the host's dockerd, which is the Swarm's manager. A test joins them, kills, starts or
 * drains one, reaches into a task wherever it runs, and makes them leave at the end.
 */

export const WORKERS = ["worker-1", "worker-2"] as const;
const docker = new DockerApi();
const script = new URL("../../scripts/engine/nodes.sh", import.meta.url).pathname;

function nodesSh(...args: string[]): void {
  const run = Bun.spawnSync(["bash", script, ...args], { stdout: "pipe", stderr: "pipe" });
  if (run.exitCode !== 0) throw new Error(`nodes.sh ${args.join(" ")}: ${run.stderr.toString().trim()}`);
}

/** null when the workers can be had; else why not. */
export function workersSkipReason(): string | null {
  const run = Bun.spawnSync(["/usr/bin/docker", "image", "inspect", "ai-stack-worker:engine"], { stdout: "ignore", stderr: "ignore" });
  return run.exitCode === 0 ? null : "the worker image is not built (scripts/engine/up.sh prepares the worker nodes)";
}

export const joinWorkers = (...images: string[]) => nodesSh("join", ...images);
export const leaveWorkers = () => nodesSh("leave");

/** The worker's container stops at once, as a server losing power does (SIGKILL). */
export const killWorker = (name: string) => dockerCli("kill", `ai-stack-${name}`);
/** The worker's server is back: its dockerd starts on the state it had, and rejoins by itself. */
export const startWorker = (name: string) => dockerCli("start", `ai-stack-${name}`);
export const setAvailability = (name: string, availability: "active" | "drain") => dockerCli("node", "update", "--availability", availability, name);

/** The service's running task: its node's hostname and id, and its container. */
export async function runningTask(service: string): Promise<{ hostname: string; nodeId: string; container: string } | null> {
  const [tasks, nodes] = await Promise.all([docker.tasks(service), docker.nodes()]);
  const task = tasks.find((t) => t.Status.State === "running" && t.DesiredState === "running");
  const container = task?.Status.ContainerStatus?.ContainerID;
  const node = nodes.find((n) => n.ID === task?.NodeID);
  return container && node ? { hostname: node.Description.Hostname, nodeId: node.ID, container } : null;
}

/** `docker exec` in the service's running task, on whichever node it runs. */
export async function execInTask(service: string, ...cmd: string[]): Promise<string> {
  const task = await runningTask(service);
  if (!task) throw new Error(`${service} has no running task`);
  return task.nodeId === (await docker.localNodeId())
    ? dockerCli("exec", task.container, ...cmd)
    : dockerCli("exec", `ai-stack-${task.hostname}`, "docker", "exec", task.container, ...cmd);
}

/** Whether the stack's OpenCode answers through the sandbox's Traefik (401: it asks for the password), wherever it runs. */
export async function stackAnswers(sandboxUrl: string, name: string, timeoutMs = 5_000): Promise<boolean> {
  const res = await fetch(`${sandboxUrl}/global/health`, { headers: { host: `${name}.stacks.test` }, signal: AbortSignal.timeout(timeoutMs) }).catch(
    () => null,
  );
  return res?.status === 401;
}
