import { type DockerApi, DockerApiError } from "./docker-api.ts";

/**
 * The way in to a task on another node. Traefik runs beside Dokploy on the manager and reaches
 * every task over dokploy-network; the host is on no overlay, and a worker's tasks have no
 * docker_gwbridge address the host can reach. So, for those, the sandbox's Traefik goes through
 * this relay: a container on the manager, attached to dokploy-network, published on the
 * host's loopback only, that forwards each request to the overlay address named in its
 * `x-relay-target` header, bytes as they come (event streams too).
 */

const NAME = "ai-stack-sandbox-relay";
const PORT = 8080;
export const RELAY_TARGET_HEADER = "x-relay-target";

const SCRIPT = `
Bun.serve({
  port: ${PORT},
  idleTimeout: 0,
  async fetch(req) {
    const target = req.headers.get("${RELAY_TARGET_HEADER}");
    if (!target) return new Response("no target", { status: 400 });
    const url = new URL(req.url);
    const headers = new Headers(req.headers);
    headers.delete("${RELAY_TARGET_HEADER}");
    headers.delete("host");
    try {
      const res = await fetch("http://" + target + url.pathname + url.search, {
        method: req.method, headers, body: req.body, redirect: "manual", decompress: false,
      });
      return new Response(res.body, { status: res.status, headers: res.headers });
    } catch {
      return new Response("Bad Gateway", { status: 502 });
    }
  },
});`;

export class Relay {
  private started: Promise<string> | null = null;
  /** Whether this runtime started the relay (and so removes it). */
  private mine = false;

  constructor(
    private readonly api: DockerApi,
    private readonly image: string,
  ) {}

  /** The relay's address on the host's loopback, started on first use (or found running). */
  url(): Promise<string> {
    this.started ??= this.start().catch((err) => {
      this.started = null;
      throw err;
    });
    return this.started;
  }

  private async start(): Promise<string> {
    let port = await this.api.publishedPort(NAME, PORT).catch(() => null);
    if (port === null) {
      await this.api.removeContainer(NAME).catch(() => undefined);
      await this.api.runContainer(NAME, {
        Image: this.image,
        Cmd: ["bun", "-e", SCRIPT],
        ExposedPorts: { [`${PORT}/tcp`]: {} },
        HostConfig: { NetworkMode: "dokploy-network", PortBindings: { [`${PORT}/tcp`]: [{ HostIp: "127.0.0.1", HostPort: "" }] } },
      });
      this.mine = true;
      port = await this.api.publishedPort(NAME, PORT);
    }
    if (port === null) throw new DockerApiError(500, "the relay's port is not published");
    const url = `http://127.0.0.1:${port}`;
    // Bun inside takes a moment to listen.
    for (let i = 0; i < 50; i++) {
      if (
        await fetch(url).then(
          (r) => r.status === 400,
          () => false,
        )
      )
        return url;
      await Bun.sleep(100);
    }
    throw new DockerApiError(500, "the relay does not answer");
  }

  async remove(): Promise<void> {
    if (this.mine) await this.api.removeContainer(NAME).catch(() => undefined);
    this.started = null;
    this.mine = false;
  }
}
