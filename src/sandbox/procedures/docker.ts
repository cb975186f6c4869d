import type { SandboxContext } from "../context.ts";
import type { ClusterNode } from "../cluster.ts";
import { type SwarmService, type Task, healthyAt } from "../stacks.ts";
import { schemas } from "../validation.ts";
import { type Procedure, query } from "./define.ts";

/**
 * docker.getServiceContainersByAppName: Dokploy runs `docker service ps <appName> --no-trunc`
 * with a format of " | "-separated fields and splits each line into {containerId (the task
 * id), name, state (desired, lowercased), currentState ("Running 5 seconds ago"), node,
 * error}. No such service: stderr, hence [].
 */
function taskRow(ctx: SandboxContext, svc: SwarmService, task: Task, now: number) {
  const node = task.node === null ? undefined : ctx.cluster.nodes.get(task.node);
  if (task.lost && node) return lostTaskRow(svc, task, node, now);
  const gone = task.goneAt !== null && now >= task.goneAt;
  // A task no node suits stays "Pending"; Docker's CLI prints swarmkit's reason quoted.
  const pending = task.node === null && !gone;
  // A health check keeps the task "Starting" until its first pass.
  const current = pending ? "Pending" : now < task.startsAt ? "Preparing" : gone ? "Shutdown" : now < healthyAt(task) ? "Starting" : "Running";
  const since = now - (gone && task.goneAt !== null ? task.goneAt : task.startsAt);
  return {
    containerId: task.id,
    name: `${svc.appName}.1`,
    state: task.goneAt !== null ? "shutdown" : waitsForLost(ctx, task) ? "ready" : "running",
    currentState: `${current} ${humanDuration(since)} ago`,
    // `{{.Node}}`: the hostname of the node the task was given; empty while it is pending.
    node: node?.hostname ?? "",
    error: pending && task.err ? `"${task.err}"` : "",
  };
}

/**
 * A task replaced because its node went Down: the manager still shows its last report, Running,
 * while the node is Down; once the node is back it reports the container gone with it.
 */
function lostTaskRow(svc: SwarmService, task: Task, node: ClusterNode, now: number) {
  const down = node.state !== "ready";
  return {
    containerId: task.id,
    name: `${svc.appName}.1`,
    state: "shutdown",
    currentState: down ? `Running ${humanDuration(now - task.startsAt)} ago` : `Failed ${humanDuration(now - node.readyAt)} ago`,
    node: node.hostname,
    error: down ? "" : '"task: non-zero exit (255)"',
  };
}

const waitsForLost = (ctx: SandboxContext, task: Task) =>
  task.replacesLostOn !== undefined && ctx.cluster.nodes.get(task.replacesLostOn)?.state !== "ready";

/** Docker's units.HumanDuration, lowercased as `docker service ps` prints it. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(Math.max(0, ms) / 1000);
  if (seconds < 1) return "less than a second";
  if (seconds === 1) return "1 second";
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(seconds / 60);
  if (minutes === 1) return "about a minute";
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.round(seconds / 3600);
  return hours === 1 ? "about an hour" : `${hours} hours`;
}

export const dockerProcedures: Procedure[] = [
  query("docker.getServiceContainersByAppName", schemas.serviceContainers, async (ctx, input) => {
    const svc = ctx.stacks.services.get(input.appName);
    // `docker service ps` lists the newest task first, with its history.
    const rows = ctx.engine
      ? await ctx.engine.taskRows(input.appName)
      : svc
        ? [...svc.tasks].reverse().map((t) => taskRow(ctx, svc, t, Date.now()))
        : [];
    // Dokploy trims the whole output before splitting it: the last line's empty error loses
    // its trailing space, so "Error: " is not stripped and the field reads "Error:".
    const last = rows.at(-1);
    if (last && last.error === "") last.error = "Error:";
    return rows;
  }),
];
