// Dokploy's tRPC over WebSocket (apps/dokploy/server/wss/drawer-logs.ts at v0.30.2): the upgrade
// at /drawer-logs, closed at once without a valid x-api-key (validateRequest), then tRPC v11's
// JSON-RPC messages with superjson's {"json": …} envelope. Dokploy serves its subscriptions here;
// the sandbox answers the one the portal uses, volumeBackups.restoreVolumeBackupWithLogs.
import type { ServerWebSocket } from "bun";
import { z } from "zod";
import type { SandboxContext } from "./context.ts";
import { TRPC_HTTP_STATUS, type TrpcCode } from "./errors.ts";

export const TRPC_WS_PATH = "/drawer-logs";

export interface TrpcSocket {
  kind: "trpc";
  /** False for a connection without a valid key: Dokploy closes it once it is open. */
  authorised: boolean;
  ctx: SandboxContext;
}

/** routers/volume-backups.ts restoreVolumeBackupWithLogs's input (VOLUME_NAME_REGEX and all). */
const restoreInput = z.object({
  backupFileName: z.string().min(1),
  destinationId: z.string().min(1),
  volumeName: z
    .string()
    .min(1)
    .regex(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, "Invalid volume name. Use letters, numbers, '._-' and start with a letter or number."),
  id: z.string().min(1),
  serviceType: z.enum(["application", "compose"]),
  serverId: z.string().optional(),
});

const message = z.object({
  id: z.union([z.number(), z.string()]),
  method: z.string(),
  params: z.object({ path: z.string(), input: z.unknown().optional() }).optional(),
});

/** tRPC's JSON-RPC error codes (rpc/codes.ts) for the TRPCError codes used here. */
const RPC_CODE: Partial<Record<TrpcCode, number>> = { BAD_REQUEST: -32600, NOT_FOUND: -32004, UNAUTHORIZED: -32001, PARSE_ERROR: -32700 };

function error(id: number | string | null, code: TrpcCode, text: string, path?: string) {
  return JSON.stringify({
    id,
    error: { json: { message: text, code: RPC_CODE[code] ?? -32603, data: { code, httpStatus: TRPC_HTTP_STATUS[code], ...(path ? { path } : {}) } } },
  });
}

/**
 * A stopped task's container outlives what Swarm reports by a moment (on the real engine, 2 to
 * 10 s after a scale to 0): `docker ps -a` still lists it, so Dokploy's restore still refuses.
 */
const CONTAINER_LINGER_MS = 1_500;

/** Names of the containers (tasks) on Dokploy's own node that mount the volume, running or just stopped. */
function containersUsing(ctx: SandboxContext, volumeName: string): string[] {
  const manager = ctx.cluster.manager.id;
  const at = Date.now();
  return [...ctx.stacks.services.values()].flatMap((svc) => {
    const mounts = svc.applicationId ? ctx.db.mountsOf(svc.applicationId) : [];
    if (!mounts.some((m) => m.type === "volume" && m.volumeName === volumeName)) return [];
    return svc.tasks
      .filter((t) => t.node === manager && at >= t.startsAt && (t.goneAt === null || at < t.goneAt + CONTAINER_LINGER_MS))
      .map((t) => `${svc.appName}.1.${t.id}`);
  });
}

/**
 * The subscription's lines: the router's own around the restore script's output, which is
 * Dokploy's script on the engine against a real S3 destination, else the in-memory one.
 */
async function restoreLines(ctx: SandboxContext, input: z.infer<typeof restoreInput>): Promise<string[]> {
  const head = [
    "🚀 Starting volume restore process...",
    `📂 Backup File: ${input.backupFileName}`,
    `🔧 Volume Name: ${input.volumeName}`,
    `🏷️ Service Type: ${input.serviceType}`,
    "",
  ];
  const failed = ["", "❌ Volume restore failed!"];
  const app = ctx.db.applications.get(input.id);
  // findApplicationById throws while the command is made: only the failure line says so.
  if (!app) return [...head, ...failed];
  const s3 = ctx.backups.destinations.get(input.destinationId)?.s3;
  const run =
    s3 && ctx.s3Backups
      ? await ctx.s3Backups.restore(s3, { volumeName: input.volumeName, backupFileName: input.backupFileName, appName: app.appName })
      : ctx.backups.restore(ctx.cluster, (v) => containersUsing(ctx, v), input);
  return [
    ...head,
    "📋 Generated restore command:",
    "▶️ Executing restore...",
    "",
    "🖥️ Executing on local server",
    ...run.log,
    ...(run.ok
      ? ["", "✅ Volume restore completed successfully!", "🎉 All containers/services have been restarted with the restored volume."]
      : failed),
  ];
}

export const trpcSocket = {
  open(ws: ServerWebSocket<TrpcSocket>) {
    if (!ws.data.authorised) ws.close();
  },
  message(ws: ServerWebSocket<TrpcSocket>, raw: string | Buffer) {
    let parsed: z.infer<typeof message>;
    try {
      parsed = message.parse(JSON.parse(typeof raw === "string" ? raw : raw.toString()));
    } catch {
      ws.send(error(null, "PARSE_ERROR", "Unable to parse message"));
      return;
    }
    const { id, method, params } = parsed;
    if (method === "subscription.stop") return;
    const path = params?.path ?? "";
    if (method !== "subscription" || path !== "volumeBackups.restoreVolumeBackupWithLogs") {
      ws.send(error(id, "NOT_FOUND", `No "${method}"-procedure on path "${path}"`, path));
      return;
    }
    const input = restoreInput.safeParse((params?.input as { json?: unknown } | undefined)?.json);
    if (!input.success) {
      ws.send(error(id, "BAD_REQUEST", JSON.stringify(input.error.issues), path));
      return;
    }
    const { ctx } = ws.data;
    // findDestinationById, before the observable: an error answer, no lines.
    if (!ctx.backups.destinations.has(input.data.destinationId)) {
      ws.send(error(id, "NOT_FOUND", "Destination not found", path));
      return;
    }
    ws.send(JSON.stringify({ id, result: { type: "started" } }));
    void restoreLines(ctx, input.data).then((lines) => {
      for (const line of lines) ws.send(JSON.stringify({ id, result: { type: "data", data: { json: line } } }));
      ws.send(JSON.stringify({ id, result: { type: "stopped" } }));
    });
  },
  close() {},
};
