import { z } from "zod";
import {
  type Deployment,
  type DeploymentError,
  type DeploymentEvent,
  deploymentError,
  deploymentKind,
  deploymentStatus,
  leftover,
  type StepId,
  stepId,
  stepState,
} from "./vocabulary.ts";
import { stepsOf } from "./steps.ts";

/** A deployment as one JSON document: its steps folded from the persisted events. */
export const stepSnapshot = z.object({
  step: stepId,
  state: z.enum([...stepState.options, "pending"]),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  message: z.string().optional(),
  error: deploymentError.optional(),
});
export type StepSnapshot = z.infer<typeof stepSnapshot>;

export const deploymentSnapshot = z.object({
  id: z.string(),
  name: z.string(),
  kind: deploymentKind,
  status: deploymentStatus,
  currentStep: stepId.nullable(),
  steps: z.array(stepSnapshot),
  error: deploymentError.nullable(),
  leftovers: z.array(leftover),
  url: z.string().nullable(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  lastEventId: z.number().int(),
  /** While it waits in the portal's own queue: its place now (the events persist only some of the moves). */
  queuePosition: z.number().int().nullable(),
  /** HISTORY_RETENTION let its events go: the outcome is kept, the steps are not (an empty list). */
  historyPruned: z.boolean(),
});
export type DeploymentSnapshot = z.infer<typeof deploymentSnapshot>;

/** `queuePosition`: its place in the portal's queue now (QueueBoard), while it waits there. */
export function snapshotOf(deployment: Deployment, events: DeploymentEvent[], queuePosition: number | null = null): DeploymentSnapshot {
  const order = deployment.historyPruned ? [] : (stepsOf(deployment.kind, deployment.fromPool) as readonly StepId[]);
  const steps = new Map<StepId, StepSnapshot>(order.map((step) => [step, { step, state: "pending", startedAt: null, finishedAt: null }]));
  let url: string | null = null;
  // The done event's error may carry Dokploy's detail, which the row does not keep.
  let doneError: DeploymentError | undefined;
  for (const event of events) {
    if (event.type === "done") {
      url = event.data.url ?? url;
      doneError = event.data.error;
    }
    if (event.type !== "step") continue;
    const { step, state, at, message, error } = event.data;
    const snap = steps.get(step) ?? { step, state: "pending", startedAt: null, finishedAt: null };
    snap.state = state;
    if (state === "started" && !snap.startedAt) snap.startedAt = at;
    if (state === "succeeded" || state === "failed" || state === "skipped") snap.finishedAt = at;
    if (message) snap.message = message;
    if (error) snap.error = error;
    steps.set(step, snap);
  }
  return {
    id: deployment.id,
    name: deployment.stackName,
    kind: deployment.kind,
    status: deployment.status,
    currentStep: deployment.step,
    steps: [...steps.values()],
    error: doneError ?? deployment.error,
    leftovers: deployment.leftovers,
    url,
    createdAt: deployment.createdAt,
    finishedAt: deployment.finishedAt,
    lastEventId: events.at(-1)?.seq ?? 0,
    queuePosition: deployment.status === "running" ? queuePosition : null,
    historyPruned: deployment.historyPruned,
  };
}
