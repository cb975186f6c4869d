import type { SandboxContext } from "../context.ts";
import { ProcError } from "../errors.ts";
import type { SwarmService } from "../stacks.ts";
import { schemas } from "../validation.ts";
import { query, type Procedure } from "./define.ts";
import { DOKPLOY_VERSION } from "./settings.ts";

/**
 * swarm.getNodeApps is `docker service ls --format '{{json .}}'`, each line parsed, minus the
 * names starting with "dokploy-" (getNodeApplications in services/docker.ts). Dokploy's own
 * service is called just "dokploy", so it stays in the list.
 */
export interface ServiceLine {
  ID: string;
  Image: string;
  Mode: string;
  Name: string;
  Ports: string;
  Replicas: string;
}

/** The CLI's `{{json .}}` marshals a map, hence keys in alphabetical order; ids are truncated to 12. */
function line(id: string, name: string, image: string, replicas: string): ServiceLine {
  return { ID: id.slice(0, 12), Image: displayImage(image), Mode: "replicated", Name: name, Ports: "", Replicas: replicas };
}

/** `docker service ls` shows the image without its digest; Swarm pins an untagged image to :latest. */
function displayImage(image: string): string {
  const at = image.indexOf("@");
  const bare = at >= 0 ? image.slice(0, at) : image;
  const lastSegment = bare.slice(bare.lastIndexOf("/") + 1);
  return lastSegment.includes(":") ? bare : `${bare}:latest`;
}

function replicasOf(ctx: SandboxContext, svc: SwarmService): string {
  const running = ctx.stacks.state(svc) === "running" ? svc.replicas : 0;
  return `${running}/${svc.replicas}`;
}

const collator = new Intl.Collator("en", { numeric: true });

export const swarmProcedures: Procedure[] = [
  query("swarm.getNodeApps", schemas.serverIdOptional, (ctx, input) => {
    if (input.serverId !== undefined) throw new ProcError("NOT_FOUND", "Server not found");
    const lines = [
      line(ctx.stacks.dokployServiceId, "dokploy", `dokploy/dokploy:${DOKPLOY_VERSION}`, "1/1"),
      ...[...ctx.stacks.services.values()].map((svc) => line(svc.id, svc.appName, svc.image, replicasOf(ctx, svc))),
    ];
    // The CLI sorts by name (natural order); Dokploy then drops its own helper services.
    return lines.sort((a, b) => collator.compare(a.Name, b.Name)).filter((s) => !s.Name.startsWith("dokploy-"));
  }),
];
