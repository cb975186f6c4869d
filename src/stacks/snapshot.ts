import type { Deployment, DeploymentError, DeploymentEvent, Leftover, StepId, StepState } from "./model.ts";
import { STEPS_BY_KIND } from "./steps.ts";

/** A deployment as one JSON document: its steps folded from the persisted events. */
export interface StepSnapshot {
  step: StepId;
  state: StepState | "pending";
  startedAt: string | null;
  finishedAt: string | null;
  message?: string;
  error?: DeploymentError;
}

export interface DeploymentSnapshot {
  id: string;
  name: string;
  kind: Deployment["kind"];
  status: Deployment["status"];
  currentStep: StepId | null;
  steps: StepSnapshot[];
  error: DeploymentError | null;
  leftovers: Leftover[];
  url: string | null;
  createdAt: string;
  finishedAt: string | null;
  lastEventId: number;
}

export function snapshotOf(deployment: Deployment, events: DeploymentEvent[]): DeploymentSnapshot {
  const order = STEPS_BY_KIND[deployment.kind] as readonly StepId[];
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
  };
}
