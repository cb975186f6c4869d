import { type ApiError, type Snapshot, type StepState, eventsUrl, snapshot } from "./api.ts";
// The same step lists the portal's sagas and the owner's operations run.
import { STEPS_BY_KIND, stepsOf } from "../src/stacks/model/steps.ts";

/** A deployment's progress, folded from its event stream (the same events the server persists). */

export interface StepView {
  step: string;
  state: StepState;
}

export interface DoneData {
  /** `stopped`: an owner's stop ended as asked. */
  status: "ready" | "failed" | "deleted" | "stopped";
  at: string;
  url?: string;
  error?: ApiError;
  leftovers?: unknown[];
}

export interface Progress {
  id: string;
  kind: keyof typeof STEPS_BY_KIND;
  name: string;
  url: string | null;
  steps: StepView[];
  /** The latest `status` event (accepted, waiting, building, rolling_back, recovering). */
  status: string | null;
  /** While it waits for a slot in the portal's own queue: its place (number 1 is next). */
  position: number | null;
  done: DoneData | null;
  lastEventId: number;
  startedAt: number;
  finishedAt: number | null;
  connection: "connecting" | "live" | "reconnecting";
}

const orderFor = (kind: Progress["kind"]): readonly string[] => STEPS_BY_KIND[kind];

/** How a succeeded deployment of this kind ended. */
const succeeded = (kind: Progress["kind"]): DoneData["status"] => (kind === "delete" ? "deleted" : kind === "stop" ? "stopped" : "ready");

export function fromSnapshot(s: Snapshot): Progress {
  const kind: Progress["kind"] = s.kind;
  const steps = s.steps.length ? s.steps.map(({ step, state }) => ({ step, state })) : orderFor(kind).map(pending);
  const finished = s.status !== "running";
  return {
    id: s.id,
    kind,
    name: s.name,
    url: s.url,
    steps,
    status: finished ? null : s.queuePosition === null ? null : "waiting",
    position: finished ? null : s.queuePosition,
    done:
      finished && s.finishedAt
        ? {
            status: s.status === "succeeded" ? succeeded(kind) : "failed",
            at: s.finishedAt,
            ...(s.url ? { url: s.url } : {}),
            ...(s.error ? { error: s.error } : {}),
            leftovers: s.leftovers,
          }
        : null,
    lastEventId: s.lastEventId,
    startedAt: Date.parse(s.createdAt) || Date.now(),
    finishedAt: finished && s.finishedAt ? Date.parse(s.finishedAt) : null,
    connection: "connecting",
  };
}

const pending = (step: string): StepView => ({ step, state: "pending" });

/** Back to "nothing happened yet", to replay the stream from its first event. */
export function reset(p: Progress): void {
  p.steps = orderFor(p.kind).map(pending);
  p.status = null;
  p.position = null;
  p.done = null;
  p.finishedAt = null;
  p.lastEventId = 0;
}

/** An event's JSON as it arrives: the fields read here, each checked before use. */
interface EventData {
  step?: unknown;
  state?: StepState;
  status?: unknown;
  position?: unknown;
  at?: string;
  url?: string;
}

export function apply(p: Progress, type: string, data: EventData | null, id: number): void {
  if (id) p.lastEventId = id;
  if (!data) return;
  if (type === "step" && typeof data.step === "string") {
    const step = data.step;
    // A deploy that took a stack of the warm pool: its own, shorter list of steps.
    if (step === "claim" && !p.steps.some((s) => s.step === step)) p.steps = stepsOf(p.kind, true).map(pending);
    const view = p.steps.find((s) => s.step === step) ?? pending(step);
    if (!p.steps.includes(view)) p.steps.push(view);
    if (data.state) view.state = data.state;
  } else if (type === "status" && typeof data.status === "string") {
    p.status = data.status;
    p.position = data.status === "waiting" && typeof data.position === "number" ? data.position : null;
    // The build queue let go of us: the step is running again.
    if (data.status === "building") for (const s of p.steps) if (s.state === "queued") s.state = "started";
  } else if (type === "done" && data.status) {
    p.done = data as DoneData;
    p.finishedAt = Date.parse(data.at ?? "") || Date.now();
    if (data.url) p.url = data.url;
  }
}

export const isQueued = (p: Progress): boolean => !p.done && p.steps.some((s) => s.state === "queued");

/** The step being worked on, with its 1-based number among the main steps. */
export function currentStep(p: Progress): { view: StepView; number: number; total: number } | null {
  const main = p.steps.filter((s) => s.step !== "rollback");
  const rollback = p.steps.find((s) => s.step === "rollback");
  if (rollback && (rollback.state === "started" || rollback.state === "queued")) return null;
  for (const [i, view] of [...main.entries()].reverse()) {
    if (view.state === "started" || view.state === "queued") return { view, number: i + 1, total: main.length };
  }
  return null;
}

export function completedSteps(p: Progress): { done: number; total: number } {
  const main = p.steps.filter((s) => s.step !== "rollback");
  return { done: main.filter((s) => s.state === "succeeded" || s.state === "skipped").length, total: main.length };
}

/**
 * Follows a deployment's event stream. EventSource reconnects by itself after a drop and
 * sends Last-Event-ID, so nothing is missed or repeated; if the browser gives up (the
 * portal was down), we reconnect from the last id we saw. The first connection replays
 * from event 0 (events are persisted), so a reload rebuilds exactly the same view.
 */
export class Watch {
  private source: EventSource | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private failures = 0;
  private stopped = false;
  /** While replaying what the snapshot already showed, do not redraw half-rebuilt state. */
  private replayUntil: number;

  constructor(
    private readonly p: Progress,
    private readonly onChange: (event: "event" | "connection" | "done" | "gone") => void,
  ) {
    this.replayUntil = p.lastEventId;
  }

  start(): void {
    // Even a finished deployment replays: its done event carries what the snapshot lacks.
    reset(this.p);
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.source?.close();
    this.source = null;
    if (this.retryTimer) clearTimeout(this.retryTimer);
  }

  private connect(): void {
    if (this.stopped) return;
    const source = new EventSource(eventsUrl(this.p.id, this.p.lastEventId));
    this.source = source;
    source.onopen = () => {
      this.failures = 0;
      this.setConnection("live");
    };
    const handle = (type: string) => (e: MessageEvent) => {
      let data: unknown;
      try {
        data = JSON.parse(e.data);
      } catch {
        return;
      }
      // A move in the portal's queue comes without an id of its own (it is not stored), so
      // EventSource repeats the last id it had: it is new all the same.
      const move = type === "status" && (data as EventData | null)?.status === "waiting";
      let id = Number.parseInt(e.lastEventId, 10) || 0;
      if (id && id <= this.p.lastEventId) {
        if (!move) return;
        id = 0;
      }
      apply(this.p, type, typeof data === "object" ? (data as EventData | null) : null, id);
      if (type === "done") {
        this.stop();
        this.p.connection = "live";
        this.onChange("done");
      } else if (this.p.lastEventId >= this.replayUntil) {
        this.onChange("event");
      }
    };
    for (const type of ["step", "status", "done"]) source.addEventListener(type, handle(type) as EventListener);
    source.onerror = () => {
      if (this.stopped) return;
      this.setConnection("reconnecting");
      if (source.readyState !== EventSource.CLOSED) return; // the browser retries by itself
      source.close();
      this.failures++;
      const delay = Math.min(1000 * 2 ** (this.failures - 1), 15_000);
      this.retryTimer = setTimeout(() => void this.retry(), delay);
    };
  }

  /** After the browser gave up: is the deployment still there? Then reconnect from where we were. */
  private async retry(): Promise<void> {
    if (this.stopped) return;
    const check = await snapshot(this.p.id).catch(() => null);
    if (check && !check.ok && check.status === 404) {
      this.stop();
      this.onChange("gone");
      return;
    }
    this.connect();
  }

  private setConnection(state: Progress["connection"]): void {
    if (this.p.connection === state) return;
    this.p.connection = state;
    this.onChange("connection");
  }
}
