import * as api from "./api.ts";
import { type Message, byId, h, setText } from "./dom.ts";
import { type Key, code, formatDateTime, formatNumber, t, tn } from "./i18n.ts";
import { explain as explainError, nameCode } from "./messages.ts";
import { type Progress, Watch } from "./watch.ts";
import * as saved from "./state.ts";
import { askConfirm } from "./confirm.ts";
import { forgetRollout, initRollout, loadRollout, renderRollout } from "./admin-rollout.ts";
import { forgetCapacity, initCapacity, loadCapacity, renderCapacity } from "./admin-capacity.ts";
import { applyChanges, focusRow, forgetRows, initTable, renderAges, renderTable, replaceRows, rowCount, summary } from "./admin-table.ts";
import { forgetAudit, initAudit, loadAudit, renderAudit } from "./admin-audit.ts";
import { watchStacks } from "./admin-live.ts";

/**
 * The admin view (`#admin`): signed in with the admin token (kept in this tab's sessionStorage
 * only), it follows the stacks live (admin-live.ts) in a table with search, filters and sort
 * (admin-table.ts), stops, starts, restarts and deletes a stack after a confirmation (a delete is
 * followed in its row), and shows the audit log (admin-audit.ts), the last reconcile report, the
 * rollout and the capacity. Like the rest of the page, everything is drawn from state, so a
 * language switch redraws it.
 */

const el = {
  view: byId("view-admin"),
  heading: byId("admin-heading"),
  status: byId("admin-status"),
  login: byId<HTMLFormElement>("admin-login"),
  tokenInput: byId<HTMLInputElement>("admin-token"),
  loginError: byId("admin-login-error"),
  signIn: byId<HTMLButtonElement>("admin-sign-in"),
  panel: byId("admin-panel"),
  stacksHeading: byId("admin-stacks-heading"),
  signOut: byId<HTMLButtonElement>("admin-sign-out"),
  all: byId<HTMLInputElement>("admin-all"),
  summary: byId("admin-summary"),
  listError: byId("admin-error"),
  liveLost: byId("admin-live-lost"),
  empty: byId("admin-empty"),
  reconcileAt: byId("reconcile-at"),
  reconcileCounts: byId("reconcile-counts"),
  reconcileError: byId("reconcile-error"),
  reconcileRun: byId<HTMLButtonElement>("reconcile-run"),
  reconcileApply: byId<HTMLButtonElement>("reconcile-apply"),
  reconcileItems: byId("reconcile-items"),
  dialog: byId<HTMLDialogElement>("admin-dialog"),
  dialogTitle: byId("admin-dialog-title"),
  dialogRemoves: byId("admin-dialog-removes"),
  dialogKeeps: byId("admin-dialog-keeps"),
  dialogCancel: byId<HTMLButtonElement>("admin-dialog-cancel"),
  dialogConfirm: byId<HTMLButtonElement>("admin-dialog-confirm"),
};

const AGE_TICK_MS = 15_000;
/** The capacity card is read again after list changes at most this often. */
const CAPACITY_EVERY_MS = 5_000;

const isAuthProblem = (status: number) => status === 401 || status === 403;

/** An API error in the admin's words: here 401 and 403 are about the admin token. */
function explain(errorCode: string, name = ""): Message {
  return () => {
    if (errorCode === "unauthorized") return t("admin.unauthorized");
    if (errorCode === "forbidden") return t("admin.forbidden");
    return explainError(errorCode, name)();
  };
}

/** Shows a message (or hides the element); unchanged text is left alone, so it is not announced again. */
function showMessage(target: HTMLElement, message: Message | null, hide = true): void {
  if (hide) target.hidden = message === null;
  const content = message ? message() : "";
  const text = typeof content === "string" ? content : (content.textContent ?? "");
  if (target.textContent !== text || target.dataset.lang !== document.documentElement.lang) {
    target.replaceChildren(content);
    target.dataset.lang = document.documentElement.lang;
  }
}

// ---------------------------------------------------------------------------------------
// State

let visible = false;
let signingIn = false;
let loginMessage: Message | null = null;
/** What just happened (signed out, deleted ...), said in the live region at the top. */
let notice: Message | null = null;
/** A notice of something that went wrong is shown as such. */
let noticeTone: "ok" | "error" = "ok";

/** NAME_QUARANTINE_DAYS, as the stack list reports it. */
let quarantineDays: number | null = null;
let loadSeq = 0;
/** The live list's stop, while it runs; whether its connection is lost just now. */
let stopLive: (() => void) | null = null;
let live = false;
let liveLost = false;
let capacityAt = 0;
let listMessage: Message | null = null;

/** Deletes started here, followed over their event stream, by stack name. */
const following = new Map<string, { progress: Progress; watch: Watch }>();
/** The stack the confirmation is about. */
let pending: api.StackInfo | null = null;

/** undefined: not asked yet; null: no reconcile has run since the portal started. */
let report: api.ReconcileReport | null | undefined;
let reconcileBusy = false;
let reconcileMessage: Message | null = null;

let ageTimer: ReturnType<typeof setInterval> | null = null;

function say(message: Message | null, tone: "ok" | "error" = "ok"): void {
  notice = message;
  noticeTone = tone;
}

/** A person signed in through OIDC_ADMIN_GROUPS needs no token (account.ts says so). */
let sessionAdmin = false;
const token = (): string | null => saved.adminToken() ?? (sessionAdmin ? api.SESSION_ADMIN : null);

export function setSessionAdmin(on: boolean): void {
  if (on === sessionAdmin) return;
  sessionAdmin = on;
  if (on && visible) {
    startLive();
    void loadAudit();
    void loadReport();
    void loadRollout();
    void loadCapacity();
  }
  renderAdmin();
}

// ---------------------------------------------------------------------------------------
// Showing and hiding the view (the router in app.ts decides when)

export function showAdmin(moveFocus: boolean): void {
  const wasVisible = visible;
  visible = true;
  renderAdmin();
  if (!wasVisible && token()) {
    startLive();
    void loadAudit();
    void loadReport();
    void loadRollout();
    void loadCapacity();
  }
  ageTimer ??= setInterval(() => visible && renderAges(), AGE_TICK_MS);
  if (moveFocus) el.heading.focus();
}

export function hideAdmin(): void {
  visible = false;
  endLive();
  if (ageTimer) clearInterval(ageTimer);
  ageTimer = null;
  if (el.dialog.open) el.dialog.close();
}

// ---------------------------------------------------------------------------------------
// Signing in and out

async function signIn(): Promise<void> {
  if (signingIn) return;
  const value = el.tokenInput.value.trim();
  if (!value) {
    loginMessage = () => t("admin.unauthorized");
    renderAdmin();
    el.tokenInput.focus();
    return;
  }
  loginMessage = null;
  say(null);
  signingIn = true;
  renderAdmin();
  const seq = ++loadSeq;
  const res = await api.listStacks(value, el.all.checked);
  signingIn = false;
  if (!res.ok) {
    loginMessage = explain(res.error.code);
    renderAdmin();
    el.tokenInput.focus();
    el.tokenInput.select();
    return;
  }
  saved.setAdminToken(value);
  el.tokenInput.value = "";
  if (seq === loadSeq) {
    replaceRows(res.value.stacks);
    quarantineDays = res.value.nameQuarantineDays;
    startLive();
  }
  renderAdmin();
  el.stacksHeading.focus();
  void loadAudit();
  void loadReport();
  void loadRollout();
  void loadCapacity();
}

/** Forgets the token (and everything it showed); `why` says why when it was not asked for. */
function signOut(why: Message | null = null): void {
  saved.setAdminToken(null);
  loadSeq++;
  endLive();
  forgetRows();
  forgetAudit();
  listMessage = null;
  report = undefined;
  reconcileMessage = null;
  forgetRollout();
  forgetCapacity();
  for (const { watch } of following.values()) watch.stop();
  following.clear();
  if (el.dialog.open) {
    pending = null;
    el.dialog.close();
  }
  loginMessage = why;
  say(why ? null : () => t("admin.signed_out"));
  renderAdmin();
  if (visible) el.tokenInput.focus();
}

// ---------------------------------------------------------------------------------------
// The list

/** Follows the list live (admin-live.ts) while the view shows; the rows it sends redraw the table. */
function startLive(): void {
  const current = token();
  if (!current) return;
  endLive();
  const seq = loadSeq;
  stopLive = watchStacks(current, el.all.checked, {
    changes(changes) {
      if (seq !== loadSeq) return;
      applyChanges(changes);
      quarantineDays = changes.nameQuarantineDays;
      live = true;
      listMessage = null;
      // Finished deletes have had their say; the list now shows where they left the stack.
      for (const [name, f] of following) if (f.progress.done) following.delete(name);
      // What the stacks reserve changed too: the capacity card follows, at most every few seconds.
      if (Date.now() - capacityAt > CAPACITY_EVERY_MS) {
        capacityAt = Date.now();
        void loadCapacity();
      }
      renderAdmin();
    },
    connection(lost) {
      if (seq !== loadSeq || liveLost === lost) return;
      liveLost = lost;
      renderAdmin();
    },
    // The token stopped working (changed on the server, say): back to the form, once.
    refused: (_status, errorCode) => {
      if (seq === loadSeq) signOut(explain(errorCode));
    },
  });
}

function endLive(): void {
  stopLive?.();
  stopLive = null;
  live = false;
  liveLost = false;
}

/** Stop and restart are asked first (work in progress is interrupted); start is not. */
const QUESTIONS = {
  stop: { title: "admin.confirm_stop_title", text: "admin.confirm_stop_text", yes: "stack.stop" },
  restart: { title: "admin.confirm_restart_title", text: "admin.confirm_restart_text", yes: "stack.restart" },
} as const;
const LABELS = { stop: "stack.stop", start: "stack.start", restart: "stack.restart" } as const;

/** An admin's stop, start or restart from the list: the owner's operation; the live list shows it run. */
async function operate(stack: api.StackInfo, kind: "stop" | "start" | "restart"): Promise<void> {
  const current = token();
  if (!current) return;
  if (kind !== "start") {
    const q = QUESTIONS[kind];
    const yes = await askConfirm({ title: () => tn(q.title, { name: nameCode(stack.name) }), text: q.text, yes: q.yes, no: "delete.cancel" });
    if (!yes) return;
  }
  const res = await api.operateStack(current, stack.name, kind);
  if (!res.ok) {
    if (isAuthProblem(res.status)) return signOut(explain(res.error.code));
    listMessage = explain(res.error.code, stack.name);
  } else {
    listMessage = null;
    say(() => tn("admin.operation_started", { name: nameCode(stack.name), action: t(LABELS[kind]) }));
  }
  renderAdmin();
}

function askDelete(stack: api.StackInfo): void {
  pending = stack;
  renderDialog();
  el.dialog.showModal();
  el.dialogCancel.focus();
}

async function runDelete(): Promise<void> {
  const stack = pending;
  pending = null;
  el.dialog.close();
  const current = token();
  if (!stack || !current) return;
  const res = await api.deleteStack(stack.name, current);
  if (!res.ok) {
    if (isAuthProblem(res.status)) return signOut(explain(res.error.code));
    listMessage = explain(res.error.code, stack.name);
    renderAdmin();
    return;
  }
  follow(stack.name, res.value.deploymentId);
  say(() => tn("admin.deleting", { name: nameCode(stack.name) }));
  renderAdmin();
}

/** Follows a delete in its row until the stream's `done`, then reloads the list. */
function follow(name: string, deploymentId: string): void {
  following.get(name)?.watch.stop();
  const progress: Progress = {
    id: deploymentId,
    kind: "delete",
    name,
    url: null,
    steps: [],
    status: null,
    position: null,
    done: null,
    lastEventId: 0,
    startedAt: Date.now(),
    finishedAt: null,
    connection: "connecting",
  };
  const watch = new Watch(progress, (what) => {
    if (following.get(name)?.watch !== watch) return;
    if (what === "done" || what === "gone") {
      if (what === "gone") following.delete(name);
      const done = progress.done;
      if (done?.status === "deleted") {
        say(() => tn("admin.deleted", { name: nameCode(name) }));
      } else if (done) {
        const why = explain(done.error?.code ?? "internal", name);
        say(() => {
          const text = tn("admin.delete_failed", { name: nameCode(name) });
          text.append(" ", why());
          return text;
        }, "error");
      }
    }
    renderAdmin();
  });
  following.set(name, { progress, watch });
  watch.start();
}

// ---------------------------------------------------------------------------------------
// Reconcile report (counts only)

async function loadReport(): Promise<void> {
  const current = token();
  if (!current) return;
  const res = await api.reconcileReport(current);
  if (token() !== current) return;
  if (res.ok) {
    report = res.value.report;
    reconcileMessage = null;
  } else if (!isAuthProblem(res.status)) {
    reconcileMessage = explain(res.error.code);
  }
  renderAdmin();
}

async function runCheck(apply = false): Promise<void> {
  const current = token();
  if (!current || reconcileBusy) return;
  if (apply && !(await askConfirm({ title: "admin.apply_title", text: "admin.apply_text", yes: "admin.apply_yes", no: "delete.cancel" }))) return;
  reconcileBusy = true;
  reconcileMessage = null;
  renderAdmin();
  const res = await api.runReconcile(current, apply);
  reconcileBusy = false;
  if (token() !== current) return;
  if (res.ok) {
    report = res.value.report;
    say(() => t(apply ? "admin.reconcile_applied" : "admin.reconcile_done"));
  } else if (isAuthProblem(res.status)) {
    return signOut(explain(res.error.code));
  } else {
    reconcileMessage = res.error.code === "dokploy_unavailable" ? () => t("admin.reconcile_failed") : explain(res.error.code);
  }
  renderAdmin();
}

// ---------------------------------------------------------------------------------------
// Drawing

export function renderAdmin(): void {
  const signedIn = token() !== null;
  el.login.hidden = signedIn;
  el.panel.hidden = !signedIn;
  showMessage(el.status, notice, false);
  el.status.dataset.tone = noticeTone;
  showMessage(el.loginError, signedIn ? null : loginMessage);
  el.signIn.setAttribute("aria-busy", String(signingIn));
  // A signed-in admin signs out in the header, not here.
  el.signOut.hidden = token() === api.SESSION_ADMIN;
  // Drawn signed out too: what a previous token showed must not linger in the page.
  renderList();
  renderReconcile();
  renderAudit();
  renderRollout();
  renderCapacity();
  renderDialog();
}

function renderList(): void {
  renderTable();
  setText(el.summary, rowCount() === 0 && !live ? t("admin.loading") : summary());
  el.liveLost.hidden = !liveLost;
  showMessage(el.listError, listMessage);
  el.empty.hidden = !live || rowCount() > 0;
}

function renderReconcile(): void {
  setText(
    el.reconcileAt,
    report === undefined
      ? ""
      : report === null
        ? t("admin.reconcile_none")
        : t("admin.reconcile_at", { time: formatDateTime(Date.parse(report.at)) }),
  );
  el.reconcileCounts.hidden = !report;
  if (report) {
    const count = (key: Key, n: number, id: string) =>
      h("div", { class: "count", "data-count": id }, h("dt", {}, t(key)), h("dd", {}, formatNumber(n)));
    el.reconcileCounts.replaceChildren(
      count("admin.reconcile_orphans", report.orphanProjects.length, "orphans"),
      count("admin.reconcile_lost", report.lostStacks.length, "lost"),
      count("admin.reconcile_cleanup", report.cleanupFailed.length, "cleanup"),
    );
  }
  el.reconcileItems.hidden = !report;
  el.reconcileItems.replaceChildren(...(report ? reconcileItems(report) : []));
  const found = report ? report.orphanProjects.length + report.lostStacks.length : 0;
  el.reconcileApply.hidden = !report || report.applied || found === 0;
  setText(el.reconcileApply, t("admin.reconcile_apply"));
  el.reconcileApply.setAttribute("aria-busy", String(reconcileBusy));
  showMessage(el.reconcileError, reconcileMessage);
  el.reconcileRun.setAttribute("aria-busy", String(reconcileBusy));
  setText(el.reconcileRun, t(reconcileBusy ? "admin.reconcile_running" : "admin.reconcile_run"));
}

/** Each item the check found: names, Dokploy ids, and what is left (or what applying did). */
function reconcileItems(r: api.ReconcileReport): HTMLElement[] {
  const id = (v: string | null) => code(v ?? "–", "code");
  const item = (kind: string, content: Node, done?: Key) =>
    h("li", { "data-item": kind }, content, done ? h("span", { class: "item-done" }, ` (${t(done)})`) : null);
  const items: HTMLElement[] = [];
  for (const o of r.orphanProjects)
    items.push(
      item("orphan", tn("admin.item_orphan", { name: nameCode(o.name), project: id(o.projectId) }), o.removed ? "admin.item_removed" : undefined),
    );
  for (const l of r.lostStacks)
    items.push(
      item(
        "lost",
        tn("admin.item_lost", { name: nameCode(l.name), project: id(l.projectId), application: id(l.applicationId) }),
        l.marked ? "admin.item_marked" : undefined,
      ),
    );
  for (const c of r.cleanupFailed)
    for (const left of c.leftovers)
      items.push(
        item(
          "left",
          tn(left.kind === "project" ? "admin.item_left_project" : "admin.item_left_application", {
            name: nameCode(c.name),
            id: id(left.id),
            error: left.error,
          }),
        ),
      );
  return items;
}

function renderDialog(): void {
  const s = pending;
  if (!s) return;
  el.dialogTitle.replaceChildren(tn("delete.confirm_title", { name: nameCode(s.name) }));
  // A stack that never ran has nothing that "stops working".
  el.dialogRemoves.replaceChildren(
    s.readyAt
      ? tn("delete.confirm_removes", { url: code(s.url, "code url-value") })
      : tn("delete.confirm_removes_unstarted", { name: nameCode(s.name) }),
  );
  el.dialogKeeps.replaceChildren(
    quarantineDays === null
      ? tn("admin.confirm_keeps", { name: nameCode(s.name) })
      : tn("admin.confirm_keeps_days", { name: nameCode(s.name), days: quarantineDays }),
  );
}

// ---------------------------------------------------------------------------------------

export function initAdmin(): void {
  el.login.addEventListener("submit", (e) => {
    e.preventDefault();
    void signIn();
  });
  el.all.addEventListener("change", () => {
    forgetRows();
    startLive();
    renderAdmin();
  });
  initTable({
    following: (name) => following.get(name)?.progress ?? null,
    explain,
    remove: askDelete,
    operate: (stack, kind) => void operate(stack, kind),
    redraw: renderList,
  });
  initAudit(token, (errorCode) => signOut(explain(errorCode)));
  el.signOut.addEventListener("click", () => signOut());
  initRollout(token, (errorCode) => signOut(explain(errorCode)));
  initCapacity(token, (errorCode) => signOut(explain(errorCode)));
  el.reconcileRun.addEventListener("click", () => void runCheck());
  el.reconcileApply.addEventListener("click", () => void runCheck(true));
  el.dialogCancel.addEventListener("click", () => el.dialog.close());
  el.dialogConfirm.addEventListener("click", () => void runDelete());
  el.dialog.addEventListener("close", () => {
    // Cancelled (button or Escape): back to the row's Delete button. The event comes a task
    // after the closing; if the dialog was opened again meanwhile, it is not about this one.
    if (!pending || el.dialog.open) return;
    const name = pending.name;
    pending = null;
    focusRow(name, "delete");
  });
}
