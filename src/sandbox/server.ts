// startSandbox: the sandbox behind a real Bun HTTP listener (loopback by default).
import { createSandbox, type Sandbox, type SandboxOptions } from "./sandbox.ts";
import { UPGRADED, websocketProxy } from "./websocket-proxy.ts";

export interface StartedSandbox {
  url: string;
  port: number;
  sandbox: Sandbox;
  stop(): Promise<void>;
}

export async function startSandbox(opts: SandboxOptions & { port?: number; hostname?: string }): Promise<StartedSandbox> {
  const sandbox = createSandbox(opts);
  const hostname = opts.hostname ?? "127.0.0.1";
  const server = Bun.serve({
    hostname,
    port: opts.port ?? 0,
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
      sandbox.stop();
      await server.stop(true);
    },
  };
}
