import type { DokployClient } from "../../dokploy/client.ts";
import type { DeploymentRow } from "../../dokploy/schemas.ts";
import { PollSchedule } from "./poll-schedule.ts";
import { SagaError, sleep } from "./saga.ts";

/**
 * Waits for Dokploy to run the deploy we queued, the way docs/dokploy.md §4 recommends:
 * a new deployment row appears only when Dokploy's worker picks the job up (until then we
 * are queued), then its status goes to done, error or cancelled.
 */
export interface WaitDeployOptions {
  applicationId: string;
  /** The newest deployment id before we called deploy (null for a new application). */
  baselineId: string | null;
  deadline: number;
  intervalMs: number;
  signal?: AbortSignal;
  onQueued?: () => void;
  onRunning?: (row: DeploymentRow) => void;
}

export async function waitForDokployDeploy(client: DokployClient, opts: WaitDeployOptions): Promise<DeploymentRow> {
  let phase: "unknown" | "queued" | "running" = "unknown";
  // Fast right after Dokploy starts the job, backing off to intervalMs (poll-schedule.ts).
  const schedule = new PollSchedule(opts.intervalMs);
  for (;;) {
    const rows = await client.deployments(opts.applicationId, opts.signal);
    const newest = rows[0];
    if (!newest || newest.deploymentId === opts.baselineId) {
      if (phase === "unknown") opts.onQueued?.();
      phase = "queued";
    } else if (newest.status === "running" || newest.status === null) {
      if (phase !== "running") opts.onRunning?.(newest);
      phase = "running";
    } else {
      return newest;
    }
    const left = opts.deadline - Date.now();
    if (left <= 0)
      throw new SagaError(
        "deploy_timeout",
        phase === "queued"
          ? "Dokploy never started the deploy (its build queue may be full, or it restarted and lost the job)"
          : "Dokploy's deploy did not finish in time",
      );
    await sleep(Math.min(schedule.next(phase), left), opts.signal);
  }
}
