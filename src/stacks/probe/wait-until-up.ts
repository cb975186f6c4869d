/**
 * Waiting until a stack answers: every target probed each round (probe-once.ts), backing off
 * between rounds, within one overall deadline. The deploy, a start and a redeploy all wait here.
 */

import { type ProbeOutcome, probeOnce } from "./probe-once.ts";
import type { ProbeTarget } from "./targets.ts";

export interface WaitOptions {
  targets: ProbeTarget[];
  attemptTimeoutMs: number;
  intervalMs: number;
  maxIntervalMs: number;
  /**
   * The first pause, doubling up to intervalMs and then on to maxIntervalMs (default
   * intervalMs). A stack usually answers soon after it starts, so the first rounds are quick.
   */
  firstIntervalMs?: number;
  /**
   * For this long from the start the pause stays at firstIntervalMs before it starts doubling
   * (default 0). A doubling schedule sees a stack that comes up between two rounds up to a
   * whole pause late; probes go to the stack, not to Dokploy, so a short steady window is cheap.
   */
  fastWindowMs?: number;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Passed to every probe; see ProbeOptions.ca. */
  ca?: string | string[];
  /** Called for each settled probe (attempt = round number, from 1). Exceptions are ignored. */
  onAttempt?: (target: ProbeTarget, outcome: ProbeOutcome, attempt: number) => void;
  /** Called with each pause between rounds before it is taken (the backoff, observable without a clock). */
  onPause?: (ms: number) => void;
}

export type WaitResult =
  | { up: true; target: ProbeTarget; status: number; trusted?: boolean; attempts: number; elapsedMs: number }
  | {
      up: false;
      /** Rounds started (each round probes every target). */
      attempts: number;
      elapsedMs: number;
      /** Last real outcome per target, index-aligned with WaitOptions.targets. */
      last: ProbeOutcome[];
      aborted: boolean;
    };

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function requireNumber(name: string, value: number, min: number): void {
  if (!Number.isFinite(value) || value < min) throw new RangeError(`waitUntilUp: ${name} must be a number >= ${min}, got ${value}`);
}

/**
 * Probe every target each round (in parallel) until one is up, backing off exponentially
 * between rounds from firstIntervalMs to maxIntervalMs, never past timeoutMs overall. An
 * attempt waits for its answer as long as the pause (1 s at least), attemptTimeoutMs at most.
 * The first target to answer as up wins; the round's other probes are cancelled.
 * Resolves, never rejects, except for invalid options.
 */
export async function waitUntilUp(opts: WaitOptions): Promise<WaitResult> {
  const { targets, signal } = opts;
  if (targets.length === 0) throw new Error("waitUntilUp: no probe targets");
  requireNumber("attemptTimeoutMs", opts.attemptTimeoutMs, 1);
  // >= 1: doubling a zero pause would never back off.
  requireNumber("intervalMs", opts.intervalMs, 1);
  requireNumber("maxIntervalMs", opts.maxIntervalMs, opts.intervalMs);
  if (opts.firstIntervalMs !== undefined) requireNumber("firstIntervalMs", opts.firstIntervalMs, 1);
  if (opts.fastWindowMs !== undefined) requireNumber("fastWindowMs", opts.fastWindowMs, 0);
  requireNumber("timeoutMs", opts.timeoutMs, 0);

  const start = performance.now();
  const deadline = start + opts.timeoutMs;
  const elapsedMs = () => Math.round(performance.now() - start);
  const last: DownOutcome[] = targets.map(() => ({ up: false, reason: "not_attempted" }));
  let attempts = 0;
  let pause = Math.min(opts.firstIntervalMs ?? opts.intervalMs, opts.intervalMs);

  const notUp = (aborted: boolean): WaitResult => ({ up: false, attempts, elapsedMs: elapsedMs(), last: [...last], aborted });

  for (;;) {
    if (signal?.aborted) return notUp(true);
    const remaining = deadline - performance.now();
    if (remaining <= 0) return notUp(false);

    attempts++;
    // An answer is not waited for longer than the next round's pause (1 s at least): a server
    // that takes a request as it starts and never answers it (OpenCode does, for the moment
    // between binding its port and serving) must not hold the wait for a whole attempt timeout.
    const attemptTimeoutMs = Math.min(opts.attemptTimeoutMs, remaining, Math.max(MIN_ATTEMPT_MS, pause));
    const cutByDeadline = attemptTimeoutMs === remaining && remaining < opts.attemptTimeoutMs;
    const winner = await runRound(opts, attempts, attemptTimeoutMs, (index, outcome) => {
      // A timeout caused only by the overall deadline says nothing about the target, so it
      // must not hide what the target said before (e.g. status_502).
      const prev = last[index];
      if (cutByDeadline && outcome.reason === "timeout" && prev?.reason !== "not_attempted") return;
      last[index] = { ...outcome, at: new Date().toISOString() };
    });

    if (signal?.aborted) return notUp(true);
    if (winner) {
      const { target, outcome } = winner;
      const result: WaitResult = { up: true, target, status: outcome.status, attempts, elapsedMs: elapsedMs() };
      if (outcome.trusted !== undefined) result.trusted = outcome.trusted;
      return result;
    }

    const untilDeadline = deadline - performance.now();
    if (untilDeadline <= 0) return notUp(false);
    opts.onPause?.(Math.min(pause, untilDeadline));
    await sleep(Math.min(pause, untilDeadline), signal);
    if (performance.now() - start >= (opts.fastWindowMs ?? 0)) pause = Math.min(pause * 2, opts.maxIntervalMs);
  }
}

/** An attempt waits for its answer as long as the pause before the next round, at least this, at most attemptTimeoutMs. */
const MIN_ATTEMPT_MS = 1_000;

type UpOutcome = Extract<ProbeOutcome, { up: true }>;
type DownOutcome = Extract<ProbeOutcome, { up: false }>;

/** One round: resolves with the first up target, or null once all failed or the caller aborted. */
function runRound(
  opts: WaitOptions,
  attempt: number,
  attemptTimeoutMs: number,
  record: (index: number, outcome: DownOutcome) => void,
): Promise<{ target: ProbeTarget; outcome: UpOutcome } | null> {
  const { targets, signal } = opts;
  const round = new AbortController();
  const roundSignal = signal ? AbortSignal.any([signal, round.signal]) : round.signal;

  return new Promise((resolve) => {
    let pending = targets.length;
    let settled = false;
    const finish = (value: { target: ProbeTarget; outcome: UpOutcome } | null) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener("abort", onAbort);
      round.abort(); // cancel the losers' in-flight requests
      resolve(value);
    };
    // Stop at once on abort rather than waiting for every fetch to notice it.
    const onAbort = () => finish(null);
    signal?.addEventListener("abort", onAbort, { once: true });

    targets.forEach((target, index) => {
      void probeOnce(target, { timeoutMs: attemptTimeoutMs, signal: roundSignal, ca: opts.ca }).then((outcome) => {
        // After the round is decided, late outcomes are cancellations, not observations.
        if (settled || signal?.aborted) return;
        if (!outcome.up) record(index, outcome);
        try {
          opts.onAttempt?.(target, outcome, attempt);
        } catch {
          // An observer (logging, progress events) must not be able to break readiness.
        }
        if (outcome.up) finish({ target, outcome });
        else if (--pending === 0) finish(null);
      });
    });
  });
}
