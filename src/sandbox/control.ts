// The test-only control surface under /__sandbox/ (not part of Dokploy): no
// auth, JSON in and out. It drives the same methods as the TypeScript API.
import { z } from "zod";
import type { SandboxSettings } from "./context.ts";
import { jsonResponse } from "./errors.ts";
import type { Fault, FaultInput } from "./faults.ts";
import type { SandboxState } from "./state.ts";
import type { OpenCodeActivity } from "./stacks.ts";
import type { ClusterNode, NodeInput } from "./cluster.ts";
import type { DestinationRow } from "./backups.ts";
import type { S3Destination } from "./engine/s3-backups.ts";

export const settingsPatchSchema = z
  .object({
    latencyMs: z.number().min(0).optional(),
    deployDurationMs: z.number().min(0).optional(),
    buildConcurrency: z.number().int().min(1).optional(),
    stackStartMs: z.number().min(0).optional(),
    stackStopMs: z.number().min(0).optional(),
    scaleSettleMs: z.number().min(0).optional(),
    imageHealthCheckMs: z.number().min(0).optional(),
    dokployWorkers: z.number().int().min(0).optional(),
    dokployCallMs: z.number().min(0).optional(),
    nodeDownAfterMs: z.number().min(0).optional(),
  })
  .strict();

/** The emulated Swarm cluster and backup destinations (docs in src/sandbox/README.md). */
export interface ClusterControl {
  /** A worker (or manager) joins; pending tasks may start on it. */
  addNode(input: NodeInput): ClusterNode;
  /** A node goes down / comes back / is drained; its tasks are rescheduled as Swarm would. */
  updateNode(id: string, patch: NodePatch): ClusterNode | null;
  /** Puts files into a node's named volume (what a user would have written there). */
  writeVolume(nodeId: string, volumeName: string, files: Record<string, string>): boolean;
  /** An S3 destination as configured in Dokploy's settings (with a chosen id, for tests). */
  addDestination(name: string, destinationId?: string, s3?: S3Destination): DestinationRow;
  /** A file gone from the destination's bucket (deleted there by hand, or by another retention). */
  removeBackupFile(destinationId: string, key: string): boolean;
  /** Every enabled volume backup runs, as its cron schedule would; returns how many ran. */
  runScheduledBackups(): number;
}

const nodeSchema = z
  .object({
    hostname: z.string().min(1),
    role: z.enum(["manager", "worker"]).optional(),
    memoryBytes: z.number().int().min(0).optional(),
    nanoCpus: z.number().int().min(0).optional(),
    labels: z.record(z.string(), z.string()).optional(),
  })
  .strict();
const nodePatchSchema = z
  .object({
    /** What Swarm says of the node, at once. */
    state: z.enum(["ready", "down", "unknown", "disconnected"]).optional(),
    availability: z.enum(["active", "pause", "drain"]).optional(),
    memoryBytes: z.number().int().min(0).optional(),
    /** The server itself: "off" stops its tasks at once, and Swarm says Down nodeDownAfterMs later. */
    power: z.enum(["on", "off"]).optional(),
  })
  .strict();
export type NodePatch = z.infer<typeof nodePatchSchema>;

/** The subset of the Sandbox the control routes need. */
export interface ControlTarget extends ClusterControl {
  state(): SandboxState;
  reset(): void;
  restart(): void;
  resetStats(): void;
  readonly settings: SandboxSettings;
  updateSettings(patch: Partial<SandboxSettings>): SandboxSettings;
  addFault(input: FaultInput): Fault;
  clearFaults(): void;
  listFaults(): Fault[];
  setOpenCodeActivity(appName: string, activity: OpenCodeActivity): void;
}

const activitySchema = z.object({
  sessions: z.array(z.object({ id: z.string(), time: z.object({ created: z.number(), updated: z.number() }) })).default([]),
  status: z.record(z.string(), z.object({ type: z.string() })).default({}),
});

export async function handleControl(target: ControlTarget, req: Request, url: URL): Promise<Response> {
  const route = `${req.method} ${url.pathname.replace(/\/+$/, "")}`;
  try {
    const opencode = /^POST \/__sandbox\/opencode\/([A-Za-z0-9._-]+)$/.exec(route);
    if (opencode?.[1]) {
      // What the emulated OpenCode of that appName reports as its sessions and their status.
      target.setOpenCodeActivity(opencode[1], activitySchema.parse(await readJson(req)));
      return jsonResponse(200, { ok: true });
    }
    const node = /^POST \/__sandbox\/nodes\/([A-Za-z0-9]+)$/.exec(route);
    if (node?.[1]) {
      const updated = target.updateNode(node[1], nodePatchSchema.parse(await readJson(req)));
      return updated ? jsonResponse(200, updated) : jsonResponse(404, { error: "no such node" });
    }
    const volume = /^POST \/__sandbox\/volumes\/([A-Za-z0-9]+)\/([A-Za-z0-9._-]+)$/.exec(route);
    if (volume?.[1] && volume[2]) {
      const files = z.object({ files: z.record(z.string(), z.string()) }).parse(await readJson(req)).files;
      return target.writeVolume(volume[1], volume[2], files) ? jsonResponse(200, { ok: true }) : jsonResponse(404, { error: "no such node" });
    }
    switch (route) {
      case "POST /__sandbox/nodes":
        return jsonResponse(200, target.addNode(nodeSchema.parse(await readJson(req))));
      case "POST /__sandbox/destinations": {
        const input = z.object({ name: z.string().min(1), destinationId: z.string().min(1).optional() }).parse(await readJson(req));
        return jsonResponse(200, target.addDestination(input.name, input.destinationId));
      }
      case "POST /__sandbox/backups/run":
        return jsonResponse(200, { ran: target.runScheduledBackups() });
      case "GET /__sandbox/state":
        return jsonResponse(200, target.state());
      case "POST /__sandbox/reset":
        target.reset();
        return jsonResponse(200, { ok: true });
      case "POST /__sandbox/restart":
        // Simulates a Dokploy restart: queued jobs are lost, running deployments become cancelled.
        target.restart();
        return jsonResponse(200, { ok: true });
      case "POST /__sandbox/stats/reset":
        target.resetStats();
        return jsonResponse(200, { ok: true });
      case "GET /__sandbox/settings":
        return jsonResponse(200, { ...target.settings });
      case "POST /__sandbox/settings":
        return jsonResponse(200, target.updateSettings(settingsPatchSchema.parse(await readJson(req))));
      case "GET /__sandbox/faults":
        return jsonResponse(200, target.listFaults());
      case "POST /__sandbox/faults":
        return jsonResponse(200, target.addFault((await readJson(req)) as FaultInput));
      case "DELETE /__sandbox/faults":
        target.clearFaults();
        return jsonResponse(200, { ok: true });
      default:
        return jsonResponse(404, { error: `unknown sandbox control route: ${route}` });
    }
  } catch (err) {
    if (err instanceof z.ZodError) return jsonResponse(400, { error: "invalid input", issues: err.issues });
    if (err instanceof SyntaxError) return jsonResponse(400, { error: "invalid JSON" });
    throw err;
  }
}

async function readJson(req: Request): Promise<unknown> {
  const text = await req.text();
  return text.trim() ? JSON.parse(text) : {};
}
