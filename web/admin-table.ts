import type * as api from "./api.ts";
import { type Message, byId, h, setText } from "./dom.ts";
import { type Key, code, formatAgo, formatDateTime, lang, t } from "./i18n.ts";
import { nameCode, stackStatusKey, stepKey } from "./messages.ts";
import { type Progress, currentStep } from "./watch.ts";
import * as saved from "./state.ts";
import { backupState, backupText, nodeText } from "./fleet-facts.ts";
import { adminFact } from "./admin-fact.ts";
import { stackHash } from "./stack-token.ts";

/**
 * The admin's table of stacks, for a fleet of hundreds: one compact row each (its name links to
 * the owner's view), search by name or owner, filters by status, image and server, sorting by
 * any column, and per row the actions an admin may take. The rows come from the live list
 * (admin-live.ts); only the table's body is drawn again, and only from this state.
 */

export interface TableHooks {
  /** A delete of this name being followed (its progress), if any. */
  following(name: string): Progress | null;
  explain(errorCode: string, name: string): Message;
  remove(stack: api.StackInfo): void;
  operate(stack: api.StackInfo, kind: "stop" | "start" | "restart"): void;
  /** The search, a filter or the sort changed: the view draws the table and its summary again. */
  redraw(): void;
}

type SortKey = "name" | "status" | "image" | "node" | "created";

const el = {
  heading: byId("admin-stacks-heading"),
  search: byId<HTMLInputElement>("admin-search"),
  status: byId<HTMLSelectElement>("admin-filter-status"),
  image: byId<HTMLSelectElement>("admin-filter-image"),
  node: byId<HTMLSelectElement>("admin-filter-node"),
  table: byId<HTMLTableElement>("admin-table"),
  body: byId<HTMLTableSectionElement>("admin-stacks"),
  noMatch: byId("admin-no-match"),
};

const LIVE: ReadonlySet<string> = new Set<api.StackStatus>(["deploying", "ready", "deleting", "cleanup_failed"]);
/** The statuses the filter offers, in this order. */
const STATUSES = ["running", "stopped", "deploying", "failed", "deleting", "cleanup_failed", "deleted"] as const;

let hooks: TableHooks;
/** Rows the last drawing showed (after search and filters). */
let shownCount = 0;
const rows = new Map<number, api.StackInfo>();
let sort: { key: SortKey; descending: boolean } = { key: "created", descending: true };
/**
 * Each stack's row as last drawn, and what it was drawn from: a search or a sort moves rows
 * that did not change instead of building them again (200 rows built afresh took 150-200 ms).
 */
const drawn = new Map<number, { key: string; tr: HTMLTableRowElement }>();

/** What the admin sees a stack as: a ready one is running or stopped. */
function statusOf(stack: api.StackInfo, following: Progress | null = hooks?.following(stack.name) ?? null): string {
  if (following && !following.done) return "deleting";
  if (following?.done?.status === "deleted") return "deleted";
  return stack.status === "ready" ? (stack.runState ?? "running") : stack.status;
}

const statusLabel = (status: string): string =>
  status === "running"
    ? t("admin.status_ready")
    : status === "stopped"
      ? t("admin.status_stopped")
      : t(stackStatusKey(status) ?? "admin.status_failed");

// ---------------------------------------------------------------------------------------
// The rows: all at once, or what changed

export function replaceRows(list: api.StackInfo[]): void {
  applyChanges({ first: true, changed: list, removed: [] });
}

export function applyChanges(changes: Pick<api.AdminStackChanges, "first" | "changed" | "removed">): void {
  // The first event is the whole list (again, after a reconnect): a drawn row that still shows
  // the same stack is kept (its key says so), those of stacks no longer listed go.
  if (changes.first) rows.clear();
  for (const s of changes.changed) rows.set(s.id, s);
  for (const id of changes.removed) rows.delete(id);
  for (const id of drawn.keys()) if (!rows.has(id)) drawn.delete(id);
}

export function forgetRows(): void {
  rows.clear();
  drawn.clear();
}

export const rowCount = (): number => rows.size;

// ---------------------------------------------------------------------------------------
// Search, filters, sort

const searchText = (s: api.StackInfo) => [s.name, s.owner?.name, s.owner?.email].filter(Boolean).join(" ").toLowerCase();

function shown(): api.StackInfo[] {
  const query = el.search.value.trim().toLowerCase();
  const status = el.status.value;
  const image = el.image.value;
  const node = el.node.value;
  const list = [...rows.values()].filter(
    (s) =>
      (!query || searchText(s).includes(query)) &&
      (!status || statusOf(s) === status) &&
      (!image || s.image?.image === image) &&
      (!node || s.node?.hostname === node),
  );
  const value = (s: api.StackInfo): string | number => {
    switch (sort.key) {
      case "name":
        return s.name;
      case "status":
        return STATUSES.indexOf(statusOf(s) as (typeof STATUSES)[number]);
      case "image":
        return s.image?.image ?? "";
      case "node":
        return s.node?.hostname ?? "";
      case "created":
        return Date.parse(s.createdAt) || 0;
    }
  };
  const direction = sort.descending ? -1 : 1;
  return list.sort((a, b) => {
    const [x, y] = [value(a), value(b)];
    const order = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
    return (order || a.name.localeCompare(b.name)) * direction;
  });
}

/** A select's options again, keeping the choice (an option that went away falls back to "All"). */
function fillOptions(select: HTMLSelectElement, values: string[], label: (v: string) => string): void {
  const chosen = select.value;
  select.replaceChildren(
    h("option", { value: "" }, t("admin.filter_any")),
    ...values.map((v) => h("option", { value: v, dir: label(v) === v ? "ltr" : undefined }, label(v))),
  );
  select.value = values.includes(chosen) ? chosen : "";
}

function renderFilters(): void {
  const all = [...rows.values()];
  fillOptions(
    el.status,
    STATUSES.filter((s) => all.some((r) => statusOf(r) === s) || el.status.value === s),
    statusLabel,
  );
  fillOptions(el.image, [...new Set(all.flatMap((r) => (r.image ? [r.image.image] : [])))].sort(), (v) => v);
  fillOptions(el.node, [...new Set(all.flatMap((r) => (r.node ? [r.node.hostname] : [])))].sort(), (v) => v);
}

function renderHead(): void {
  for (const th of el.table.querySelectorAll<HTMLElement>("th[data-col]")) {
    const button = th.querySelector<HTMLButtonElement>("button[data-sort]");
    if (!button) continue;
    const key = button.dataset.sort as SortKey;
    if (key === sort.key) th.setAttribute("aria-sort", sort.descending ? "descending" : "ascending");
    else th.removeAttribute("aria-sort");
    button.setAttribute("aria-label", t("admin.sort_by", { column: button.textContent ?? key }));
  }
}

// ---------------------------------------------------------------------------------------
// Drawing

export function renderTable(): void {
  renderFilters();
  renderHead();
  const list = shown();
  shownCount = list.length;
  el.noMatch.hidden = rows.size === 0 || list.length > 0;
  // Redrawn whole; focus stays on the same control, else on its row, else on the heading.
  const focused = document.activeElement instanceof HTMLElement && el.body.contains(document.activeElement) ? document.activeElement : null;
  const focusId = focused?.dataset.focusId;
  const focusRow = focused?.closest<HTMLElement>("tr[data-name]")?.dataset.name;
  el.body.replaceChildren(...list.map(rowOf));
  if (focused) {
    const target =
      (focusId && el.body.querySelector<HTMLElement>(`[data-focus-id="${CSS.escape(focusId)}"]`)) ||
      (focusRow && el.body.querySelector<HTMLElement>(`tr[data-name="${CSS.escape(focusRow)}"]`)) ||
      el.heading;
    target.focus();
  }
}

function actionButton(stack: api.StackInfo, id: string, label: string, className: string, onClick: () => void): HTMLButtonElement {
  const b = h(
    "button",
    {
      type: "button",
      class: `button button--small ${className}`,
      "data-action": `admin-${id}`,
      "data-focus-id": `${id}-${stack.name}`,
      "aria-label": t("admin.action_label", { action: label, name: stack.name }),
    },
    label,
  );
  b.addEventListener("click", onClick);
  return b;
}

function actions(stack: api.StackInfo, status: string, following: Progress | null): HTMLButtonElement[] {
  if (!LIVE.has(stack.status) || following) return [];
  const buttons: HTMLButtonElement[] = [];
  if (stack.status === "ready" && !stack.running) {
    if (status === "running")
      buttons.push(
        actionButton(stack, "stop", t("stack.stop"), "", () => hooks.operate(stack, "stop")),
        actionButton(stack, "restart", t("stack.restart"), "", () => hooks.operate(stack, "restart")),
      );
    else buttons.push(actionButton(stack, "start", t("stack.start"), "", () => hooks.operate(stack, "start")));
  }
  const remove = actionButton(stack, "delete", t("admin.delete"), "button--danger", () => hooks.remove(stack));
  remove.setAttribute("aria-label", t("admin.delete_label", { name: stack.name }));
  buttons.push(remove);
  return buttons;
}

/** The stack's row: the one drawn before if nothing it shows has changed since. */
function rowOf(stack: api.StackInfo): HTMLTableRowElement {
  const f = hooks.following(stack.name);
  const key = `${lang()}|${f ? `${f.done?.status}|${currentStep(f)?.number}` : ""}|${JSON.stringify(stack)}`;
  const hit = drawn.get(stack.id);
  if (hit?.key === key) return hit.tr;
  const tr = row(stack);
  drawn.set(stack.id, { key, tr });
  return tr;
}

function row(stack: api.StackInfo): HTMLTableRowElement {
  const following = hooks.following(stack.name);
  const inProgress = following && !following.done ? following : null;
  const status = statusOf(stack, following);
  const live = LIVE.has(stack.status);
  const created = Date.parse(stack.createdAt);
  // Its owner's view (the admin token opens it), for a live stack; else its name.
  const name = live
    ? h("a", { href: stackHash(stack.name), class: "code name-value", dir: "ltr", "data-action": "open-owner-view" }, stack.name)
    : nameCode(stack.name);
  const facts = [...historyFacts(stack), ...backupFacts(stack), ...ownerFacts(stack)];
  const busy = stack.running && stack.running !== "delete" ? h("span", { class: "hint stack-busy" }, ` (${t("admin.busy")})`) : null;
  return h(
    "tr",
    { "data-name": stack.name, "data-status": status, tabindex: "-1" },
    h(
      "td",
      { "data-col": "name" },
      name,
      live
        ? h(
            "div",
            { class: "stack-url" },
            h("a", { href: stack.url, target: "_blank", rel: "noopener noreferrer", dir: "ltr", class: "code url-value" }, stack.url),
          )
        : null,
      facts.length ? h("dl", { class: "stack-facts" }, ...facts) : null,
      deploymentLink(stack),
      inProgress && h("p", { class: "stack-progress" }, progressText(inProgress)),
    ),
    h("td", { "data-col": "status" }, h("span", { class: `stack-status stack-status--${status}` }, statusLabel(status)), busy),
    h(
      "td",
      { "data-col": "image" },
      // The image the portal last gave it (rollouts); a stopped stack's new one waits for its next start.
      stack.image ? code(stack.image.image) : "",
      stack.image?.pending ? h("span", { class: "hint" }, ` (${t("rollout.state_updated_stopped")})`) : null,
    ),
    h(
      "td",
      { "data-col": "node", "data-unavailable": stack.node?.unavailableReason ?? "" },
      live && stack.node ? nodeText(stack.node.hostname, stack.node.unavailableReason) : "",
    ),
    h(
      "td",
      { "data-col": "created" },
      Number.isFinite(created)
        ? h("time", { class: "stack-age", datetime: stack.createdAt, title: formatDateTime(created), "data-at": String(created) }, formatAgo(created))
        : "",
    ),
    h("td", { "data-col": "actions" }, h("div", { class: "row-actions" }, ...actions(stack, status, following))),
  );
}

function backupFacts(stack: api.StackInfo): HTMLElement[] {
  const backup = stack.backup;
  if (!LIVE.has(stack.status) || !backup) return [];
  return [
    adminFact("backup", t("admin.last_backup"), backupText(backup), {
      "data-failing": backup.failing ? "true" : "false",
      "data-backup": backupState(backup),
    }),
  ];
}

/** AUTH_MODE=oidc: who signed in and deployed (or claimed) it. */
function ownerFacts(stack: api.StackInfo): HTMLElement[] {
  if (!stack.owner) return [];
  const who = [stack.owner.name, stack.owner.email && `<${stack.owner.email}>`].filter(Boolean).join(" ");
  return [h("div", { class: "stack-fact", "data-owner": "" }, h("dt", {}, t("admin.owner")), h("dd", {}, who))];
}

/** For a stack that failed or is gone: why, when, when its name is free. */
function historyFacts(stack: api.StackInfo): HTMLElement[] {
  const d = stack.lastDeployment;
  if (!d || stack.status === "ready" || stack.status === "deploying") return [];
  const fact = (key: Key, id: string, value: Node | string, vars: Record<string, number> = {}) => adminFact(id, t(key, vars), value);
  const at = d.finishedAt ? Date.parse(d.finishedAt) : Number.NaN;
  const facts: HTMLElement[] = [];
  if (Number.isFinite(at)) facts.push(fact("admin.last_change", "at", h("time", { datetime: d.finishedAt ?? "" }, formatDateTime(at))));
  if (d.errorCode) facts.push(fact("admin.reason", "reason", hooks.explain(d.errorCode, stack.name)()));
  if (d.leftovers > 0) facts.push(fact("admin.leftovers", "leftovers", "", { count: d.leftovers }));
  if (stack.status === "deleted" || stack.status === "failed") {
    const free = stack.nameFreeAt ? Date.parse(stack.nameFreeAt) : Number.NaN;
    const when =
      Number.isFinite(free) && free > Date.now() ? h("time", { datetime: stack.nameFreeAt ?? "" }, formatDateTime(free)) : t("admin.name_free_now");
    facts.push(fact("admin.name_free", "free", when));
  }
  return facts;
}

/** The stack's latest deployment, opened in the progress view. */
function deploymentLink(stack: api.StackInfo): HTMLElement | null {
  const d = stack.lastDeployment;
  if (!d || stack.status === "ready" || stack.status === "deploying") return null;
  return h("p", { class: "stack-deployment" }, h("a", { href: saved.hashFor(d.id), "data-action": "open-deployment" }, t("admin.open_deployment")));
}

function progressText(p: Progress): string {
  const current = currentStep(p);
  const key = current ? stepKey(current.view.step) : null;
  return current && key ? t("progress.step_of", { current: current.number, total: current.total, label: t(key) }) : t("progress.starting");
}

/** "3 minutes ago" moves on by itself. */
export function renderAges(): void {
  for (const time of el.body.querySelectorAll<HTMLElement>("time[data-at]")) setText(time, formatAgo(Number(time.dataset.at)));
}

/** The focus after a dialog about this stack closed without acting: its row's control. */
export function focusRow(name: string, action: string): void {
  el.body.querySelector<HTMLElement>(`tr[data-name="${CSS.escape(name)}"] [data-action="admin-${action}"]`)?.focus();
}

export function initTable(given: TableHooks): void {
  hooks = given;
  // Typing filters at once: 200 rows are drawn again in a few milliseconds (bench/admin-table.ts).
  el.search.addEventListener("input", () => hooks.redraw());
  for (const select of [el.status, el.image, el.node]) select.addEventListener("change", () => hooks.redraw());
  for (const button of el.table.querySelectorAll<HTMLButtonElement>("button[data-sort]"))
    button.addEventListener("click", () => {
      const key = button.dataset.sort as SortKey;
      sort = sort.key === key ? { key, descending: !sort.descending } : { key, descending: key === "created" };
      hooks.redraw();
    });
}

/** The view's summary: how many rows the last drawing showed, of how many. */
export const summary = (): string => t("admin.summary_live", { shown: shownCount, count: rows.size });
