import { h } from "./dom.ts";
import { formatDateTime, formatTime, t, tn } from "./i18n.ts";
import type { StackDetails } from "./stack-api.ts";

/**
 * The "Your stack" view's word on idleness (the details' `idle`, upkeep/idle-forecast.ts): when
 * the running stack stops and why, in use, kept awake, or not known; a warning once the stop is
 * near; and "Keep awake for N h" while the portal lets owners keep stacks awake.
 */

type Forecast = NonNullable<StackDetails["idle"]>;

/** A time of day today, a date and time otherwise. */
function when(iso: string): HTMLElement {
  const at = Date.parse(iso);
  const today = new Date(at).toDateString() === new Date().toDateString();
  return h("time", { datetime: iso }, today ? formatTime(at) : formatDateTime(at));
}

/** Whether the stop is within the warning time now. */
export const idleWarningNow = (f: Forecast, now = Date.now()): boolean =>
  f.state === "idle" && f.stopsAt !== null && f.warningBeforeMs > 0 && Date.parse(f.stopsAt) - now <= f.warningBeforeMs;

export function idleParts(f: Forecast, keepAwake: (() => void) | null): HTMLElement[] {
  const warning = idleWarningNow(f);
  const line =
    f.state === "busy"
      ? t("idle.busy")
      : f.state === "unknown"
        ? t("idle.unknown")
        : f.state === "kept_awake" && f.keepAwakeUntil
          ? tn("idle.kept_awake", { until: when(f.keepAwakeUntil) })
          : f.stopsAt && f.lastActivityAt
            ? tn(warning ? "idle.warning" : "idle.stops_at", { since: when(f.lastActivityAt), at: when(f.stopsAt) })
            : "";
  const parts: HTMLElement[] = [
    h(
      "p",
      { class: warning ? "notice notice--warning idle-line" : "idle-line", "data-idle": f.state, ...(warning ? { "data-idle-warning": "" } : {}) },
      line,
    ),
  ];
  if (keepAwake && f.keepAwakeMaxMs > 0) {
    const button = h(
      "button",
      { type: "button", class: "button button--small", "data-action": "keep-awake" },
      t("idle.keep_awake", { hours: f.keepAwakeMaxMs / 3_600_000 }),
    );
    button.addEventListener("click", keepAwake);
    parts.push(h("div", { class: "actions" }, button));
  }
  return parts;
}
