import type { Leftover, Stack } from "./vocabulary.ts";
import type { StackPlan } from "./resource-plan.ts";
import type { CleanupReport } from "./deployment-report.ts";

/**
 * What a rollback did, from the stack's Dokploy ids before it and what it could not remove.
 * The data volumes are kept by design (application.delete leaves named volumes), but they
 * exist only once Dokploy started the service: `serviceStarted` says whether it did.
 */
export function cleanupReportOf(before: Stack, leftovers: Leftover[], plan: StackPlan, serviceStarted: boolean): CleanupReport {
  const leftKinds = new Set(leftovers.map((l) => l.kind));
  const removed: CleanupReport["removed"] = [];
  if (before.applicationId && !leftKinds.has("application")) {
    removed.push("application");
    if (before.domainId) removed.push("domain");
  }
  if (before.projectId && !leftKinds.has("project")) removed.push("project");
  return {
    removed,
    kept: serviceStarted && before.mountIds.length > 0 ? plan.volumes.map((v) => ({ kind: "volume" as const, name: v.volumeName })) : [],
    left: [...leftKinds].sort(),
  };
}
