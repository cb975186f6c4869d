import { DokployError } from "../../dokploy/errors.ts";
import type { ApplicationSettings } from "../../dokploy/schemas.ts";
import type { Stack } from "../model.ts";
import type { SagaDeps } from "../saga.ts";

/**
 * What the owner sees of a stack: the portal's record, Dokploy's view of the application
 * (status, image, volumes, limits, update order) and the last operations. Dokploy being
 * away does not hide the rest: its part is null with the reason.
 */

const num = (v: string | null | undefined) => (v ? Number.parseInt(v, 10) : null);

export async function stackDetails(deps: SagaDeps, stack: Stack) {
  const { store } = deps;
  const run = store.lifecycle.runState(stack.id);
  const running = store.deployments.runningFor(stack.id);
  let app: ApplicationSettings | null = null;
  let dokployError: string | null = null;
  if (stack.applicationId) {
    try {
      app = await deps.client.applicationSettings(stack.applicationId, AbortSignal.timeout(deps.config.PROBE_ATTEMPT_TIMEOUT));
    } catch (err) {
      dokployError = err instanceof DokployError ? (err.failure === "not_found" ? "not_found" : "unavailable") : "unavailable";
    }
  }
  return {
    name: stack.name,
    url: stack.url,
    status: stack.status,
    /** running or stopped, as the portal last left it. */
    state: run.state,
    stopReason: run.stopReason,
    createdAt: stack.createdAt,
    readyAt: stack.readyAt,
    // Until the first start, the deploy that made it ready started it.
    startedAt: run.startedAt ?? stack.readyAt,
    stoppedAt: run.stoppedAt,
    runningOperation: running ? { deploymentId: running.id, kind: running.kind } : null,
    dokploy: app
      ? {
          applicationStatus: app.applicationStatus,
          image: app.dockerImage ?? null,
          volumes: app.mounts.flatMap((m) => (m.volumeName ? [{ name: m.volumeName, mountPath: m.mountPath }] : [])),
          limits: {
            memoryBytes: num(app.memoryLimit),
            memoryReservationBytes: num(app.memoryReservation),
            nanoCpus: num(app.cpuLimit),
            nanoCpusReservation: num(app.cpuReservation),
          },
          // Dokploy's own default when none is set.
          updateOrder: app.updateConfigSwarm?.Order ?? "start-first",
        }
      : null,
    dokployError,
    operations: store.lifecycle.recent(stack.id, 10),
  };
}
