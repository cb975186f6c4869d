import * as api from "./api.ts";
import { type Message, byId, h, setText } from "./dom.ts";
import { type Key, code, formatNumber, t, tn } from "./i18n.ts";
import { askConfirm } from "./confirm.ts";
import { errorKey } from "./messages.ts";

/**
 * The admin view's image rollout (POST /api/admin/rollouts): start one, watch it stack by
 * stack (done, failed, remaining), pause, resume or cancel it. The view polls while the
 * rollout runs: EventSource cannot send the admin token (the SSE stream is for API clients).
 */

const el = {
  form: byId<HTMLFormElement>("rollout-form"),
  image: byId<HTMLInputElement>("rollout-image"),
  batch: byId<HTMLInputElement>("rollout-batch"),
  failures: byId<HTMLInputElement>("rollout-failures"),
  start: byId<HTMLButtonElement>("rollout-start"),
  error: byId("rollout-error"),
  current: byId("rollout-current"),
  summary: byId("rollout-summary"),
  counts: byId("rollout-counts"),
  pause: byId<HTMLButtonElement>("rollout-pause"),
  resume: byId<HTMLButtonElement>("rollout-resume"),
  cancel: byId<HTMLButtonElement>("rollout-cancel"),
  stacks: byId<HTMLUListElement>("rollout-stacks"),
};

const STATUS: Record<api.RolloutSummary["status"], Key> = {
  running: "rollout.status_running",
  paused: "rollout.status_paused",
  cancelled: "rollout.status_cancelled",
  finished: "rollout.status_finished",
};
const STATE: Record<api.RolloutView["stacks"][number]["state"], Key> = {
  pending: "rollout.state_pending",
  active: "rollout.state_active",
  done: "rollout.state_done",
  updated_stopped: "rollout.state_updated_stopped",
  failed: "rollout.state_failed",
  rollback_failed: "rollout.state_rollback_failed",
  skipped: "rollout.state_skipped",
};
const POLL_MS = 1_000;

let token: () => string | null = () => null;
let onAuthProblem: (code: string) => void = () => {};
let view: api.RolloutView | null = null;
let message: Message | null = null;
let busy = false;
let timer: ReturnType<typeof setTimeout> | null = null;

/** The rollout's own refusals, then the page's shared error texts. */
const REFUSAL: Record<string, Key> = {
  rollout_in_progress: "rollout.error_in_progress",
  rollout_not_changeable: "rollout.error_not_changeable",
};

function explain(errorCode: string): Message {
  return () => {
    const key = REFUSAL[errorCode] ?? errorKey(errorCode);
    return key ? t(key) : tn("error.unknown", { code: code(errorCode) });
  };
}

/** The newest rollout, and again every second while it runs. */
export async function loadRollout(): Promise<void> {
  const current = token();
  if (!current) return;
  const id = view?.rollout.id ?? (await latestId(current));
  if (!id || token() !== current) return renderRollout();
  const res = await api.rollout(current, id);
  if (token() !== current) return;
  if (res.ok) view = res.value;
  else if (res.status === 401 || res.status === 403) return onAuthProblem(res.error.code);
  renderRollout();
  schedule();
}

async function latestId(current: string): Promise<string | null> {
  const res = await api.listRollouts(current);
  return res.ok ? (res.value.rollouts[0]?.id ?? null) : null;
}

function schedule(): void {
  if (timer) clearTimeout(timer);
  timer = null;
  if (view && (view.rollout.status === "running" || view.counts.active > 0)) timer = setTimeout(() => void loadRollout(), POLL_MS);
}

export function forgetRollout(): void {
  if (timer) clearTimeout(timer);
  timer = null;
  view = null;
  message = null;
  renderRollout();
}

/** Asks first, naming the image and what it restarts: a rollout touches every stack. */
async function confirmPlan(current: string, image: string): Promise<boolean> {
  const plan = await api.rolloutPlan(current, image || undefined);
  if (!plan.ok) {
    if (plan.status === 401 || plan.status === 403) onAuthProblem(plan.error.code);
    else message = explain(plan.error.code);
    return false;
  }
  const p = plan.value;
  const vars = { image: code(p.image), stacks: p.stacks, running: p.running, stopped: p.stopped };
  return askConfirm({
    title: "rollout.confirm_title",
    text: () => tn(p.stacks === 0 ? "rollout.confirm_none" : "rollout.confirm_text", vars),
    yes: "rollout.start",
    no: "delete.cancel",
  });
}

async function start(): Promise<void> {
  const current = token();
  if (!current || busy) return;
  busy = true;
  message = null;
  renderRollout();
  const image = el.image.value.trim();
  if (!(await confirmPlan(current, image))) {
    busy = false;
    renderRollout();
    return;
  }
  const res = await api.startRollout(current, {
    ...(image ? { image } : {}),
    batchSize: Number.parseInt(el.batch.value, 10) || 5,
    maxFailures: Number.parseInt(el.failures.value, 10) || 1,
  });
  busy = false;
  if (res.ok) view = res.value;
  else if (res.status === 401 || res.status === 403) return onAuthProblem(res.error.code);
  else message = explain(res.error.code);
  renderRollout();
  schedule();
}

async function change(action: "pause" | "resume" | "cancel"): Promise<void> {
  const current = token();
  if (!current || !view || busy) return;
  busy = true;
  const res = await api.changeRollout(current, view.rollout.id, action);
  busy = false;
  if (res.ok) {
    view = res.value;
    message = null;
  } else if (res.status === 401 || res.status === 403) return onAuthProblem(res.error.code);
  else message = explain(res.error.code);
  renderRollout();
  schedule();
}

export function renderRollout(): void {
  el.start.setAttribute("aria-busy", String(busy));
  el.image.placeholder = t("rollout.image_default");
  el.error.hidden = message === null;
  if (message) el.error.replaceChildren(message());
  el.current.hidden = view === null;
  if (!view) return;
  const r = view.rollout;
  const summary = tn("rollout.summary", { image: code(r.image, "code image-ref"), status: t(STATUS[r.status]) });
  if (r.reason) summary.append(" ", r.reason);
  el.summary.replaceChildren(summary);
  const count = (key: Key, n: number, id: string) =>
    h("div", { class: "count", "data-count": id }, h("dt", {}, t(key)), h("dd", {}, formatNumber(n)));
  el.counts.replaceChildren(
    count("rollout.count_done", view.counts.done + view.counts.updated_stopped, "done"),
    count("rollout.count_failed", view.counts.failed + view.counts.rollback_failed, "failed"),
    count("rollout.count_remaining", view.counts.remaining, "remaining"),
  );
  el.pause.hidden = r.status !== "running";
  el.resume.hidden = r.status !== "paused";
  el.cancel.hidden = r.status !== "running" && r.status !== "paused";
  el.stacks.replaceChildren(
    ...view.stacks.map((s) =>
      h(
        "li",
        { "data-name": s.name, "data-state": s.state },
        code(s.name, "code name-value"),
        " ",
        h("span", { class: `rollout-state rollout-state--${s.state}` }, t(STATE[s.state])),
        s.error && s.state !== "done" ? h("span", { class: "hint" }, ` ${s.error}`) : null,
      ),
    ),
  );
  setText(el.start, t("rollout.start"));
}

export function initRollout(getToken: () => string | null, authProblem: (code: string) => void): void {
  token = getToken;
  onAuthProblem = authProblem;
  el.form.addEventListener("submit", (e) => {
    e.preventDefault();
    void start();
  });
  el.pause.addEventListener("click", () => void change("pause"));
  el.resume.addEventListener("click", () => void change("resume"));
  el.cancel.addEventListener("click", () => void change("cancel"));
}
