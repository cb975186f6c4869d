import { readableLog } from "./log-lines.ts";
import type { DeploymentReport } from "./api.ts";
import { type Message, h } from "./dom.ts";
import { type Key, code, t, tn } from "./i18n.ts";
import type { Progress } from "./watch.ts";

/**
 * A failed deploy or delete, explained: what happened (by the stable error code, never the
 * server's wording), what the rollback removed and kept, what to do, the reference to quote
 * to an administrator, and for a failed build the last lines of the platform's log.
 */

const ADVICE: Record<string, Key> = {
  dokploy_unavailable: "advice.dokploy_unavailable",
  dokploy_rejected: "advice.dokploy_rejected",
  deploy_failed: "advice.deploy_failed",
  deploy_timeout: "advice.deploy_timeout",
  health_timeout: "advice.health_timeout",
  unschedulable: "advice.unschedulable",
  interrupted: "advice.interrupted",
  cancelled: "advice.cancelled",
  cleanup_failed: "advice.cleanup_failed",
};

export interface FailureInput {
  p: Progress;
  report: DeploymentReport | null;
  log: string[] | null;
  explanation: Message;
  title: HTMLElement;
  retry: HTMLElement;
  startOver: HTMLElement;
}

/** A deploy whose rollback left parts behind holds its name until an administrator cleans up. */
export function isBlocked(p: Progress, report: DeploymentReport | null): boolean {
  if (p.kind !== "deploy") return false;
  return (p.done?.leftovers?.length ?? 0) > 0 || (report?.cleanup?.left.length ?? 0) > 0;
}

export function failureSection({ p, report, log, explanation, title, retry, startOver }: FailureInput): HTMLElement {
  const errorCode = p.done?.error?.code ?? "internal";
  const name = code(p.name, "code name-value");
  const blocked = isBlocked(p, report);
  const cleanup: Node[] = [];
  if (blocked) {
    cleanup.push(h("p", { class: "result-cleanup", "data-cleanup": "blocked" }, tn("cleanup.blocked", { name })));
  } else if (p.kind === "deploy" && report?.cleanup) {
    const c = report.cleanup;
    cleanup.push(
      h(
        "p",
        { class: "result-cleanup", "data-cleanup": c.removed.length ? "removed" : "nothing" },
        t(c.removed.length ? "cleanup.removed_all" : "cleanup.nothing"),
      ),
    );
    for (const v of c.kept) {
      cleanup.push(h("p", { class: "result-kept", "data-kept": v.name }, tn("cleanup.kept_volume", { volume: code(v.name, "code"), name })));
    }
  }
  const showLog = errorCode === "deploy_failed" && log && log.length > 0;
  const probes = errorCode === "health_timeout" ? (report?.probes ?? []) : [];
  return h(
    "section",
    { class: "result result--failed", "aria-labelledby": "result-title", "data-error": errorCode, "data-blocked": blocked ? "true" : undefined },
    title,
    h("p", { class: "result-explanation" }, explanation()),
    ...cleanup,
    blocked ? null : h("p", { class: "result-advice" }, t(ADVICE[errorCode] ?? "advice.default")),
    h("p", { class: "result-reference" }, tn("failure.reference", { id: code(p.id, "code reference-value") })),
    showLog
      ? h(
          "details",
          { class: "result-log", open: true },
          h("summary", {}, t("failure.log_title")),
          h("pre", { class: "log", dir: "ltr", tabindex: "0" }, readableLog(log)),
        )
      : null,
    probes.length > 0
      ? h(
          "details",
          { class: "result-probes", open: true },
          h("summary", {}, t("failure.probes_title")),
          h(
            "ul",
            { class: "probes", dir: "ltr" },
            ...probes.map((seen) =>
              h(
                "li",
                { "data-reason": seen.reason },
                h("code", {}, seen.target),
                ` ${seen.status !== undefined ? `HTTP ${seen.status}` : seen.reason}${seen.detail && seen.status === undefined ? ` (${seen.detail})` : ""}`,
              ),
            ),
          ),
        )
      : null,
    h("div", { class: "actions" }, blocked ? null : retry, startOver),
  );
}
