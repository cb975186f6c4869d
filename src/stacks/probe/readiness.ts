import { FAST_PROBE_WINDOW_MS, FIRST_PROBE_PAUSE_MS } from "../runs/poll-schedule.ts";
import type { ProbeTarget } from "./targets.ts";
import type { WaitResult } from "./wait-until-up.ts";
import { healthTimeout } from "./timeout-report.ts";
import type { Ports } from "../runs/ports.ts";
import { failIfUnschedulable } from "../placement/swarm-scheduling.ts";

/**
 * Until one of `targets` answers, for at most `timeoutMs`: the wait of a deploy, a start and a
 * redeploy alike. A task Swarm cannot place ends it as `unschedulable` (placement/swarm-scheduling.ts); a stack
 * that never answers is `health_timeout`, saying what each target last saw.
 */
export async function waitUntilAnswering(
  deps: Pick<Ports, "waitUntilUp" | "client"> & { config: Pick<Ports["config"], "PROBE_INTERVAL" | "PROBE_ATTEMPT_TIMEOUT"> },
  appName: string,
  targets: ProbeTarget[],
  timeoutMs: number,
  signal: AbortSignal,
): Promise<Extract<WaitResult, { up: true }>> {
  const result = await failIfUnschedulable(deps, appName, signal, async (waiting) => {
    const result = await deps.waitUntilUp({
      targets,
      attemptTimeoutMs: deps.config.PROBE_ATTEMPT_TIMEOUT,
      intervalMs: deps.config.PROBE_INTERVAL,
      firstIntervalMs: FIRST_PROBE_PAUSE_MS,
      fastWindowMs: FAST_PROBE_WINDOW_MS,
      // Held at PROBE_INTERVAL: on a real engine OpenCode answers 3 to 10 s after the task is
      // made, and a pause that went on growing saw it up to a whole pause late (ready at 7.7 s, seen at 11).
      maxIntervalMs: deps.config.PROBE_INTERVAL,
      timeoutMs,
      signal: waiting,
    });
    if (waiting.aborted) throw waiting.reason;
    return result;
  });
  if (!result.up) throw healthTimeout(targets, result.last);
  return result;
}
