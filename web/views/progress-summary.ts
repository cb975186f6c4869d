import { h } from "../dom.ts";
import { type Key, t } from "../i18n.ts";
import { stateKey, statusKey, stepKey } from "../messages.ts";
import { type Progress, completedSteps, currentStep, isQueued } from "../watch.ts";

/** A deployment's progress in words (the progress view's): its summary line, its steps, the tab's title. */

/** What it is doing now, or how it ended (the live region announces it). */
export function summaryOf(p: Progress): string {
  if (p.done) {
    if (p.done.status === "ready") return t("result.ready_title");
    if (p.done.status === "deleted") return t("result.deleted_title");
    return t(p.kind === "delete" ? "result.delete_failed_title" : "result.failed_title");
  }
  if (p.status === "rolling_back") return t("status.rolling_back");
  if (isQueued(p)) return t("progress.queued_title");
  const current = currentStep(p);
  const key = current ? stepKey(current.view.step) : null;
  if (current && key) return t("progress.step_of", { current: current.number, total: current.total, label: t(key) });
  if (p.status === "waiting" && p.position !== null) return t("status.waiting", { position: p.position });
  const status = p.status ? statusKey(p.status) : null;
  return status ? t(status) : t("progress.starting");
}

/** Its steps, the current one marked for assistive technology too. */
export function stepItems(p: Progress): HTMLElement[] {
  const current = p.done ? null : currentStep(p);
  return p.steps.map((s) => {
    const key = stepKey(s.step);
    return h(
      "li",
      {
        class: `step step--${s.state}`,
        "data-step": s.step,
        "data-state": s.state,
        "aria-current": current?.view === s ? "step" : undefined,
      },
      h("span", { class: "step-icon", "aria-hidden": "true" }),
      h("span", { class: "step-label" }, key ? t(key) : s.step),
      h("span", { class: "step-state" }, t(stateKey(s.state) ?? "state.pending")),
    );
  });
}

/** Progress and outcome in the tab's title, for a person looking at another tab. */
export function tabTitle(p: Progress | null): string {
  let title = "";
  if (p) {
    const name = p.name;
    if (p.done) {
      const key: Key = p.done.status === "ready" ? "title.ready" : p.done.status === "deleted" ? "title.deleted" : "title.failed";
      title = t(key, { name });
    } else if (p.kind === "delete") title = t("title.deleting", { name });
    else if (isQueued(p)) title = t("title.queued", { name });
    else {
      const { done, total } = completedSteps(p);
      title = t("title.progress", { current: Math.min(done + 1, total), total, name });
    }
  }
  return title ? `${title} · ${t("app.title")}` : t("app.title");
}
