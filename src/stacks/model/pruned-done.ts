import type { Deployment, DeploymentEvent } from "./vocabulary.ts";

/**
 * The `done` event of a deployment whose events retention let go, rebuilt from its row: a
 * watcher still learns how it ended (and a stream still ends), with the seq the real one had.
 */
export function prunedDone(deployment: Deployment, seq: number, url: string): DeploymentEvent {
  const at = deployment.finishedAt ?? deployment.updatedAt;
  if (deployment.status !== "succeeded")
    return {
      seq,
      type: "done",
      data: {
        status: "failed",
        at,
        ...(deployment.error ? { error: deployment.error } : {}),
        ...(deployment.leftovers.length ? { leftovers: deployment.leftovers } : {}),
      },
    };
  if (deployment.kind === "delete") return { seq, type: "done", data: { status: "deleted", at } };
  if (deployment.kind === "stop") return { seq, type: "done", data: { status: "stopped", at } };
  return { seq, type: "done", data: { status: "ready", at, url } };
}
