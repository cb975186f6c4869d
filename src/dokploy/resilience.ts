import {
  BrokenCircuitError,
  BulkheadRejectedError,
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  TaskCancelledError,
  TimeoutStrategy,
  bulkhead,
  circuitBreaker,
  handleWhen,
  retry,
  timeout,
} from "cockatiel";
import { DokployError } from "./errors.ts";

/**
 * The policies around every Dokploy call: a per-call timeout, a bulkhead bounding calls
 * in flight, a circuit breaker shared by all calls, and retries for reads only (a retried
 * create would make a second resource, docs/dokploy.md §5). A "scale" call (application.start
 * and .stop) is a write that Dokploy answers only once Swarm has converged (its
 * `docker service scale` waits): it gets its own, longer timeout and waits outside the
 * bulkhead, since it holds no share of Dokploy's database while Swarm works.
 */

export type CallKind = "read" | "write" | "scale";

export type CircuitStateName = "closed" | "open" | "half-open";

export interface ResilienceOptions {
  timeoutMs: number;
  /** For calls that answer only once Dokploy's work is done (application.start/stop, a backup run); default timeoutMs. */
  scaleTimeoutMs?: number;
  maxConcurrency: number;
  circuitFailures: number;
  circuitCooldownMs: number;
  readRetries?: number;
  onCircuitChange?: (state: CircuitStateName) => void;
}

const STATE_NAMES: Record<CircuitState, CircuitStateName> = {
  [CircuitState.Closed]: "closed",
  [CircuitState.Open]: "open",
  [CircuitState.HalfOpen]: "half-open",
  [CircuitState.Isolated]: "open",
};

/** Only "Dokploy did not answer usefully" trips the breaker; a 4xx is an answer. */
const isOutage = (err: Error) => err instanceof DokployError && (err.failure === "unavailable" || err.failure === "timeout");

export class Resilience {
  private readonly breaker;
  private readonly bulkhead;
  private readonly timeout;
  private readonly scaleTimeout;
  private readonly readRetry;

  constructor(private readonly opts: ResilienceOptions) {
    this.breaker = circuitBreaker(handleWhen(isOutage), {
      halfOpenAfter: opts.circuitCooldownMs,
      breaker: new ConsecutiveBreaker(opts.circuitFailures),
    });
    this.breaker.onStateChange((s) => opts.onCircuitChange?.(STATE_NAMES[s]));
    // Waiting calls queue instead of failing: a burst of deploys should slow down, not break.
    this.bulkhead = bulkhead(opts.maxConcurrency, Number.MAX_SAFE_INTEGER);
    this.timeout = timeout(opts.timeoutMs, TimeoutStrategy.Aggressive);
    this.scaleTimeout = timeout(opts.scaleTimeoutMs ?? opts.timeoutMs, TimeoutStrategy.Aggressive);
    this.readRetry = retry(handleWhen(isOutage), {
      maxAttempts: opts.readRetries ?? 2,
      backoff: new ExponentialBackoff({ initialDelay: 200, maxDelay: 2_000 }),
    });
  }

  get circuit(): CircuitStateName {
    return STATE_NAMES[this.breaker.state];
  }

  async run<T>(procedure: string, kind: CallKind, call: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const [limit, ms] = kind === "scale" ? [this.scaleTimeout, this.opts.scaleTimeoutMs ?? this.opts.timeoutMs] : [this.timeout, this.opts.timeoutMs];
    const timed = async () => {
      try {
        return await limit.execute(({ signal: s }) => call(s), signal);
      } catch (err) {
        if (err instanceof TaskCancelledError && !signal?.aborted) throw new DokployError(procedure, "timeout", `no answer within ${ms} ms`);
        throw err;
      }
    };
    const once = () => this.breaker.execute(() => (kind === "scale" ? timed() : this.bulkhead.execute(timed, signal)), signal);
    try {
      return kind === "read" ? await this.readRetry.execute(once, signal) : await once();
    } catch (err) {
      if (err instanceof BrokenCircuitError)
        throw new DokployError(procedure, "circuit_open", "Dokploy is unavailable (circuit open); call not sent");
      if (err instanceof BulkheadRejectedError) throw new DokployError(procedure, "unavailable", "too many Dokploy calls waiting");
      throw err;
    }
  }
}
