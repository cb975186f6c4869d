// startSandbox: the sandbox behind a real Bun HTTP listener (loopback by default).
import { createSandbox, type Sandbox, type SandboxOptions } from "./sandbox.ts";
import { EngineRuntime } from "./engine/runtime.ts";
import type { ServerWebSocket, WebSocketHandler } from "bun";
import { type ProxiedSocket, UPGRADED, websocketProxy } from "./websocket-proxy.ts";
import { type TrpcSocket, trpcSocket } from "./trpc-ws.ts";

/** Two kinds of WebSocket on the one listener: a stack's, passed through as Traefik does, and Dokploy's own tRPC. */
type Socket = ServerWebSocket<ProxiedSocket | TrpcSocket>;
const isTrpc = (ws: Socket): ws is ServerWebSocket<TrpcSocket> => "kind" in ws.data && ws.data.kind === "trpc";
const sockets: WebSocketHandler<ProxiedSocket | TrpcSocket> = {
  open: (ws) => (isTrpc(ws) ? trpcSocket.open(ws) : websocketProxy.open?.(ws as ServerWebSocket<ProxiedSocket>)),
  message: (ws, m) => (isTrpc(ws) ? trpcSocket.message(ws, m) : websocketProxy.message?.(ws as ServerWebSocket<ProxiedSocket>, m)),
  close: (ws, code, reason) => (isTrpc(ws) ? trpcSocket.close() : websocketProxy.close?.(ws as ServerWebSocket<ProxiedSocket>, code, reason)),
};

export interface StartedSandbox {
  url: string;
  port: number;
  sandbox: Sandbox;
  stop(): Promise<void>;
}

/**
 * `runtime: "docker"` (SANDBOX_RUNTIME): applications run as real Swarm services on the local
 * Docker Engine, whose (first) node is the cluster's manager; stopping the sandbox removes the
 * services it made and their volumes.
 */
export async function startSandbox(
  opts: SandboxOptions & { port?: number; hostname?: string; runtime?: "memory" | "docker" },
): Promise<StartedSandbox> {
  let engine: EngineRuntime | null = null;
  let manager: SandboxOptions["manager"];
  if (opts.runtime === "docker") {
    engine = new EngineRuntime();
    if (!(await engine.api.swarmActive()))
      throw new Error("SANDBOX_RUNTIME=docker: no Docker Engine in a Swarm answers on /var/run/docker.sock (scripts/engine/up.sh brings one up)");
    const [node] = (await engine.nodes()).filter((n) => n.Spec.Role === "manager");
    if (node)
      manager = {
        id: node.ID,
        hostname: node.Description.Hostname,
        role: "manager",
        memoryBytes: node.Description.Resources.MemoryBytes,
        nanoCpus: node.Description.Resources.NanoCPUs,
      };
  }
  const sandbox = createSandbox({ ...opts, engine, manager });
  const hostname = opts.hostname ?? "127.0.0.1";
  const server = Bun.serve({
    hostname,
    port: opts.port ?? 0,
    // As Traefik in front of a stack: a quiet event stream is not cut after Bun's default 10 s.
    idleTimeout: 180,
    fetch: async (req, srv) => {
      const res = await sandbox.fetch(req, srv);
      return res === UPGRADED ? undefined : res;
    },
    websocket: sockets,
    error(err) {
      opts.log?.("sandbox internal error", { error: err.message });
      return new Response("Internal Server Error", { status: 500 });
    },
  });
  const port = server.port ?? opts.port ?? 0;
  const urlHost = hostname.includes(":") ? `[${hostname}]` : hostname;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    sandbox,
    async stop() {
      await sandbox.stop();
      await server.stop(true);
      await engine?.cleanup();
    },
  };
}
