// The Docker Swarm cluster behind the sandbox: nodes with resources and states, where each
// task runs, and the named volumes of each node. A named volume is local to its node: a task
// placed on another node gets a new, empty volume of the same name, as in Swarm.
import { nowIso, swarmId } from "./ids.ts";

export type NodeState = "ready" | "down" | "unknown" | "disconnected";
export type NodeAvailability = "active" | "pause" | "drain";

export interface ClusterNode {
  id: string;
  hostname: string;
  role: "manager" | "worker";
  availability: NodeAvailability;
  state: NodeState;
  memoryBytes: number;
  nanoCpus: number;
  labels: Record<string, string>;
  addr: string;
  /** The server runs (its tasks answer); false between a power loss and its return. */
  powered: boolean;
  /** When Swarm last saw it come back (its Down tasks are failed then). */
  readyAt: number;
  createdAt: string;
  updatedAt: string;
}

export interface NodeInput {
  /** A real node's id (the engine runtime); else a new one. */
  id?: string;
  hostname: string;
  role?: "manager" | "worker";
  memoryBytes?: number;
  nanoCpus?: number;
  labels?: Record<string, string>;
}

/** The manager node: roomy (64 GiB, 16 CPUs), so that tests deploying many stacks on one server fit. */
const MANAGER: NodeInput = { hostname: "dokploy-manager", role: "manager", memoryBytes: 64 * 1024 ** 3, nanoCpus: 16e9 };

export class Cluster {
  nodes = new Map<string, ClusterNode>();
  /** node id -> volume name -> files (path -> content) in it. */
  volumes = new Map<string, Map<string, Record<string, string>>>();
  private managerId = "";

  /** `manager`: the node Dokploy runs on (the engine runtime passes the real one). */
  constructor(private readonly managerInput: NodeInput = MANAGER) {
    this.clear();
  }

  /** Back to one manager node; every node's volumes are gone. */
  clear(): void {
    this.nodes.clear();
    this.volumes.clear();
    this.managerId = this.add(this.managerInput).id;
  }

  /** The node Dokploy itself runs on (its `docker run` commands, e.g. volume backups, run here). */
  get manager(): ClusterNode {
    const node = this.nodes.get(this.managerId);
    if (!node) throw new Error("the sandbox cluster has no manager");
    return node;
  }

  add(input: NodeInput): ClusterNode {
    const at = nowIso();
    const node: ClusterNode = {
      id: input.id ?? swarmId(),
      hostname: input.hostname,
      role: input.role ?? "worker",
      availability: "active",
      state: "ready",
      memoryBytes: input.memoryBytes ?? 8 * 1024 ** 3,
      nanoCpus: input.nanoCpus ?? 4e9,
      labels: { ...(input.labels ?? {}) },
      addr: `10.0.0.${this.nodes.size + 2}`,
      powered: true,
      readyAt: Date.now(),
      createdAt: at,
      updatedAt: at,
    };
    this.nodes.set(node.id, node);
    this.volumes.set(node.id, new Map());
    return node;
  }

  /** `docker node update --availability ...`, or the node going down / coming back. */
  update(id: string, patch: { state?: NodeState; availability?: NodeAvailability; memoryBytes?: number; powered?: boolean }): ClusterNode | null {
    const node = this.nodes.get(id);
    if (!node) return null;
    if (patch.memoryBytes !== undefined) node.memoryBytes = patch.memoryBytes;
    if (patch.powered !== undefined) node.powered = patch.powered;
    if (patch.state === "ready" && node.state !== "ready") node.readyAt = Date.now();
    if (patch.state) node.state = patch.state;
    if (patch.availability) node.availability = patch.availability;
    node.updatedAt = nowIso();
    return node;
  }

  /** Whether a task on the node can answer: its server runs and Swarm keeps the task there. */
  serves(id: string | null): boolean {
    return this.usable(id) && this.nodes.get(id as string)?.powered === true;
  }

  /** A node Swarm schedules new tasks on and keeps tasks running on. */
  usable(id: string | null): boolean {
    const node = id ? this.nodes.get(id) : undefined;
    return node !== undefined && node.state === "ready" && node.availability === "active";
  }

  /**
   * Swarm's scheduler for one task: nodes that are ready and active, match every placement
   * constraint and have the memory reservation free; among them the one with the fewest
   * tasks (spread). No such node: the task stays pending, and `err` is what swarmkit writes
   * into the task's status, e.g. "no suitable node (insufficient resources on 1 node)".
   */
  place(
    constraints: string[],
    reservation: number,
    load: (nodeId: string) => { tasks: number; reserved: number },
  ): { node: string; err: "" } | { node: null; err: string } {
    let best: { id: string; tasks: number } | null = null;
    // swarmkit's filter pipeline, in its order; a node is counted against the first it fails.
    const failures = { ready: 0, resources: 0, constraints: 0 };
    for (const node of this.nodes.values()) {
      if (!this.usable(node.id)) {
        failures.ready += 1;
        continue;
      }
      const { tasks, reserved } = load(node.id);
      if (reservation > 0 && node.memoryBytes - reserved < reservation) {
        failures.resources += 1;
        continue;
      }
      if (!constraints.every((c) => matches(node, c))) {
        failures.constraints += 1;
        continue;
      }
      if (!best || tasks < best.tasks) best = { id: node.id, tasks };
    }
    return best ? { node: best.id, err: "" } : { node: null, err: noSuitableNode(failures) };
  }

  /** `docker volume create` on first use by a task on that node (empty). */
  ensureVolume(nodeId: string, name: string): Record<string, string> {
    const onNode = this.volumes.get(nodeId) ?? new Map<string, Record<string, string>>();
    this.volumes.set(nodeId, onNode);
    let files = onNode.get(name);
    if (!files) {
      files = {};
      onNode.set(name, files);
    }
    return files;
  }

  /** The Docker Engine API's Node object, as dockerode's listNodes returns it. */
  dockerNode(node: ClusterNode) {
    return {
      ID: node.id,
      Version: { Index: 1 },
      CreatedAt: node.createdAt,
      UpdatedAt: node.updatedAt,
      Spec: { Labels: { ...node.labels }, Role: node.role, Availability: node.availability },
      Description: {
        Hostname: node.hostname,
        Platform: { Architecture: "x86_64", OS: "linux" },
        Resources: { NanoCPUs: node.nanoCpus, MemoryBytes: node.memoryBytes },
        Engine: { EngineVersion: "27.5.1", Plugins: [] },
      },
      Status: { State: node.state, Addr: node.addr },
      ...(node.role === "manager"
        ? { ManagerStatus: { Leader: node.id === this.managerId, Reachability: "reachable", Addr: `${node.addr}:2377` } }
        : {}),
    };
  }

  snapshot() {
    return {
      nodes: [...this.nodes.values()].map((n) => ({ ...n, labels: { ...n.labels } })),
      nodeVolumes: Object.fromEntries(
        [...this.volumes].map(([id, vols]) => [id, Object.fromEntries([...vols].map(([name, files]) => [name, { ...files }]))]),
      ),
    };
  }
}

/** One placement constraint: node.id, node.hostname, node.role or node.labels.<key>, with == or !=. */
export function matches(node: ClusterNode, constraint: string): boolean {
  const m = /^\s*([a-zA-Z0-9_.-]+)\s*(==|!=)\s*(.+?)\s*$/.exec(constraint);
  if (!m) return false;
  const [, key = "", op, expected] = m;
  let actual: string | undefined;
  if (key === "node.id") actual = node.id;
  else if (key === "node.hostname") actual = node.hostname;
  else if (key === "node.role") actual = node.role;
  else if (key.startsWith("node.labels.")) actual = node.labels[key.slice("node.labels.".length)];
  else return false;
  return op === "==" ? actual === expected : actual !== expected;
}

/**
 * swarmkit's explanation (scheduler/pipeline.go Explain, filter.go): each filter's failures,
 * most first, "; "-joined, in "no suitable node (…)".
 */
function noSuitableNode(failures: { ready: number; resources: number; constraints: number }): string {
  const nodes = (n: number) => (n === 1 ? "1 node" : `${n} nodes`);
  const parts: [number, string][] = [
    [failures.ready, failures.ready === 1 ? "1 node not available for new tasks" : `${failures.ready} nodes not available for new tasks`],
    [failures.resources, `insufficient resources on ${nodes(failures.resources)}`],
    [failures.constraints, `scheduling constraints not satisfied on ${nodes(failures.constraints)}`],
  ];
  const explanation = parts
    .filter(([n]) => n > 0)
    .sort((a, b) => b[0] - a[0])
    .map(([, text]) => text)
    .join("; ");
  return explanation ? `no suitable node (${explanation})` : "no suitable node";
}
