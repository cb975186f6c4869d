import { readActivity } from "../probe/opencode-api.ts";
import type { StackOperations } from "../operations/operation-service.ts";
import type { Stack } from "../model/vocabulary.ts";
import type { Ports } from "../runs/ports.ts";

/**
 * Idle stop: a running stack whose OpenCode had no session change for IDLE_STOP_AFTER, and
 * none busy now, is stopped (reason "idle"); its owner starts it again. Activity comes from
 * the stack's own OpenCode API (opencode-api.ts). When that cannot be read, the stack is
 * left alone: only a stack known to be idle is stopped, never a busy one.
 */

const CONCURRENT_CHECKS = 4;

export type IdleOutcome = "stopped" | "busy" | "active" | "unknown" | "skipped";

export interface IdleStopperOptions {
  afterMs: number;
  intervalMs: number;
  onCheck?: (outcome: IdleOutcome) => void;
}

export class IdleStopper {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly deps: Pick<Ports, "client" | "store" | "log" | "config">,
    private readonly operations: StackOperations,
    private readonly opts: IdleStopperOptions,
  ) {}

  start(): void {
    if (this.opts.afterMs <= 0 || this.opts.intervalMs <= 0) return;
    const tick = () => {
      this.running = this.checkAll().finally(() => {
        this.running = null;
        if (!this.stopped) this.timer = setTimeout(tick, this.opts.intervalMs);
      });
    };
    this.timer = setTimeout(tick, this.opts.intervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /**
   * One pass over the stacks, a few at a time: each costs Dokploy one read and the stack two
   * requests, and an unreachable one waits for its timeouts. The next pass starts only after
   * this one, so slow passes never pile up.
   */
  async checkAll(): Promise<void> {
    const stacks = this.deps.store.stacks.list({ limit: 1_000_000 });
    for (let i = 0; i < stacks.length && !this.stopped; i += CONCURRENT_CHECKS) {
      await Promise.all(
        stacks.slice(i, i + CONCURRENT_CHECKS).map(async (stack) => {
          const outcome = await this.check(stack).catch((err) => {
            this.deps.log.warn({ stack: stack.name, err: err instanceof Error ? err.message : String(err) }, "idle check failed");
            return "unknown" as const;
          });
          this.opts.onCheck?.(outcome);
        }),
      );
    }
  }

  async check(stack: Stack): Promise<IdleOutcome> {
    const { store } = this.deps;
    const run = store.lifecycle.runState(stack.id);
    if (stack.status !== "ready" || run.state !== "running" || store.deployments.runningFor(stack.id)) return "skipped";
    // A stack just started (or deployed) counts as used then.
    const started = Date.parse(run.startedAt ?? stack.readyAt ?? stack.createdAt);
    // Idle as of when its OpenCode was asked (a slow answer must not age the activity it
    // reports), and asked twice: a session opened during the first look keeps the stack running.
    const idleSince = async (): Promise<IdleOutcome | number> => {
      const askedAt = Date.now();
      const activity = await readActivity(this.deps, stack, this.deps.config.PROBE_ATTEMPT_TIMEOUT);
      if (!activity) return "unknown";
      if (activity.busy) return "busy";
      const since = Math.max(activity.lastUpdated ?? 0, started);
      return askedAt - since < this.opts.afterMs ? "active" : since;
    };
    const first = await idleSince();
    if (typeof first !== "number") return first;
    const second = await idleSince();
    if (typeof second !== "number") return second;
    const since = second;
    const result = this.operations.idleStop(stack);
    if (!result.ok) return "skipped";
    this.deps.log.info({ stack: stack.name, deploymentId: result.deploymentId, idleSince: new Date(since).toISOString() }, "stopping an idle stack");
    return "stopped";
  }
}
