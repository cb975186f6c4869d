import { ProcError } from "../errors.ts";
import { schemas } from "../validation.ts";
import { query, type Procedure } from "./define.ts";

/**
 * cluster.getNodes is dockerode's `docker.listNodes()` passed through (routers/cluster.ts):
 * the Docker Engine API's Node objects, managers and workers alike.
 */
export const clusterProcedures: Procedure[] = [
  query("cluster.getNodes", schemas.serverIdOptional, (ctx, input) => {
    if (input.serverId !== undefined) throw new ProcError("NOT_FOUND", "Server not found");
    // On the real engine, the engine's own nodes as it reports them.
    if (ctx.engine) return ctx.engine.nodes();
    return [...ctx.cluster.nodes.values()].map((n) => ctx.cluster.dockerNode(n));
  }),
];
