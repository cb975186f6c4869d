import type { Stack } from "../model/vocabulary.ts";
import {
  type BackupPorts,
  BACKUP_STATES,
  type BackupState,
  backupStateOf,
  backupSummary,
  refreshBackupRuns,
  summariseBackups,
} from "../backups/backups.ts";
import { type OutOfReach, outOfReach } from "../backups/backup-reach.ts";
import type { ClusterNode, ClusterView } from "../placement/nodes.ts";
import { type NodeCapacity, type NodeCapacityConfig, nodeFigures } from "./node-capacity.ts";
import { type Unavailable, unavailableFor } from "../placement/node-health.ts";
import type { FleetOverview } from "./nodes-overview.ts";
import { now } from "../runs/saga.ts";
import type { Placement } from "../../store/placements.ts";
import { type CapacityConfig, type CapacityReport, fleetCapacity } from "./capacity.ts";
import { stacksWithHistory } from "./stack-list.ts";

/**
 * The fleet across Dokploy's Swarm nodes: which node each stack is on, what a node being
 * down or drained means for its stacks, and the admin's explicit move of a stack.
 */

export interface StackNode {
  id: string;
  hostname: string;
  health: ClusterNode["health"] | "gone";
}

const UNAVAILABLE_MESSAGE: Record<Unavailable, string> = {
  node_down: "The server this stack runs on is down; the stack comes back when the server does",
  node_drained: "The server this stack runs on is being serviced (drained); the stack waits for it",
};

export class Fleet {
  constructor(
    private readonly deps: BackupPorts,
    private readonly cluster: ClusterView,
    private readonly config: NodeCapacityConfig & CapacityConfig,
  ) {}

  /** The stack's node as Dokploy reports it now; null when it has none or Dokploy cannot say. */
  async nodeOf(stack: Stack): Promise<StackNode | null> {
    const placement = this.deps.store.placements.of(stack.id);
    if (!placement) return null;
    const nodes = await this.cluster.nodesOrLast();
    if (!nodes) return { id: placement.nodeId, hostname: placement.hostname, health: "ready" };
    const node = nodes.find((n) => n.id === placement.nodeId);
    return { id: placement.nodeId, hostname: node?.hostname ?? placement.hostname, health: node?.health ?? "gone" };
  }

  /** Each node's health by id ("gone" for one Dokploy no longer lists); undefined when Dokploy cannot say. */
  async healthLookup(): Promise<((nodeId: string) => string | null) | undefined> {
    const nodes = await this.cluster.nodesOrLast();
    if (!nodes) return undefined;
    const byId = new Map(nodes.map((n) => [n.id, n.health]));
    return (nodeId) => byId.get(nodeId) ?? "gone";
  }

  /** Whether each stack is out of the backups' reach; undefined without backups or a node list. */
  async backupReachLookup(): Promise<((stackId: number) => OutOfReach) | undefined> {
    if (!this.deps.config.BACKUP_DESTINATION_ID) return undefined;
    const nodes = await this.cluster.nodesOrLast();
    if (!nodes) return undefined;
    return (stackId) => outOfReach(this.deps.store.placements.of(stackId), nodes, this.deps.config.BACKUP_NODE);
  }

  /** Why a stack that should run cannot: its node is down (or gone) or drained. */
  static unavailable(stack: Stack, node: StackNode | null): Unavailable | null {
    return stack.status === "ready" ? unavailableFor(node?.health) : null;
  }

  /** The status a reader sees: "unavailable" (not "failed") while the stack's node is out. */
  async statusOf(stack: Stack): Promise<{ status: string; unavailableReason: Unavailable | null; message?: string }> {
    const reason = Fleet.unavailable(stack, await this.nodeOf(stack));
    return reason
      ? { status: "unavailable", unavailableReason: reason, message: UNAVAILABLE_MESSAGE[reason] }
      : { status: stack.status, unavailableReason: null };
  }

  /** The stack page's extra part: node, availability and backups. */
  async detailsOf(stack: Stack) {
    // The backups' newest runs, as Dokploy has them now (the store keeps the last known).
    await refreshBackupRuns(this.deps, stack.id, AbortSignal.timeout(this.deps.config.PROBE_ATTEMPT_TIMEOUT)).catch(() => undefined);
    const node = await this.nodeOf(stack);
    const reason = Fleet.unavailable(stack, node);
    return {
      ...(reason
        ? { status: "unavailable" as const, unavailableReason: reason, unavailableMessage: UNAVAILABLE_MESSAGE[reason] }
        : { unavailableReason: null }),
      node: node ? { hostname: node.hostname, health: node.health } : null,
      backups: backupSummary(this.deps, stack.id, (await this.backupReachLookup())?.(stack.id) ?? null),
    };
  }

  /** The ready stacks' backups for /metrics: how many in each state, and the oldest last good backup; null without backups. */
  async backupStates(): Promise<{ counts: Record<BackupState, number>; oldestSuccessAt: string | null } | null> {
    if (!this.deps.config.BACKUP_DESTINATION_ID) return null;
    // One read each of the nodes, the placements and the backups, not one per stack (every scrape).
    const nodes = await this.cluster.nodesOrLast();
    const placements = new Map(this.deps.store.placements.live().map((p) => [p.stackId, p]));
    const rows = this.deps.store.backups.byStack();
    const counts = Object.fromEntries(BACKUP_STATES.map((s) => [s, 0])) as Record<BackupState, number>;
    let oldestSuccessAt: string | null = null;
    for (const stack of this.deps.store.stacks.list({ limit: 1_000_000 })) {
      if (stack.status !== "ready") continue;
      const away = outOfReach(placements.get(stack.id) ?? null, nodes, this.deps.config.BACKUP_NODE);
      const summary = summariseBackups(rows.get(stack.id) ?? [], away);
      counts[backupStateOf(summary)] += 1;
      const at = summary?.lastBackupAt;
      if (at && (oldestSuccessAt === null || at < oldestSuccessAt)) oldestSuccessAt = at;
    }
    return { counts, oldestSuccessAt };
  }

  /** GET /api/admin/capacity: the fleet by status, run state and image, and per node what Dokploy reports. */
  capacity(onNodesError: (err: unknown) => void): Promise<CapacityReport> {
    return fleetCapacity(
      this.deps.store,
      this.config,
      async () => {
        const nodes = await this.nodeFigures();
        return nodes.length ? nodes : null;
      },
      onNodesError,
    );
  }

  /** The admin's list: each stack with its latest deployment, its node's health and its backups' reach. */
  async stackList(includeGone: boolean, quarantineDays: number) {
    const [nodeHealth, backupReach] = await Promise.all([this.healthLookup(), this.backupReachLookup()]);
    return stacksWithHistory(this.deps.store, { includeGone, quarantineDays, nodeHealth, backupReach });
  }

  /** Per node: its stacks, what they reserve against its resources, its room and the stacks a node problem affects. */
  async nodeFigures(signal?: AbortSignal): Promise<NodeCapacity[]> {
    const nodes = await this.cluster.nodes(signal);
    const running = (stackId: number) => this.deps.store.lifecycle.runState(stackId).state === "running";
    return nodeFigures(nodes, this.deps.store.placements.live(), running, this.config);
  }

  /** The admin view (GET /api/admin/nodes): every node with its room, every placed stack, and the affected ones. */
  async overview(): Promise<FleetOverview> {
    const [figures, reach] = await Promise.all([this.nodeFigures(), this.backupReachLookup()]);
    const byNode = new Map(figures.map((n) => [n.id, n]));
    const rows = this.deps.store.backups.byStack();
    const stacks = this.deps.store.placements.live().map((p) => {
      const node = byNode.get(p.nodeId);
      const backups = summariseBackups(rows.get(p.stackId) ?? [], reach?.(p.stackId) ?? null);
      return {
        name: p.name,
        status: p.status,
        nodeId: p.nodeId,
        hostname: node?.hostname ?? p.hostname,
        unavailableReason: p.status === "ready" ? unavailableFor(node?.health ?? "gone") : null,
        lastBackupAt: backups?.lastBackupAt ?? null,
        backupFailing: backups?.failing ?? false,
        backupOutOfReach: Boolean(backups?.outOfReach),
      };
    });
    return {
      nodes: figures.map((n) => ({
        id: n.id,
        hostname: n.hostname,
        role: n.role,
        health: n.health,
        memoryBytes: n.resources.memoryBytes,
        reservedBytes: n.reserved.memoryBytes ?? 0,
        freeBytes: n.freeMemoryBytes,
        stacks: n.stacks,
        freeStacks: n.freeStacks,
        takesNewStacks: n.takesNewStacks,
      })),
      stacks,
      affected: stacks.filter((s) => s.unavailableReason !== null),
    };
  }

  /**
   * Pins a stack to another node. Its volumes stay on the old node: on the new one it starts
   * with an empty workspace unless restored from a backup (docs/operations.md). The caller
   * redeploys it so that the pin takes effect.
   */
  async move(
    stack: Stack,
    nodeId: string,
  ): Promise<{ ok: true; from: Placement | null; to: ClusterNode } | { ok: false; code: string; message: string }> {
    this.cluster.forget();
    const nodes = await this.cluster.nodes();
    const node = nodes.find((n) => n.id === nodeId || n.hostname === nodeId);
    if (!node) return { ok: false, code: "not_found", message: "There is no such node in Dokploy's cluster" };
    if (node.health !== "ready") return { ok: false, code: "node_unavailable", message: `The node ${node.hostname} is ${node.health}` };
    const from = this.deps.store.placements.of(stack.id);
    this.deps.store.placements.set(stack.id, node.id, node.hostname, now());
    return { ok: true, from, to: node };
  }
}

export const MOVE_WARNING =
  "The workspace and OpenCode data stay on the old server: on the new one the stack starts empty unless they are restored from a backup (docs/operations.md, 'Restore a workspace from a backup').";
