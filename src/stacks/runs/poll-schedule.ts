/**
 * When to ask Dokploy again while its deploy runs. Right after a transition (the deploy
 * started) the answer often comes soon, so the portal asks every FAST_POLL_MS for a short
 * window, then backs off by doubling to POLL_INTERVAL, the rate a long deploy has always
 * been polled at. A short deploy is then seen within one round trip and a bit, and a long
 * one costs the window's extra calls once, not a higher rate.
 */
export const FAST_POLL_MS = 50;
export const FAST_WINDOW_MS = 2_000;
/**
 * While Dokploy's queue holds the job, it waits at least for another build to end: a slow
 * start (500 ms), backing off to twice POLL_INTERVAL. That pays for the fast window: the
 * job's start is seen a little later, its end (what the user waits for) sooner.
 */
export const QUEUED_FIRST_POLL_MS = 500;

export class PollSchedule {
  private since = 0;
  private interval: number;
  private phase: string | null = null;

  constructor(
    private readonly maxMs: number,
    private readonly clock: () => number = Date.now,
  ) {
    this.interval = Math.min(QUEUED_FIRST_POLL_MS, maxMs);
  }

  /** The pause before the next poll, given the phase the last answer showed. */
  next(phase: "queued" | "running"): number {
    const t = this.clock();
    if (phase !== this.phase) {
      this.phase = phase;
      this.since = t;
      this.interval = Math.min(phase === "running" ? FAST_POLL_MS : QUEUED_FIRST_POLL_MS, this.maxMs);
      return this.interval;
    }
    if (phase === "running" && t - this.since < FAST_WINDOW_MS) return this.interval;
    this.interval = Math.min(this.interval * 2, phase === "queued" ? 2 * this.maxMs : this.maxMs);
    return this.interval;
  }
}

/**
 * The readiness probe's pause (probe/wait-until-up.ts) for the first FAST_PROBE_WINDOW_MS,
 * then doubling to PROBE_INTERVAL and held there: a new container usually answers within a
 * second or two of its start, and a doubling schedule saw it up to a whole pause late (100, 200, 400 ms:
 * a stack that answered 150 ms into the wait was seen at 300). Probes go to the stack
 * through Traefik, never to Dokploy, so the window costs Dokploy nothing.
 */
export const FIRST_PROBE_PAUSE_MS = 50;
export const FAST_PROBE_WINDOW_MS = 2_000;
