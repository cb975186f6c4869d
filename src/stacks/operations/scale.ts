import { DokployError } from "../../dokploy/errors.ts";
import type { Ports } from "../runs/ports.ts";

/** Nothing came back that says what Dokploy did: a timeout or a dropped connection, not Dokploy's "no". */
export const answerLost = (err: unknown): boolean =>
  err instanceof DokployError && (err.failure === "timeout" || (err.failure === "unavailable" && err.status === undefined));

const WANTED_RUNNING = /^(running|ready)$/i;

/**
 * application.start or .stop: Dokploy answers once Swarm has converged (docs/dokploy.md §3),
 * which can outlast any timeout. When the answer is lost, Swarm's task list says whether
 * the scale happened (a start: the newest task is wanted running; a stop: none is), and only
 * a scale that did not is a failure. Never sent twice: a second scale would race the first.
 */
export async function scaleService(
  deps: Pick<Ports, "client" | "log">,
  to: "start" | "stop",
  app: { applicationId: string; appName: string },
  signal: AbortSignal,
): Promise<void> {
  try {
    await (to === "start" ? deps.client.applicationStart(app.applicationId, signal) : deps.client.applicationStop(app.applicationId, signal));
  } catch (err) {
    if (!answerLost(err)) throw err;
    const tasks = await deps.client.serviceTasks(app.appName, signal).catch(() => null);
    const taken = tasks !== null && (to === "start" ? WANTED_RUNNING.test(tasks[0]?.state ?? "") : !tasks.some((t) => WANTED_RUNNING.test(t.state)));
    deps.log.warn(
      { appName: app.appName, err: err instanceof Error ? err.message : String(err), taken },
      taken ? `Dokploy's answer to the ${to} was lost; Swarm has it` : `Dokploy's answer to the ${to} was lost, and Swarm does not have it`,
    );
    if (!taken) throw err;
  }
}
