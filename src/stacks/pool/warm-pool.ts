import type { PoolMember } from "../../store/pool.ts";
import { provision } from "../deploy/deploy-saga.ts";
import { deleteStack } from "../deploy/delete-saga.ts";
import type { Deployment, Stack } from "../model/vocabulary.ts";
import { planStack } from "../model/resource-plan.ts";
import { volumesFor } from "../owners/volume-generations.ts";
import { newStackPassword } from "../owners/secrets.ts";
import { type ClusterNode, chooseNode } from "../placement/nodes.ts";
import { unavailableFor } from "../placement/node-health.ts";
import { stackCredentials } from "../probe/opencode-api.ts";
import type { DeploySlots } from "../runs/deploy-slots.ts";
import type { Ports } from "../runs/ports.ts";
import type { Runner } from "../runs/runner.ts";
import { now } from "../runs/saga.ts";
import { newPoolName } from "./pool-names.ts";
import { currentFleetImage } from "../rollout/fleet-image.ts";

/**
 * The warm pool: stacks made ahead, with no owner, no domain and a password nobody has seen,
 * so that a deploy can take one that already answers (deploy/stack-service.ts) instead of
 * waiting for Dokploy, Swarm and OpenCode. A pooled stack is an ordinary stack row with
 * `pool_state` set: the store, the Runner's recovery and the reconciler know it as they know any
 * stack, and a claim is one UPDATE that only a ready, unclaimed row passes (store/pool.ts), so
 * two deploys never get the same stack, whatever restarts in between.
 *
 * The pool refills in the background, one stack at a time, only with a deploy slot that is free
 * with nobody waiting (owners' deploys go first), within MAX_STACKS and the nodes' room; it lets
 * go of stacks on another image than the fleet's current one (a finished rollout's, else
 * STACK_IMAGE: rollout/fleet-image.ts) or older than POOL_MAX_AGE, and of any beyond POOL_SIZE.
 */

export interface WarmPoolOptions {
  size: number;
  /** 0: a pooled stack is never replaced for its age. */
  maxAgeMs: number;
  /** MAX_STACKS (0: no limit): owned and pooled stacks together stay within it. */
  maxStacks: number;
  /** How often the pool looks at itself besides after each of its runs and claims. */
  intervalMs: number;
  /** A pooled stack was made (`ready`) or could not be (`failed`), or let go (`replaced`). */
  onMember?: (outcome: "ready" | "failed" | "replaced") => void;
}

/** What a deploy takes from the pool: its stack (now the owner's), its run and the password to hand out. */
export interface Taken {
  stack: Stack;
  deployment: Deployment;
  password: string;
  /** The name it had in the pool (its volumes and Swarm service keep it). */
  pooledAs: string;
}

/** After a failed warm, the pool waits this long (doubled after each further failure, up to 10 min). */
const RETRY_BASE_MS = 5_000;
const RETRY_MAX_MS = 10 * 60_000;

export class WarmPool {
  private timer: ReturnType<typeof setInterval> | null = null;
  private ticking: Promise<void> | null = null;
  private again = false;
  /** Warms this process started that have not ended. */
  private warming = 0;
  private failures = 0;
  private retryAt = 0;
  private stopped = false;

  constructor(
    private readonly deps: Ports,
    private readonly runner: Runner,
    private readonly slots: DeploySlots,
    private readonly opts: WarmPoolOptions,
  ) {}

  get size(): number {
    return this.opts.size;
  }

  start(): void {
    // A pool switched off still lets go, once, of the stacks an earlier configuration left.
    this.nudge();
    if (this.opts.size > 0 && this.opts.intervalMs > 0) this.timer = setInterval(() => this.nudge(), this.opts.intervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.ticking;
  }

  /** Looks at the pool soon; calls while a look runs lead to one more afterwards. */
  nudge(): void {
    if (this.stopped) return;
    if (this.ticking) {
      this.again = true;
      return;
    }
    this.ticking = this.tick()
      .catch((err) => this.deps.log.warn({ err: err instanceof Error ? err.message : String(err) }, "warm pool: a check failed"))
      .finally(() => {
        this.ticking = null;
        if (this.again) {
          this.again = false;
          this.nudge();
        }
      });
  }

  /** The counts /metrics and the capacity view show. */
  figures(): { wanted: number; ready: number; warming: number } {
    return { wanted: this.opts.size, ...this.deps.store.pool.counts() };
  }

  /**
   * Ready pooled stacks a deploy may take now, oldest first: on the fleet's current image, within POOL_MAX_AGE,
   * on a node that can run them (`nodes`, when known).
   */
  candidates(nodes: ClusterNode[] | null): PoolMember[] {
    const placed = new Map(this.deps.store.placements.live().map((p) => [p.stackId, p.nodeId]));
    const image = currentFleetImage(this.deps).current;
    const health = new Map(nodes?.map((n) => [n.id, n.health]) ?? []);
    return this.deps.store.pool.members().filter((m) => {
      if (m.pool !== "ready" || m.status !== "ready" || !this.current(m, image)) return false;
      const node = placed.get(m.id);
      if (!nodes || !node) return true;
      return unavailableFor(health.get(node) ?? "gone") === null;
    });
  }

  /**
   * Gives a ready pooled stack to a deploy: its password is read from Dokploy first (the pool
   * keeps none), then, in one transaction another deploy cannot share, `refuse` may say why not
   * (a limit), the stack is renamed and owned, and `record` adds the owner's records and the run.
   * Null when none could be taken: the deploy then makes a stack as without a pool. "taken":
   * a live stack of the name appeared meanwhile.
   */
  async take(
    nodes: ClusterNode[] | null,
    to: { name: string; url: string; tokenHash: string },
    refuse: () => string | null,
    record: (stack: Stack) => Deployment,
  ): Promise<Taken | string | null> {
    for (const candidate of this.candidates(nodes)) {
      const credentials = candidate.applicationId
        ? await stackCredentials(this.deps, candidate.applicationId).catch((err) => {
            this.deps.log.warn({ stack: candidate.name, err: err instanceof Error ? err.message : String(err) }, "warm pool: password not readable");
            return null;
          })
        : null;
      // One whose application Dokploy cannot read is no use to anyone: the pool makes another.
      if (!credentials) {
        this.letGo(candidate);
        continue;
      }
      let taken: Deployment | string | null;
      try {
        taken = this.deps.store.transaction(() => {
          const refused = refuse();
          if (refused) return refused;
          if (!this.deps.store.pool.take(candidate.id, to, now())) return null;
          return record(this.deps.store.stacks.existing(candidate.id));
        });
      } catch (err) {
        if (err instanceof Error && /UNIQUE constraint failed/.test(err.message)) return "taken";
        throw err;
      }
      if (typeof taken === "string") return taken;
      if (taken) {
        this.nudge();
        return { stack: this.deps.store.stacks.existing(candidate.id), deployment: taken, password: credentials.password, pooledAs: candidate.name };
      }
    }
    return null;
  }

  /** Whether a pooled stack is what a deploy would make now: the fleet's current image, and young enough. */
  private current(m: PoolMember, image: string): boolean {
    if (m.image !== null && m.image !== image) return false;
    return this.opts.maxAgeMs <= 0 || Date.now() - Date.parse(m.createdAt) < this.opts.maxAgeMs;
  }

  private async tick(): Promise<void> {
    const members = this.deps.store.pool.members();
    const live = members.filter((m) => m.status === "ready" || m.status === "deploying");
    // Stale ones go, and then the oldest beyond the size, or beyond what MAX_STACKS leaves.
    const image = currentFleetImage(this.deps).current;
    const stale = live.filter((m) => m.status === "ready" && !this.current(m, image));
    const kept = live.filter((m) => !stale.includes(m));
    const room = this.opts.maxStacks > 0 ? Math.max(0, this.opts.maxStacks - this.deps.store.stacks.countLive()) : Number.POSITIVE_INFINITY;
    const wanted = Math.min(this.opts.size, room);
    const surplus = kept.filter((m) => m.status === "ready").slice(0, Math.max(0, kept.length - wanted));
    for (const m of [...stale, ...surplus]) this.letGo(m);
    if (kept.length - surplus.length < wanted && this.warming === 0 && Date.now() >= this.retryAt) await this.warmOne();
  }

  /** Starts making one pooled stack, if a deploy slot is free with nobody waiting and a node has room. */
  private async warmOne(): Promise<void> {
    if (this.deps.client.resilience.circuit === "open") return;
    let nodes: ClusterNode[] | null = null;
    try {
      nodes = this.deps.cluster ? await this.deps.cluster.forPlacement() : null;
    } catch {
      return;
    }
    const release = this.slots.tryAcquire();
    if (!release) return;
    const name = newPoolName();
    const plan = planStack({ name, volumeGeneration: 0 }, this.deps.config);
    const deploymentId = crypto.randomUUID();
    const created = this.deps.store.transaction(() => {
      const node = chooseNode(nodes, this.deps.store.placements.liveCounts(), this.deps.config);
      if (node === "full") return null;
      // No owner ever had the name (owners' names never hold "--"), so its volumes are new.
      const volumes = volumesFor(this.deps.store.stacks.volumeHistory(name), () => false);
      const stack = this.deps.store.stacks.insert(name, plan.url, "", now(), volumes, "warming");
      if (!stack) return null;
      if (node) this.deps.store.placements.set(stack.id, node.id, node.hostname, now());
      return { stack, deployment: this.deps.store.deployments.insert(deploymentId, stack.id, "warm", now()) };
    });
    if (!created) {
      release();
      return;
    }
    this.warming++;
    this.deps.log.info({ deploymentId, stack: name }, "warm pool: making a stack");
    this.runner.start(
      deploymentId,
      "warm",
      async (signal) => {
        try {
          await provision(this.deps, { deployment: created.deployment, stack: created.stack, password: newStackPassword(), signal });
        } finally {
          release();
          this.warming--;
          this.ended(created.stack.id);
        }
      },
      { slot: false },
    );
  }

  private ended(stackId: number): void {
    const ok = this.deps.store.stacks.byId(stackId)?.status === "ready";
    this.opts.onMember?.(ok ? "ready" : "failed");
    this.failures = ok ? 0 : this.failures + 1;
    this.retryAt = ok ? 0 : Date.now() + Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (this.failures - 1));
    this.nudge();
  }

  /** Removes a pooled stack through the delete saga (no final backup: nobody used it). */
  private letGo(m: PoolMember): void {
    const deploymentId = crypto.randomUUID();
    const deployment = this.deps.store.transaction(() => {
      // Not if a deploy took it meanwhile.
      if (this.deps.store.stacks.byId(m.id)?.pool === null) return null;
      this.deps.store.stacks.setStatus(m.id, "deleting", now());
      return this.deps.store.deployments.insert(deploymentId, m.id, "delete", now());
    });
    if (!deployment) return;
    this.opts.onMember?.("replaced");
    this.deps.log.info({ deploymentId, stack: m.name, image: m.image }, "warm pool: letting a stack go");
    this.runner.start(
      deploymentId,
      "delete",
      () => deleteStack(this.deps, { deployment, stack: m, cancelDeploy: async () => false, finalBackup: false }).finally(() => this.nudge()),
      { slot: false },
    );
  }
}
