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

/** What Swarm says of a node now: "ready", "down", …, and its availability. */
export async function nodeState(hostname: string): Promise<{ id: string; state: string; availability: string }> {
  const node = (await docker.nodes()).find((n) => n.Description.Hostname === hostname);
  if (!node) throw new Error(`no node ${hostname}`);
  return { id: node.ID, state: node.Status.State, availability: node.Spec.Availability };
}

/** The service's running task: its node's hostname and its container. */
export async function runningTask(service: string): Promise<{ hostname: string; container: string } | null> {
  const [tasks, nodes] = await Promise.all([docker.tasks(service), docker.nodes()]);
  const task = tasks.find((t) => t.Status.State === "running" && t.DesiredState === "running");
  const container = task?.Status.ContainerStatus?.ContainerID;
  const node = nodes.find((n) => n.ID === task?.NodeID);
  return task && container && node ? { hostname: node.Description.Hostname, container } : null;
}

/** `docker exec` in the service's running task, on whichever node it runs. */
export async function execInTask(service: string, ...cmd: string[]): Promise<string> {
  const task = await runningTask(service);
  if (!task) throw new Error(`${service} has no running task`);
  const local = (await docker.localNodeId()) === (await nodeState(task.hostname)).id;
  return local ? dockerCli("exec", task.container, ...cmd) : dockerCli("exec", `ai-stack-${task.hostname}`, "docker", "exec", task.container, ...cmd);
}
