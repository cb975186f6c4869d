import { z } from "zod";
import type { SandboxContext } from "../context.ts";
import { type Procedure, mutation, query } from "./define.ts";

/**
 * dockerVolume.getVolumes and .removeVolume: Dokploy runs `docker volume ls --format '{{json .}}'`
 * and `docker volume rm <name>` on its own server (the Swarm manager), so only the manager's
 * volumes are listed and only they can be removed. A shell error reaches the caller as a 500
 * carrying the command's output (execAsync's Error): "No such volume", or "volume is in use"
 * while a container, running or not, still has it.
 */

const VOLUME_NAME = /^[a-zA-Z0-9.\-_]+$/;
const serverInput = z.object({ serverId: z.string().optional() });
const removeInput = z.object({ volumeName: z.string().min(1).regex(VOLUME_NAME, "Invalid volume name."), serverId: z.string().optional() });

function commandFailed(command: string, error: string): Error {
  return new Error(`Command failed: ${command}\n${error}\n`);
}

/** In use: a task of a service that mounts it, on the manager, that has not ended. */
function inUse(ctx: SandboxContext, volume: string): string[] {
  const at = Date.now();
  const manager = ctx.cluster.manager.id;
  return [...ctx.stacks.services.values()]
    .filter((svc) => svc.volumes.includes(volume))
    .flatMap((svc) => svc.tasks.filter((t) => t.node === manager && (t.goneAt === null || at < t.goneAt)).map((t) => t.id));
}

export const dockerVolumeProcedures: Procedure[] = [
  query("dockerVolume.getVolumes", serverInput, async (ctx) => {
    if (ctx.engine) return ctx.engine.volumeRows();
    const names = [...(ctx.cluster.volumes.get(ctx.cluster.manager.id)?.keys() ?? [])].sort();
    return names.map((name) => ({
      Driver: "local",
      Labels: "",
      Links: "N/A",
      Mountpoint: `/var/lib/docker/volumes/${name}/_data`,
      Name: name,
      Scope: "local",
      Size: "N/A",
    }));
  }),
  mutation("dockerVolume.removeVolume", removeInput, async (ctx, input) => {
    const command = `docker volume rm ${input.volumeName}`;
    if (ctx.engine) {
      const error = await ctx.engine.removeVolume(input.volumeName);
      if (error) throw commandFailed(command, error);
      return undefined;
    }
    const onManager = ctx.cluster.volumes.get(ctx.cluster.manager.id);
    if (!onManager?.has(input.volumeName)) throw commandFailed(command, `Error: No such volume: ${input.volumeName}`);
    const users = inUse(ctx, input.volumeName);
    if (users.length)
      throw commandFailed(command, `Error response from daemon: remove ${input.volumeName}: volume is in use - [${users.join(", ")}]`);
    onManager.delete(input.volumeName);
    ctx.stacks.volumes.delete(input.volumeName);
    return undefined;
  }),
];
