import type { ServiceTask } from "../../dokploy/schemas.ts";
import { SagaError, sleep } from "../runs/saga.ts";
import type { Ports } from "../runs/ports.ts";

/**
 * Swarm's own word on whether a stack can run. A task no node suits (too little memory left
 * for its reservation, a pin to a node that is down or drained) stays pending, and Swarm
 * retries it for as long as it exists. The probe sees only a stack that never answers, and
 * would wait out HEALTH_TIMEOUT; Swarm's task list says why at once. Dokploy's
 * `docker.getServiceContainersByAppName` runs `docker service ps <appName> --no-trunc`,
 * newest task first: such a task has `state` (the desired state) "running", `currentState`
 * "Pending 3 seconds ago" and `error` "\"no suitable node (insufficient resources on 1 node)\""
 * (swarmkit's scheduler writes the reason into the task's error, Docker's CLI quotes it).
 */

/** Task states in which a task holds no resources any more (Docker's TaskState, as `docker service ps` prints it). */
const ENDED = /^(complete|shutdown|failed|rejected|orphaned|remove)\b/i;

/** Swarm's reason why the service's newest task cannot be placed, or null when nothing says so. */
export function unschedulableReason(tasks: ServiceTask[]): string | null {
  const [newest, ...older] = tasks;
  if (!newest) return null;
  // Desired "ready": a stop-first update's new task, waiting for the old one to stop.
  if (!/^(running|ready)$/i.test(newest.state) || !/^pending\b/i.test(newest.currentState)) return null;
  const reason = newest.error.replace(/^"(.*)"$/s, "$1").trim();
  if (!/^no suitable node\b/i.test(reason)) return null;
  // An older task still running (the one a stop-first update is stopping) holds its
  // reservation until it has stopped; its end may be what makes the room.
  if (older.some((t) => !ENDED.test(t.currentState))) return null;
  return reason;
}

/** The first read of the task list: a stack that answers sooner costs Dokploy nothing. */
export const SCHEDULING_FIRST_CHECK_MS = 500;
/**
 * How long Swarm must keep saying so before the portal believes it: long enough for the
 * scheduler's next pass after another task ended, short against HEALTH_TIMEOUT.
 */
export const SCHEDULING_GRACE_MS = 2_000;
const SCHEDULING_MAX_CHECK_MS = 5_000;

export const UNSCHEDULABLE_MESSAGE = "Swarm found no server that can run the stack, so it would never start";

/**
 * Runs `wait` (for the stack to answer, or for its new task) while Swarm's task list is read
 * beside it. A task pending for want of a node for SCHEDULING_GRACE_MS ends the wait with
 * `unschedulable`, Swarm's reason as the detail, instead of at HEALTH_TIMEOUT. `wait` gets a
 * signal that fires for that too, so its probes stop.
 */
export async function failIfUnschedulable<T>(
  deps: Pick<Ports, "client">,
  appName: string,
  signal: AbortSignal,
  wait: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const inner = new AbortController();
  const forward = () => inner.abort(signal.reason);
  if (signal.aborted) forward();
  else signal.addEventListener("abort", forward, { once: true });
  let found: SagaError | null = null;
  const watching = watch(deps, appName, inner.signal).then(
    (error) => {
      if (!error) return;
      found = error;
      inner.abort(error);
    },
    // Aborted: the wait ended first, or the deploy was cancelled.
    () => undefined,
  );
  try {
    const result = await wait(inner.signal);
    if (found) throw found;
    return result;
  } catch (err) {
    throw found ?? err;
  } finally {
    signal.removeEventListener("abort", forward);
    if (!inner.signal.aborted) inner.abort("done");
    await watching;
  }
}

/** Reads the task list until Swarm has said for SCHEDULING_GRACE_MS that no node suits the task. */
async function watch(deps: Pick<Ports, "client">, appName: string, signal: AbortSignal): Promise<SagaError> {
  let pause = SCHEDULING_FIRST_CHECK_MS;
  let since: number | null = null;
  for (;;) {
    await sleep(pause, signal);
    // A failed read tells nothing either way; the next one may.
    const tasks = await deps.client.serviceTasks(appName, signal).catch(() => null);
    if (signal.aborted) throw signal.reason;
    if (!tasks) continue;
    const reason = unschedulableReason(tasks);
    if (reason === null) {
      since = null;
      pause = Math.min(pause * 2, SCHEDULING_MAX_CHECK_MS);
      continue;
    }
    since ??= Date.now();
    if (Date.now() - since >= SCHEDULING_GRACE_MS) return new SagaError("unschedulable", UNSCHEDULABLE_MESSAGE, reason);
    pause = SCHEDULING_GRACE_MS - (Date.now() - since);
  }
}
