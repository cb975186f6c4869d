import type { StackOperations } from "../operations/operation-service.ts";
import type { Stack } from "../model/vocabulary.ts";
import type { Ports } from "../runs/ports.ts";
import { type IdleRules, idleStopDue, idleWarningDue } from "./idle-forecast.ts";
import { idleForecastNow } from "./idle-now.ts";
import { type IdleWarning, idleWarning } from "./idle-warning.ts";

/**
 * Idle stop: a running stack whose OpenCode had no activity for IDLE_STOP_AFTER (idle-forecast.ts
 * says what counts), none busy now and not kept awake by its owner, is stopped (reason "idle");
 * its owner starts it again. When its OpenCode cannot be read, the stack is left alone: only a
 * stack known to be idle is stopped, never a busy one. Within IDLE_WARNING_BEFORE of the stop
 * the owner is warned once through IDLE_WARNING_WEBHOOK, if set (the page says it by itself).
 */

const CONCURRENT_CHECKS = 4;

export type IdleOutcome = "stopped" | "busy" | "active" | "kept_awake" | "unknown" | "skipped";

export interface IdleStopperOptions {
  rules: IdleRules;
  intervalMs: number;
  /** The portal's address, for the warning's link to the stack page. */
  publicUrl?: string;
  /** Sends a warning (IDLE_WARNING_WEBHOOK); true once it was taken. */
  warn?: (warning: IdleWarning) => Promise<boolean>;
  onCheck?: (outcome: IdleOutcome) => void;
  onWarning?: (sent: boolean) => void;
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
    if (this.opts.rules.stopAfterMs <= 0 || this.opts.intervalMs <= 0) return;
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
    // Its password for OpenCode, read once from Dokploy; unreadable, OpenCode is too ("unknown").
    const env = stack.applicationId
      ? await this.deps.client
          .applicationEnvironment(stack.applicationId, AbortSignal.timeout(this.deps.config.PROBE_ATTEMPT_TIMEOUT))
          .catch(() => "")
      : "";
    // Asked twice before a stop: a session opened during the first look keeps the stack running.
    for (let look = 0; look < 2; look++) {
      const { forecast, at } = await idleForecastNow(this.deps, stack, this.opts.rules, env);
      if (forecast.state !== "idle") return forecast.state;
      if (!idleStopDue(forecast, at)) {
        if (idleWarningDue(forecast, at)) await this.warn(stack, forecast, at);
        return "active";
      }
    }
    const result = this.operations.idleStop(stack);
    if (!result.ok) return "skipped";
    this.deps.log.info({ stack: stack.name, deploymentId: result.deploymentId }, "stopping an idle stack");
    return "stopped";
  }

  /**
   * Once per idle spell, whether or not a webhook is set (the page says it by itself): the stop
   * then comes IDLE_WARNING_BEFORE after this, at the earliest.
   */
  private async warn(stack: Stack, forecast: Parameters<typeof idleWarning>[1], at: number): Promise<void> {
    this.deps.store.lifecycle.markIdleWarned(stack.id, new Date(at).toISOString());
    if (!this.opts.warn) return;
    const sent = await this.opts.warn(idleWarning(stack, forecast, this.opts.publicUrl));
    this.opts.onWarning?.(sent);
  }
}
