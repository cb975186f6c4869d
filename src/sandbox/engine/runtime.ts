import { humanDuration } from "../procedures/docker.ts";
import { DockerApi, DockerApiError, type SwarmNodeInspect } from "./docker-api.ts";
import { RELAY_TARGET_HEADER, Relay } from "./relay.ts";

/**
 * The sandbox on the real engine (SANDBOX_RUNTIME=docker): the applications it deploys become
 * real Swarm services on the local Docker Engine, acted on as Dokploy v0.30.2 does (a deploy
 * pulls the image, then creates or updates the service; start and stop scale it to 1 or 0 and
 * wait for Swarm; a delete removes the service and keeps its volumes). The Dokploy API in front
 * stays the sandbox's; requests for a stack go to its real container.
 */
export class EngineRuntime {
  /** The services this sandbox made, for cleaning up after tests. */
  readonly made = new Set<string>();
  readonly volumes = new Set<string>();

  private localNode: string | null = null;
  private readonly relay: Relay;

  /** `relayImage`: an image with bun on the engine, for the relay to other nodes' tasks. */
  constructor(
    readonly api = new DockerApi(),
    relayImage = "oven/bun:debian",
  ) {
    this.relay = new Relay(api, relayImage);
  }

  /** The engine's nodes, as the sandbox's cluster lists them. */
  nodes(): Promise<SwarmNodeInspect[]> {
    return this.api.nodes();
  }

  /** Dokploy's deploy of a docker-source application: `docker pull`, then create or update the service. */
  async deploy(name: string, image: string, spec: Record<string, unknown>, log: (...lines: string[]) => void, pull = true): Promise<boolean> {
    if (pull) {
      try {
        log(...(await this.api.pull(image)), "✅ Pulling image completed.");
      } catch (err) {
        log(`Error response from daemon: ${err instanceof Error ? err.message : String(err)}`, "❌ Pulling image failed");
        return false;
      }
    }
    const existing = await this.api.service(name);
    if (existing) {
      const template = spec.TaskTemplate as Record<string, unknown>;
      await this.api.updateService(existing.ID, existing.Version.Index, {
        ...spec,
        TaskTemplate: { ...template, ForceUpdate: (existing.Spec.TaskTemplate.ForceUpdate ?? 0) + 1 },
      });
    } else await this.api.createService(spec);
    this.made.add(name);
    for (const m of (spec.TaskTemplate as { ContainerSpec: { Mounts: { Source: string }[] } }).ContainerSpec.Mounts ?? []) this.volumes.add(m.Source);
    return true;
  }

  /** `docker service scale <name>=<replicas>`; false when there is no such service. */
  async scale(name: string, replicas: number): Promise<boolean> {
    const svc = await this.api.service(name);
    if (!svc) return false;
    await this.api.updateService(svc.ID, svc.Version.Index, { ...svc.Spec, Mode: { Replicated: { Replicas: replicas } } });
    return true;
  }

  /**
   * Until Swarm has converged as `docker service scale` without --detach waits for it: no task
   * running (0), or the newest running (1), then `settleMs` more; or until `signal` aborts.
   */
  async scaled(name: string, replicas: number, settleMs: number, signal?: AbortSignal): Promise<void> {
    for (;;) {
      if (signal?.aborted) return;
      const tasks = await this.api.tasks(name);
      const running = tasks.filter((t) => t.Status.State === "running");
      const done = replicas <= 0 ? running.length === 0 : tasks[0]?.DesiredState === "running" && tasks[0]?.Status.State === "running";
      if (done || tasks.length === 0) break;
      await Bun.sleep(200);
    }
    if (settleMs > 0 && !signal?.aborted) await Bun.sleep(settleMs);
  }

  async remove(name: string): Promise<void> {
    await this.api.removeService(name);
  }

  /** `docker service ps <name> --no-trunc` as Dokploy parses it: newest first, with history. */
  async taskRows(name: string): Promise<{ containerId: string; name: string; state: string; currentState: string; node: string; error: string }[]> {
    const [tasks, nodes] = await Promise.all([this.api.tasks(name), this.api.nodes()]);
    const hostname = new Map(nodes.map((n) => [n.ID, n.Description.Hostname]));
    const now = Date.now();
    return tasks.map((t) => {
      const state = t.Status.State.charAt(0).toUpperCase() + t.Status.State.slice(1);
      return {
        containerId: t.ID,
        name: `${name}.${(t as { Slot?: number }).Slot ?? 1}`,
        state: t.DesiredState.toLowerCase(),
        currentState: `${state} ${humanDuration(now - Date.parse(t.Status.Timestamp))} ago`,
        node: (t.NodeID && hostname.get(t.NodeID)) || "",
        error: t.Status.Err ? `"${t.Status.Err}"` : "",
      };
    });
  }

  /** The service's output with timestamps, or null when there is no such service. */
  async logs(name: string): Promise<string[] | null> {
    try {
      return await this.api.serviceLogs(name);
    } catch (err) {
      if (err instanceof DockerApiError && err.status === 404) return null;
      throw err;
    }
  }

  /**
   * Where the newest running task of the service answers from the host: on this engine's own
   * node, its docker_gwbridge address; on another node, its dokploy-network address through
   * the relay (relay.ts). null when no task runs.
   */
  async address(name: string, port: number): Promise<{ url: string; headers: Record<string, string> } | null> {
    // Not one Swarm is stopping.
    const running = (await this.api.tasks(name)).filter((t) => t.Status.State === "running" && t.DesiredState === "running");
    if (running.length === 0) return null;
    this.localNode ??= await this.api.localNodeId();
    // Nor one on a Down node, whose task still reads running: the node list is read only when
    // another node is in question (one node: never).
    const elsewhere = running.some((t) => t.NodeID !== this.localNode);
    const ready = elsewhere ? new Set((await this.api.nodes()).filter((n) => n.Status.State === "ready").map((n) => n.ID)) : null;
    const task = running.find((t) => t.NodeID === this.localNode || (t.NodeID !== undefined && ready?.has(t.NodeID)));
    if (!task) return null;
    if (task.NodeID !== this.localNode) {
      const overlay = task.NetworksAttachments?.find((n) => n.Network.Spec.Name === "dokploy-network")?.Addresses[0]?.split("/")[0];
      return overlay ? { url: await this.relay.url(), headers: { [RELAY_TARGET_HEADER]: `${overlay}:${port}` } } : null;
    }
    const container = task.Status.ContainerStatus?.ContainerID;
    const address = container ? await this.api.gatewayAddress(container) : null;
    return address ? { url: `http://${address}:${port}`, headers: {} } : null;
  }

  /** `docker volume ls --format '{{json .}}'`, as Dokploy reads it. */
  async volumeRows(): Promise<Record<string, string>[]> {
    return (await this.api.volumes()).map((v) => ({
      Driver: v.Driver,
      Labels: "",
      Links: "N/A",
      Mountpoint: v.Mountpoint,
      Name: v.Name,
      Scope: v.Scope,
      Size: "N/A",
    }));
  }

  /** `docker volume rm`: null once gone, else the daemon's words (no such volume, in use). */
  async removeVolume(name: string): Promise<string | null> {
    try {
      await this.api.removeVolumeStrict(name);
      return null;
    } catch (err) {
      if (err instanceof DockerApiError && err.status === 404) return `Error: No such volume: ${name}`;
      return `Error response from daemon: ${err instanceof Error ? err.message : String(err)}`;
    }
  }

  /** Removes what this sandbox made: its services, then (once their containers are gone) their volumes. */
  async cleanup(): Promise<void> {
    await Promise.all([...this.made].map((name) => this.api.removeService(name).catch(() => false)));
    this.made.clear();
    await this.relay.remove();
    for (let attempt = 0; attempt < 20 && this.volumes.size > 0; attempt++) {
      for (const volume of [...this.volumes]) {
        const error = await this.removeVolume(volume);
        // Gone, or never made: either way nothing is left of it.
        if (error === null || error.startsWith("Error: No such volume")) this.volumes.delete(volume);
      }
      if (this.volumes.size > 0) await Bun.sleep(500);
    }
  }
}
