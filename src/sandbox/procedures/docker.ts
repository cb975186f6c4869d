import type { SandboxContext } from "../context.ts";
import type { SwarmService, Task } from "../stacks.ts";
import { schemas } from "../validation.ts";
import { type Procedure, query } from "./define.ts";

/**
 * docker.getServiceContainersByAppName: Dokploy runs `docker service ps <appName> --no-trunc`
 * and splits each line into {containerId (the task id), name, state (desired, lowercased),
 * currentState ("Running 5 seconds ago"), node, error}. No such service: stderr, hence [].
 */
function taskRow(ctx: SandboxContext, svc: SwarmService, task: Task, now: number) {
  const gone = task.goneAt !== null && now >= task.goneAt;
  const current = now < task.startsAt ? "Preparing" : gone ? "Shutdown" : "Running";
  const since = Math.max(0, Math.round((now - (gone && task.goneAt !== null ? task.goneAt : task.startsAt)) / 1000));
  return {
    containerId: task.id,
    name: `${svc.appName}.1`,
    state: task.goneAt === null ? "running" : "shutdown",
    currentState: `${current} ${since} seconds ago`,
    // `{{.Node}}`: the hostname of the node the task was given; empty while it is pending.
    node: task.node === null ? "" : (ctx.cluster.nodes.get(task.node)?.hostname ?? ""),
    error: "",
  };
}

export const dockerProcedures: Procedure[] = [
  query("docker.getServiceContainersByAppName", schemas.serviceContainers, (ctx, input) => {
    const svc = ctx.stacks.services.get(input.appName);
    if (!svc) return [];
    const now = Date.now();
    // `docker service ps` lists the newest task first, with its history.
    return [...svc.tasks].reverse().map((t) => taskRow(ctx, svc, t, now));
  }),
];
