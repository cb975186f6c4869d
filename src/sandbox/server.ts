// startSandbox: the sandbox behind a real Bun HTTP listener (loopback by default).
import { createSandbox, type Sandbox, type SandboxOptions } from "./sandbox.ts";
import { EngineRuntime } from "./engine/runtime.ts";
import { UPGRADED, websocketProxy } from "./websocket-proxy.ts";

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
    websocket: websocketProxy,
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
