import type { Config } from "../../config.ts";
import type { DokployClient } from "../../dokploy/client.ts";
import type { SwarmNode } from "../../dokploy/cluster-schemas.ts";

/**
 * Which Swarm node a stack lives on. Swarm may run a service on any node, and a named volume
 * exists only on the node where it was made: a stack that moved would find an empty
 * workspace. So a stack is given a node at its first deploy and pinned there with a
 * placement constraint, at create and at every redeploy.
 */

export type NodeHealth = "ready" | "down" | "drained" | "paused";

export interface ClusterNode {
  id: string;
  hostname: string;
  role: string;
  /** The Swarm leader: where Dokploy runs (and runs its volume backups) unless BACKUP_NODE says otherwise. */
  leader: boolean;
  health: NodeHealth;
  memoryBytes: number;
  /** Swarm's NanoCPUs (1e9 = one CPU); null when Dokploy does not say. */
  nanoCpus: number | null;
  labels: Record<string, string>;
}

export type PlacementConfig = Pick<Config, "STACK_NODE_LABEL" | "MAX_STACKS_PER_NODE" | "STACK_MEMORY_RESERVATION">;

export function toClusterNode(n: SwarmNode): ClusterNode {
  const state = n.Status?.State ?? "unknown";
  const availability = n.Spec?.Availability ?? "active";
  return {
    id: n.ID,
    hostname: n.Description?.Hostname ?? n.ID,
    role: n.Spec?.Role ?? "worker",
    leader: n.ManagerStatus?.Leader === true,
    // A node not "ready" (down, unknown, disconnected) runs nothing; drain moves tasks away.
    health: state !== "ready" ? "down" : availability === "drain" ? "drained" : availability === "pause" ? "paused" : "ready",
    memoryBytes: n.Description?.Resources?.MemoryBytes ?? 0,
    nanoCpus: n.Description?.Resources?.NanoCPUs ?? null,
    labels: n.Spec?.Labels ?? {},
  };
}

/** The Swarm constraint that keeps a service on one node. */
export const pinConstraint = (nodeId: string) => `node.id==${nodeId}`;

/** The body part of application.update that pins a stack (undefined leaves Dokploy's value). */
export function placementFor(nodeId: string | null | undefined) {
  return nodeId ? { Constraints: [pinConstraint(nodeId)] } : undefined;
}

export interface NodeRoom {
  node: ClusterNode;
  stacks: number;
  reservedBytes: number;
  freeBytes: number;
  /** New stacks the node can take by the rules below; null: no per-node bound (neither MAX_STACKS_PER_NODE nor a reservation). */
  freeStacks: number | null;
  /** Takes no new stack (freeStacks 0): not ready, not matching the label, at MAX_STACKS_PER_NODE or out of memory. */
  full: boolean;
}

/**
 * Each node's room, counting the live stacks the portal pinned there. One node (no cluster)
 * is counted like any node of many: Swarm refuses a task whose memory reservation a node
 * cannot hold, alone or not, and a stack placed on a full node only waits as a pending task
 * until its deploy times out.
 */
export function roomOf(nodes: ClusterNode[], stacksPerNode: Map<string, number>, config: PlacementConfig): NodeRoom[] {
  const reservation = config.STACK_MEMORY_RESERVATION ?? 0;
  const [labelKey, labelValue] = config.STACK_NODE_LABEL ? config.STACK_NODE_LABEL.split("=", 2) : [];
  return nodes.map((node) => {
    const stacks = stacksPerNode.get(node.id) ?? 0;
    const reservedBytes = stacks * reservation;
    const freeBytes = node.memoryBytes - reservedBytes;
    const eligible = node.health === "ready" && (labelKey === undefined || node.labels[labelKey] === labelValue);
    const byCount = config.MAX_STACKS_PER_NODE > 0 ? Math.max(0, config.MAX_STACKS_PER_NODE - stacks) : Number.POSITIVE_INFINITY;
    const byMemory = reservation > 0 ? Math.max(0, Math.floor(freeBytes / reservation)) : Number.POSITIVE_INFINITY;
    const room = eligible ? Math.min(byCount, byMemory) : 0;
    return { node, stacks, reservedBytes, freeBytes, freeStacks: Number.isFinite(room) ? room : null, full: room === 0 };
  });
}

const mostRoomFirst = (a: NodeRoom, b: NodeRoom) => b.freeBytes - a.freeBytes || a.stacks - b.stacks;

/**
 * The node for a new stack: the one with the most free memory reservation among those that
 * take stacks, one node or many. "full": no node has room. null: no node list (no pin).
 */
/** A node's room as the log tells it. */
export const describeRoom = (r: NodeRoom) => ({
  node: r.node.hostname,
  health: r.node.health,
  stacks: r.stacks,
  freeBytes: r.freeBytes,
  freeStacks: r.freeStacks,
});

export function chooseNode(nodes: ClusterNode[] | null, stacksPerNode: Map<string, number>, config: PlacementConfig): ClusterNode | "full" | null {
  if (!nodes || nodes.length === 0) return null;
  const open = roomOf(nodes, stacksPerNode, config).filter((r) => !r.full);
  // Ties go to fewer stacks, then to the node listed first (the manager), so the choice is stable.
  open.sort(mostRoomFirst);
  return open[0]?.node ?? "full";
}

/**
 * Dokploy's node list, reused briefly (every deploy and status read asks). Half a second: a
 * stack's status follows Swarm's word on its node that soon (bench/node-loss.ts), while a crowd
 * of readers costs Dokploy at most two reads a second.
 */
export class ClusterView {
  private cached: { at: number; nodes: ClusterNode[] } | null = null;
  private reading: Promise<ClusterNode[]> | null = null;

  constructor(
    private readonly client: DokployClient,
    private readonly ttlMs = 500,
    private readonly staleMs = 10_000,
  ) {}

  async nodes(signal?: AbortSignal): Promise<ClusterNode[]> {
    if (this.cached && Date.now() - this.cached.at < this.ttlMs) return this.cached.nodes;
    // A burst of deploys at a cold start asks Dokploy once, not once each. The shared read
    // carries no caller's signal (the client's own timeout bounds it): one caller giving up,
    // a scrape's short budget say, must not fail the others.
    this.reading ??= this.client
      .clusterNodes()
      .then((list) => {
        const nodes = list.map(toClusterNode);
        this.cached = { at: Date.now(), nodes };
        return nodes;
      })
      .finally(() => {
        this.reading = null;
      });
    return signal ? untilAborted(this.reading, signal) : this.reading;
  }

  /**
   * The list a new stack is placed by. A list read in the last `staleMs` is used at once and a
   * fresh one read behind it, so a deploy waits for Dokploy's node list only after a quiet
   * spell, not on every deploy (one round trip on its critical path). Nodes rarely change
   * within that time; a stack placed on a node that just went down waits for it, like the
   * stacks already there.
   */
  async forPlacement(signal?: AbortSignal): Promise<ClusterNode[]> {
    const cached = this.cached;
    const age = cached ? Date.now() - cached.at : Number.POSITIVE_INFINITY;
    if (!cached || age >= this.staleMs) return this.nodes(signal);
    if (age >= this.ttlMs) this.nodes().catch(() => undefined);
    return cached.nodes;
  }

  /** The list now; when Dokploy cannot say, the last one read (null before the first). */
  async nodesOrLast(signal?: AbortSignal): Promise<ClusterNode[] | null> {
    return this.nodes(signal).catch(() => this.cached?.nodes ?? null);
  }

  forget(): void {
    this.cached = null;
  }
}

/** `promise`, or the signal's reason once it aborts first. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason);
    signal.addEventListener("abort", abort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", abort));
  });
}
