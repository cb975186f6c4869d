import * as api from "./api.ts";
import { type Message, byId, h, setText } from "./dom.ts";
import { type Key, code, formatAgo, formatDateTime, formatNumber, formatTime, t, tn } from "./i18n.ts";
import { explain as explainError, nameCode, stackStatusKey, stepKey } from "./messages.ts";
import { type Progress, Watch, currentStep } from "./watch.ts";
import * as saved from "./state.ts";
import { askConfirm } from "./confirm.ts";
import { backupState, backupText, nodeText } from "./fleet-facts.ts";
import { adminFact } from "./admin-fact.ts";
import { forgetRollout, initRollout, loadRollout, renderRollout } from "./admin-rollout.ts";
import { forgetCapacity, initCapacity, loadCapacity, renderCapacity } from "./admin-capacity.ts";

/**
 * The admin view (`#admin`): signed in with the admin token (kept in this tab's
 * sessionStorage only), it lists the stacks with their status and age, deletes one after a
 * confirmation and follows the delete live in its row, and shows the last reconcile report.
 * Like the rest of the page, everything is drawn from state, so a language switch redraws it.
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
  refresh: byId<HTMLButtonElement>("admin-refresh"),
  signOut: byId<HTMLButtonElement>("admin-sign-out"),
  all: byId<HTMLInputElement>("admin-all"),
  summary: byId("admin-summary"),
  listError: byId("admin-error"),
  empty: byId("admin-empty"),
  list: byId<HTMLUListElement>("admin-stacks"),
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

const LIVE: ReadonlySet<string> = new Set<api.StackStatus>(["deploying", "ready", "deleting", "cleanup_failed"]);
const AGE_TICK_MS = 15_000;

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

let stacks: api.StackInfo[] | null = null;
/** NAME_QUARANTINE_DAYS, as the stack list reports it. */
let quarantineDays: number | null = null;
let loadedAt: number | null = null;
let loading = false;
let loadSeq = 0;
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
    void load();
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
    void load();
    void loadReport();
    void loadRollout();
    void loadCapacity();
  }
  ageTimer ??= setInterval(renderAges, AGE_TICK_MS);
  if (moveFocus) el.heading.focus();
}

export function hideAdmin(): void {
  visible = false;
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
  if (seq === loadSeq) accept(res.value.stacks, res.value.nameQuarantineDays);
  renderAdmin();
  el.stacksHeading.focus();
  void loadReport();
  void loadRollout();
  void loadCapacity();
}

/** Forgets the token (and everything it showed); `why` says why when it was not asked for. */
function signOut(why: Message | null = null): void {
  saved.setAdminToken(null);
  loadSeq++;
  stacks = null;
  loadedAt = null;
  loading = false;
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

function accept(list: api.StackInfo[], days: number): void {
  stacks = list;
  quarantineDays = days;
  loadedAt = Date.now();
  // Finished deletes have had their say; the list now shows where they left the stack.
  for (const [name, f] of following) if (f.progress.done) following.delete(name);
  loading = false;
  listMessage = null;
}

async function load(): Promise<void> {
  const current = token();
  if (!current) return;
  const seq = ++loadSeq;
  loading = true;
  renderAdmin();
  const res = await api.listStacks(current, el.all.checked);
  if (seq !== loadSeq) return;
  loading = false;
  if (!res.ok) {
    // The token stopped working (changed on the server, say): back to the form.
    if (isAuthProblem(res.status)) return signOut(explain(res.error.code));
    listMessage = explain(res.error.code);
  } else {
    accept(res.value.stacks, res.value.nameQuarantineDays);
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
    if (res.error.code === "not_found") void load(); // gone meanwhile: show the list as it is now
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
      void load();
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
    if (apply) void load();
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
  renderRollout();
  renderCapacity();
  renderDialog();
}

function renderList(): void {
  el.refresh.setAttribute("aria-busy", String(loading));
  setText(
    el.summary,
    stacks === null || loadedAt === null
      ? t("admin.loading")
      : loading
        ? t("admin.loading")
        : t("admin.summary", { count: stacks.length, time: formatTime(loadedAt) }),
  );
  showMessage(el.listError, listMessage);
  el.empty.hidden = stacks === null || stacks.length > 0;

  // Redrawn whole; focus stays on the same control, else on its row, else on the heading.
  const focused = document.activeElement instanceof HTMLElement && el.list.contains(document.activeElement) ? document.activeElement : null;
  const focusId = focused?.dataset.focusId;
  const focusRow = focused?.closest<HTMLElement>("li[data-name]")?.dataset.name;
  el.list.replaceChildren(...(stacks ?? []).map(row));
  if (focused) {
    const target =
      (focusId && el.list.querySelector<HTMLElement>(`[data-focus-id="${CSS.escape(focusId)}"]`)) ||
      (focusRow && el.list.querySelector<HTMLElement>(`li[data-name="${CSS.escape(focusRow)}"]`)) ||
      el.stacksHeading;
    target.focus();
  }
}

function row(stack: api.StackInfo): HTMLLIElement {
  const follow = following.get(stack.name);
  const inProgress = follow && !follow.progress.done ? follow.progress : null;
  const finished = follow?.progress.done?.status;
  const status: api.StackStatus = inProgress ? "deleting" : finished === "deleted" ? "deleted" : stack.status;
  const live = LIVE.has(stack.status);
  const created = Date.parse(stack.createdAt);
  const address = live
    ? h("a", { href: stack.url, target: "_blank", rel: "noopener noreferrer", dir: "ltr", class: "code url-value" }, stack.url)
    : code(stack.url, "code url-value");
  const remove =
    live && !follow
      ? h(
          "button",
          {
            type: "button",
            class: "button button--small button--danger",
            "data-action": "admin-delete",
            "data-focus-id": `delete-${stack.name}`,
            "aria-label": t("admin.delete_label", { name: stack.name }),
          },
          t("admin.delete"),
        )
      : null;
  remove?.addEventListener("click", () => askDelete(stack));
  return h(
    "li",
    { class: "stack-item", "data-name": stack.name, "data-status": status, tabindex: "-1" },
    h(
      "div",
      { class: "stack-head" },
      h("span", { class: "stack-name" }, nameCode(stack.name)),
      h("span", { class: `stack-status stack-status--${status}` }, t(stackStatusKey(status) ?? "admin.status_failed")),
    ),
    h(
      "dl",
      { class: "stack-facts" },
      h(
        "div",
        { class: "stack-fact" },
        h("dt", {}, t("admin.created")),
        h(
          "dd",
          {},
          Number.isFinite(created)
            ? h(
                "time",
                { class: "stack-age", datetime: stack.createdAt, title: formatDateTime(created), "data-at": String(created) },
                formatAgo(created),
              )
            : "",
        ),
      ),
      h("div", { class: "stack-fact" }, h("dt", {}, t("result.address")), h("dd", { class: "stack-url" }, address)),
      // The image the portal last gave it (rollouts); a stopped stack's new one waits for its next start.
      stack.image &&
        h(
          "div",
          { class: "stack-fact", "data-fact": "image" },
          h("dt", {}, t("rollout.image")),
          h("dd", {}, code(stack.image.image), stack.image.pending ? ` (${t("rollout.state_updated_stopped")})` : ""),
        ),
      ...historyFacts(stack),
      ...fleetFacts(stack),
      // AUTH_MODE=oidc: who signed in and deployed (or claimed) it.
      stack.owner &&
        h(
          "div",
          { class: "stack-fact", "data-owner": "" },
          h("dt", {}, t("admin.owner")),
          h("dd", {}, [stack.owner.name, stack.owner.email && `<${stack.owner.email}>`].filter(Boolean).join(" ")),
        ),
    ),
    deploymentLink(stack),
    inProgress && h("p", { class: "stack-progress" }, progressText(inProgress)),
    remove && h("div", { class: "stack-actions" }, remove),
  );
}

/** Its server (and whether that server is down or drained), and its last backup. */
function fleetFacts(stack: api.StackInfo): HTMLElement[] {
  if (!LIVE.has(stack.status)) return [];
  const facts: HTMLElement[] = [];
  const node = stack.node;
  if (node)
    facts.push(
      adminFact("node", t("admin.node"), nodeText(node.hostname, node.unavailableReason), { "data-unavailable": node.unavailableReason ?? "" }),
    );
  const backup = stack.backup;
  if (backup)
    facts.push(
      adminFact("backup", t("admin.last_backup"), backupText(backup), {
        "data-failing": backup.failing ? "true" : "false",
        "data-backup": backupState(backup),
      }),
    );
  return facts;
}

/** For a stack that failed or is gone: why, when, when its name is free. */
function historyFacts(stack: api.StackInfo): HTMLElement[] {
  const d = stack.lastDeployment;
  if (!d || stack.status === "ready" || stack.status === "deploying") return [];
  const fact = (key: Key, id: string, value: Node | string, vars: Record<string, number> = {}) => adminFact(id, t(key, vars), value);
  const at = d.finishedAt ? Date.parse(d.finishedAt) : Number.NaN;
  const facts: HTMLElement[] = [];
  if (Number.isFinite(at)) facts.push(fact("admin.last_change", "at", h("time", { datetime: d.finishedAt ?? "" }, formatDateTime(at))));
  if (d.errorCode) facts.push(fact("admin.reason", "reason", explain(d.errorCode, stack.name)()));
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
function renderAges(): void {
  if (!visible) return;
  for (const time of el.list.querySelectorAll<HTMLElement>("time[data-at]")) {
    setText(time, formatAgo(Number(time.dataset.at)));
  }
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
  el.refresh.addEventListener("click", () => {
    say(null);
    void load();
    void loadReport();
    void loadRollout();
    void loadCapacity();
  });
  el.all.addEventListener("change", () => void load());
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
    el.list.querySelector<HTMLElement>(`li[data-name="${CSS.escape(name)}"] [data-action="admin-delete"]`)?.focus();
  });
}
