import { readableLog } from "./log-lines.ts";
import { h } from "./dom.ts";
import { type Key, code, formatDateTime, formatNumber, t, tn } from "./i18n.ts";
import { backupState, backupText, nodeText } from "./fleet-facts.ts";
import { errorKey } from "./messages.ts";
import type { StackDetails, StackLogs } from "./stack-api.ts";

/**
 * What the "Your stack" view shows of a stack, drawn from its details and logs: the facts
 * (state, Dokploy's status, image, times, volumes, limits), the last operations, the logs.
 */

type Details = StackDetails;

/** One word for where the stack is: what the page's buttons and tests go by. */
export type StackState = "busy" | "running" | "stopped" | "not_ready";

export function stateOf(d: Details): StackState {
  if (d.runningOperation) return "busy";
  if (d.status !== "ready") return "not_ready";
  return d.state === "stopped" ? "stopped" : "running";
}

const OPERATION: Record<string, Key> = {
  deploy: "stack.op_deploy",
  delete: "stack.op_delete",
  stop: "stack.op_stop",
  start: "stack.op_start",
  restart: "stack.op_restart",
  redeploy: "stack.op_redeploy",
  password: "stack.op_password",
  keys: "stack.op_keys",
  restore: "stack.op_restore",
};

const BUSY: Record<string, Key> = {
  deploy: "stack.busy_deploy",
  delete: "stack.busy_delete",
  stop: "stack.busy_stop",
  start: "stack.busy_start",
  restart: "stack.busy_restart",
  redeploy: "stack.busy_redeploy",
  password: "stack.busy_password",
  keys: "stack.busy_keys",
  restore: "stack.busy_restore",
};

const APP_STATUS: Record<string, Key> = {
  running: "stack.app_running",
  idle: "stack.app_idle",
  done: "stack.app_done",
  error: "stack.app_error",
};

const OUTCOME: Record<string, Key> = {
  running: "stack.outcome_running",
  succeeded: "stack.outcome_succeeded",
  failed: "stack.outcome_failed",
};

export const operationKey = (kind: string): Key | null => OPERATION[kind] ?? null;

/** The state in words: "Running", "Stopped because nobody used it", "Stopping ...". */
export function stateText(d: Details): string {
  const state = stateOf(d);
  if (state === "busy") {
    const key = BUSY[d.runningOperation?.kind ?? ""];
    return key ? t(key) : t("stack.busy");
  }
  if (d.status === "unavailable") return t(d.unavailableReason === "node_drained" ? "stack.unavailable_drained" : "stack.unavailable_down");
  if (state === "not_ready") return t(`admin.status_${d.status}` as Key);
  if (state === "stopped") return t(d.stopReason === "idle" ? "stack.stopped_idle" : "stack.stopped");
  return t("stack.running");
}

const when = (at: string | null): Node | string => (at ? h("time", { datetime: at }, formatDateTime(Date.parse(at))) : t("stack.never"));

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;
/** In the words the admin's capacity card uses too (one translation of the units). */
function bytes(n: number | null): Node | string {
  if (n === null || n <= 0) return t("stack.no_limit");
  const [value, key] = n >= GIB ? [n / GIB, "capacity.gib" as const] : [n / MIB, "capacity.mib" as const];
  return t(key, { n: formatNumber(Math.round(value * 100) / 100) });
}
function cpus(nano: number | null): Node | string {
  if (nano === null || nano <= 0) return t("stack.no_limit");
  return t("stack.cpus", { count: Math.round((nano / 1e9) * 100) / 100 });
}

function row(id: string, label: Key, ...value: (Node | string)[]): HTMLElement {
  return h("div", { class: "owner-fact", "data-fact": id }, h("dt", {}, t(label)), h("dd", {}, ...value));
}

/** A platform word explained: what it means for the person, under the value. */
function explained(fact: HTMLElement, hint: Key): HTMLElement {
  fact.append(h("dd", { class: "hint owner-fact-hint" }, t(hint)));
  return fact;
}

export function factRows(d: Details): HTMLElement[] {
  const app = d.dokploy;
  const appStatus = app ? APP_STATUS[app.applicationStatus] : undefined;
  const rows = [
    row("state", "stack.fact_state", stateText(d)),
    explained(
      row("app-status", "stack.fact_app_status", app ? (appStatus ? t(appStatus) : code(app.applicationStatus)) : t("stack.unknown")),
      "stack.explain_app_status",
    ),
    explained(row("image", "stack.fact_image", app?.image ? code(app.image) : t("stack.unknown")), "stack.explain_image"),
    row("created", "stack.fact_created", when(d.createdAt)),
    row("ready", "stack.fact_ready", when(d.readyAt)),
    row("started", "stack.fact_started", when(d.startedAt)),
    row("stopped", "stack.fact_stopped", when(d.stoppedAt)),
  ];
  if (app) {
    rows.push(
      explained(
        row(
          "volumes",
          "stack.fact_volumes",
          app.volumes.length
            ? h(
                "ul",
                { class: "owner-fact-list" },
                ...app.volumes.map((v) => h("li", {}, tn("stack.volume", { name: code(v.name), path: code(v.mountPath) }))),
              )
            : t("stack.none"),
        ),
        "stack.explain_volumes",
      ),
      row(
        "memory",
        "stack.fact_memory",
        tn("stack.limit_reserved", { limit: bytes(app.limits.memoryBytes), reserved: bytes(app.limits.memoryReservationBytes) }),
      ),
      explained(
        row(
          "cpu",
          "stack.fact_cpu",
          tn("stack.limit_reserved", { limit: cpus(app.limits.nanoCpus), reserved: cpus(app.limits.nanoCpusReservation) }),
        ),
        "stack.explain_limits",
      ),
    );
  }
  // With Dokploy's Swarm cluster and backups: the server it is on, and its last backup.
  if (d.node) rows.push(explained(row("node", "admin.node", nodeText(d.node.hostname, d.unavailableReason)), "stack.explain_node"));
  if (d.backups) {
    const fact = row("backup", "admin.last_backup", backupText(d.backups));
    fact.dataset.backup = backupState(d.backups);
    rows.push(fact);
  }
  return rows;
}

export function operationItems(d: Details): HTMLElement[] {
  return d.operations.map((op) => {
    const kind = operationKey(op.kind);
    const outcome = OUTCOME[op.status];
    const reason = op.error ? errorKey(op.error.code) : null;
    return h(
      "li",
      { class: "stack-operation", "data-kind": op.kind, "data-outcome": op.status },
      h("span", { class: "stack-operation-kind" }, kind ? t(kind) : code(op.kind)),
      " ",
      h("span", { class: "stack-operation-outcome" }, outcome ? t(outcome) : code(op.status)),
      " ",
      h("span", { class: "hint" }, when(op.createdAt)),
      op.error ? h("span", { class: "stack-operation-error" }, reason ? t(reason) : t("error.unknown", { code: op.error.code })) : null,
    );
  });
}

/** The logs' text, or why there is none. */
export function logText(logs: StackLogs, which: "container" | "deploy"): string {
  const part = which === "container" ? logs.container : logs.deploy;
  const failed = which === "container" ? logs.containerError : logs.deployError;
  if (part?.lines.length) return readableLog(part.lines);
  if (failed) return t("stack.logs_unavailable");
  return t("stack.logs_empty");
}
