/**
 * The few calls of Docker Engine's HTTP API the sandbox needs to run applications as real
 * Swarm services, over the engine's unix socket (Bun's fetch speaks it). API 1.41: Debian 12's
 * Engine 20.10, and what every newer engine still accepts.
 */

export const DOCKER_SOCKET = "/var/run/docker.sock";
const API = "http://docker/v1.41";

export class DockerApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface SwarmTask {
  ID: string;
  ServiceID: string;
  NodeID?: string;
  CreatedAt: string;
  UpdatedAt: string;
  DesiredState: string;
  Status: { Timestamp: string; State: string; Message?: string; Err?: string; ContainerStatus?: { ContainerID?: string } };
  /** The task's addresses on each network it is attached to (CIDR notation). */
  NetworksAttachments?: { Network: { Spec: { Name: string } }; Addresses: string[] }[];
}

export interface SwarmServiceInspect {
  ID: string;
  Version: { Index: number };
  Spec: { Name: string; TaskTemplate: Record<string, unknown> & { ForceUpdate?: number }; Mode?: { Replicated?: { Replicas?: number } } } & Record<
    string,
    unknown
  >;
}

export interface SwarmNodeInspect {
  ID: string;
  Description: { Hostname: string; Resources: { MemoryBytes: number; NanoCPUs: number } };
  Spec: { Role: "manager" | "worker"; Availability: string; Labels?: Record<string, string> };
  Status: { State: string; Addr?: string };
}

export class DockerApi {
  constructor(private readonly socket = DOCKER_SOCKET) {}

  private async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    const res = await fetch(`${API}${path}`, {
      method,
      unix: this.socket,
      headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    } as RequestInit & { unix: string });
    if (res.status >= 400) {
      const text = await res.text();
      let message = text;
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? text;
      } catch {}
      throw new DockerApiError(res.status, message.trim());
    }
    return res;
  }

  private async json<T>(method: string, path: string, body?: unknown): Promise<T> {
    return (await (await this.request(method, path, body)).json()) as T;
  }

  /** This engine's own node in the Swarm (where the host's containers run). */
  async localNodeId(): Promise<string> {
    return (await this.json<{ Swarm: { NodeID: string } }>("GET", "/info")).Swarm.NodeID;
  }

  /** Whether an engine answers on the socket, and in a Swarm. */
  async swarmActive(): Promise<boolean> {
    try {
      const info = await this.json<{ Swarm?: { LocalNodeState?: string } }>("GET", "/info");
      return info.Swarm?.LocalNodeState === "active";
    } catch {
      return false;
    }
  }

  /**
   * `docker pull`: resolves with the daemon's progress lines; a failed pull (an unknown tag, a
   * registry out of reach) rejects with the daemon's own words, as the CLI prints them.
   */
  async pull(image: string): Promise<string[]> {
    const res = await this.request("POST", `/images/create?fromImage=${encodeURIComponent(image)}`);
    const lines: string[] = [];
    for (const line of (await res.text()).split("\n")) {
      if (!line.trim()) continue;
      const event = JSON.parse(line) as { status?: string; error?: string; id?: string };
      if (event.error) throw new DockerApiError(500, event.error);
      if (event.status && !event.id) lines.push(event.status);
    }
    return lines;
  }

  async service(name: string): Promise<SwarmServiceInspect | null> {
    try {
      return await this.json<SwarmServiceInspect>("GET", `/services/${encodeURIComponent(name)}`);
    } catch (err) {
      if (err instanceof DockerApiError && err.status === 404) return null;
      throw err;
    }
  }

  createService(spec: Record<string, unknown>): Promise<{ ID: string }> {
    return this.json("POST", "/services/create", spec);
  }

  async updateService(id: string, version: number, spec: Record<string, unknown>): Promise<void> {
    await this.request("POST", `/services/${id}/update?version=${version}`, spec);
  }

  async removeService(name: string): Promise<boolean> {
    try {
      await this.request("DELETE", `/services/${encodeURIComponent(name)}`);
      return true;
    } catch (err) {
      if (err instanceof DockerApiError && err.status === 404) return false;
      throw err;
    }
  }

  /** The service's tasks, newest first, as `docker service ps` lists them. */
  async tasks(service: string): Promise<SwarmTask[]> {
    const filters = encodeURIComponent(JSON.stringify({ service: [service] }));
    const tasks = await this.json<SwarmTask[]>("GET", `/tasks?filters=${filters}`).catch((err) => {
      if (err instanceof DockerApiError && err.status === 404) return [];
      throw err;
    });
    return tasks.sort((a, b) => b.CreatedAt.localeCompare(a.CreatedAt));
  }

  nodes(): Promise<SwarmNodeInspect[]> {
    return this.json("GET", "/nodes");
  }

  /** `docker service logs --timestamps`: both streams, demultiplexed. */
  async serviceLogs(service: string, tail = 1000): Promise<string[]> {
    const res = await this.request("GET", `/services/${encodeURIComponent(service)}/logs?stdout=1&stderr=1&timestamps=1&tail=${tail}`);
    const raw = new Uint8Array(await res.arrayBuffer());
    const out: string[] = [];
    // Each frame: 1 byte stream, 3 zero bytes, 4 bytes big-endian length, then the payload.
    for (let at = 0; at + 8 <= raw.length; ) {
      const size = new DataView(raw.buffer, raw.byteOffset + at + 4, 4).getUint32(0);
      out.push(
        ...new TextDecoder()
          .decode(raw.subarray(at + 8, at + 8 + size))
          .split("\n")
          .filter(Boolean),
      );
      at += 8 + size;
    }
    return out;
  }

  /** The address a task's container has on docker_gwbridge, which the host reaches directly. */
  async gatewayAddress(containerId: string): Promise<string | null> {
    const net = await this.json<{ Containers?: Record<string, { IPv4Address?: string }> }>("GET", "/networks/docker_gwbridge");
    const address = net.Containers?.[containerId]?.IPv4Address;
    return address ? (address.split("/")[0] ?? null) : null;
  }

  /** `docker run -d --name <name>` of a container described as the Engine API's create takes it. */
  async runContainer(name: string, body: Record<string, unknown>): Promise<void> {
    const { Id } = await this.json<{ Id: string }>("POST", `/containers/create?name=${encodeURIComponent(name)}`, body);
    await this.request("POST", `/containers/${Id}/start`);
  }

  async removeContainer(name: string): Promise<void> {
    await this.request("DELETE", `/containers/${encodeURIComponent(name)}?force=1`);
  }

  /** The host port a running container publishes `port` on; null when it is not running. */
  async publishedPort(name: string, port: number): Promise<number | null> {
    const c = await this.json<{ State: { Running: boolean }; NetworkSettings: { Ports?: Record<string, { HostPort: string }[] | null> } }>(
      "GET",
      `/containers/${encodeURIComponent(name)}/json`,
    );
    const host = c.State.Running ? c.NetworkSettings.Ports?.[`${port}/tcp`]?.[0]?.HostPort : undefined;
    return host ? Number(host) : null;
  }

  async volumes(): Promise<{ Name: string; Driver: string; Mountpoint: string; Scope: string }[]> {
    return (
      (await this.json<{ Volumes: { Name: string; Driver: string; Mountpoint: string; Scope: string }[] | null }>("GET", "/volumes")).Volumes ?? []
    );
  }

  /** `docker volume rm`: rejects as the daemon does (404 no such volume, 409 in use). */
  async removeVolumeStrict(name: string): Promise<void> {
    await this.request("DELETE", `/volumes/${encodeURIComponent(name)}`);
  }
}
