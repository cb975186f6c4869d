import type { ApiError, Result } from "./api.ts";
import { askConfirm } from "./confirm.ts";
import { type Message, byId, h, setText, showMessage } from "./dom.ts";
import { type Key, code, formatDateTime, formatDuration, lang, t, tn } from "./i18n.ts";
import { errorKey, explain as explainError, nameCode, stateKey, stepKey } from "./messages.ts";
import { type Progress, Watch, completedSteps, currentStep, fromSnapshot } from "./watch.ts";
import * as api from "./api.ts";
import { type Route, navigate, show } from "./router.ts";
import { askDelete, runDelete } from "./delete-dialog.ts";
import { detailsList, onceNotes } from "./secrets-card.ts";
import * as saved from "./state.ts";
import * as stackApi from "./stack-api.ts";
import { type StackState, factRows, logText, operationItems, stateOf, stateText } from "./stack-facts.ts";
import { forgetToken, isRemembered, keepToken, stackFromHash, stackHash, tokenFor } from "./stack-token.ts";
import { idleParts, idleWarningNow } from "./stack-idle.ts";
import { keyItems } from "./stack-keys.ts";
import { shareItems } from "./stack-shares.ts";
import { backupItems } from "./stack-restore.ts";
import { modelItems } from "./stack-models.ts";

/**
 * "Your stack" (`#stack=<name>`): a stack's state, live; its address with Open; its details
 * and last operations; stop, start, restart, upgrade and a new password, each confirmed where
 * work can be lost and followed step by step; a new password shown once; the logs; with sign-in
 * on, who else has access. Someone the stack is shared with sees what their role allows.
 * Reached from a deploy's result, from the start page (name + management token) and, with
 * sign-in on, from "Your stacks" (the session is the authorisation, no token).
 */

const el = {
  view: byId("view-stack"),
  heading: byId("stack-heading"),
  state: byId("stack-state"),
  error: byId("stack-error"),
  address: byId("stack-address"),
  idle: byId("stack-idle"),
  keys: byId("stack-keys"),
  keysError: byId("stack-keys-error"),
  models: byId("stack-models"),
  modelsUnavailable: byId("stack-models-unavailable"),
  password: byId("stack-password"),
  actionsSection: byId("stack-actions-section"),
  keysSection: byId("stack-keys-section"),
  logsSection: byId("stack-logs-section"),
  sharesSection: byId("stack-shares-section"),
  backupsSection: byId("stack-backups-section"),
  backups: byId("stack-backups"),
  backupsNone: byId("stack-backups-none"),
  backupsError: byId("stack-backups-error"),
  shares: byId("stack-shares"),
  sharesNone: byId("stack-shares-none"),
  sharesNoGate: byId("stack-shares-no-gate"),
  sharesError: byId("stack-shares-error"),
  sharesMessage: byId("stack-shares-message"),
  shareForm: byId<HTMLFormElement>("share-form"),
  shareKind: byId<HTMLSelectElement>("share-kind"),
  shareValue: byId<HTMLInputElement>("share-value"),
  shareRole: byId<HTMLSelectElement>("share-role"),
  buttons: byId("stack-buttons"),
  version: byId("stack-version"),
  elapsed: byId("stack-elapsed"),
  dangerSection: byId("stack-danger-section"),
  deleteButton: byId<HTMLButtonElement>("stack-delete"),
  deleteError: byId("stack-delete-error"),
  message: byId("stack-message"),
  progress: byId("stack-progress"),
  summary: byId("stack-summary"),
  bar: byId<HTMLProgressElement>("stack-bar"),
  steps: byId("stack-steps"),
  dokployError: byId("stack-dokploy-error"),
  facts: byId("stack-details"),
  noOperations: byId("stack-no-operations"),
  operations: byId("stack-operations"),
  logsRefresh: byId<HTMLButtonElement>("stack-logs-refresh"),
  logsContainer: byId("stack-logs-container"),
  logsDeploy: byId("stack-logs-deploy"),
  forget: byId<HTMLButtonElement>("stack-forget"),
  back: byId<HTMLAnchorElement>("stack-back"),
  manageSection: byId<HTMLDetailsElement>("manage-section"),
  manageForm: byId<HTMLFormElement>("manage-form"),
  manageName: byId<HTMLInputElement>("manage-name"),
  manageToken: byId<HTMLInputElement>("manage-token"),
  manageRemember: byId<HTMLInputElement>("manage-remember"),
  manageError: byId("manage-error"),
  manageButton: byId<HTMLButtonElement>("manage-button"),
};

/** While nothing runs, the details are read again this often (an idle stop, a change elsewhere). */
const REFRESH_MS = 10_000;

let name: string | null = null;
let details: stackApi.StackDetails | null = null;
let logs: stackApi.StackLogs | null = null;
/** Which providers have a key (never a key: GET /api/stacks/:name/keys). */
let keys: stackApi.ModelKeys | null = null;
let keysError: Message | null = null;
/** The models the running stack offers, to choose one per agent; null while unknown or not running. */
let offered: stackApi.OfferedModels | null = null;
/** The stack's backup files (the owner's, where the portal keeps backups); null while unknown or without backups. */
let backups: stackApi.StackBackups | null = null;
let backupsError: Message | null = null;
/** Who else has access (the owner's, with sign-in on); null while unknown or without sign-in. */
let shares: stackApi.Shares | null = null;
let sharesError: Message | null = null;
let sharesMessage: Message | null = null;
let progress: Progress | null = null;
let watch: Watch | null = null;
let refreshTimer: ReturnType<typeof setTimeout> | null = null;
let message: Message | null = null;
let error: Message | null = null;
let deleteError: Message | null = null;
/** Ticks the elapsed time of the operation followed. */
let ticker: ReturnType<typeof setInterval> | null = null;
let manageMessage: Message | null = null;
let seq = 0;
/** What each redrawn part last showed: redrawn only when it changes, so focus and "Copied" survive events. */
const drawn = new Map<string, string>();

function changed(part: string, key: string): boolean {
  if (drawn.get(part) === key) return false;
  drawn.set(part, key);
  return true;
}

/** An error about this stack (by its code alone: this view shows no waiting time). */
const explain = (e: ApiError | string, stack = name ?? ""): Message => explainError(typeof e === "string" ? e : e.code, stack);

// ---------------------------------------------------------------------------------------
// Opening: from the start page's form, a deploy's result, or "Your stacks".

/** Opens the view for a stack; a token given here is kept for this tab (or remembered). */
export function openStack(stack: string, token?: string, remember = false): void {
  if (token) keepToken(stack, token, remember);
  navigate(stackHash(stack));
}

/** The start page's form: checks name and token (read-only) before opening the view. */
async function submitManage(): Promise<void> {
  const stack = el.manageName.value.trim().toLowerCase();
  const token = el.manageToken.value.trim();
  if (!stack || !token) {
    manageMessage = () => t("delete.missing");
    renderManage();
    (stack ? el.manageToken : el.manageName).focus();
    return;
  }
  el.manageButton.setAttribute("aria-busy", "true");
  const res = await stackApi.details(stack, token);
  el.manageButton.setAttribute("aria-busy", "false");
  if (!res.ok) {
    manageMessage = explain(res.error, stack);
    renderManage();
    (res.error.code === "not_found" ? el.manageName : el.manageToken).focus();
    return;
  }
  manageMessage = null;
  el.manageToken.value = "";
  renderManage();
  openStack(stack, token, el.manageRemember.checked);
}

/** The view asked for a token it does not have (or one no longer valid): the start page's form. */
function askToken(stack: string, e: ApiError): void {
  manageMessage = explain(e.code === "forbidden" ? e : "unauthorized", stack);
  navigate(null);
  el.manageSection.open = true;
  el.manageName.value = stack;
  renderManage();
  el.manageToken.focus();
}

function renderManage(): void {
  el.manageError.hidden = manageMessage === null;
  el.manageError.replaceChildren(manageMessage ? manageMessage() : "");
}

// ---------------------------------------------------------------------------------------
// The view's life: shown, refreshed, hidden.

/** Its entry in the router's table (app.ts `ROUTES`). */
export const stackView: Route<string> = {
  section: el.view,
  match: (hash) => stackFromHash(hash),
  enter(stack, moveFocus) {
    saved.setCurrentDeployment(null);
    show(stackView);
    showStack(stack, moveFocus);
  },
  leave: hideStack,
  render: renderStack,
};

function showStack(stack: string, moveFocus: boolean): void {
  if (name === stack && details) {
    render();
    return;
  }
  hideStack();
  name = stack;
  render();
  if (moveFocus) el.heading.focus();
  void load(true);
}

function hideStack(): void {
  seq++;
  stopFollowing();
  if (refreshTimer) clearTimeout(refreshTimer);
  refreshTimer = null;
  name = null;
  details = null;
  logs = null;
  keys = null;
  keysError = null;
  offered = null;
  shares = null;
  sharesError = null;
  backups = null;
  backupsError = null;
  sharesMessage = null;
  el.shareValue.value = "";
  progress = null;
  message = null;
  error = null;
  deleteError = null;
  drawn.clear();
}

/** The stack's own token, else the admin's (opened from the admin view's table); with sign-in, the session. */
const token = (): string | null => (name ? (tokenFor(name) ?? saved.adminToken()) : null);

async function load(withLogs: boolean): Promise<void> {
  const stack = name;
  if (!stack) return;
  const mine = seq;
  if (refreshTimer) clearTimeout(refreshTimer);
  refreshTimer = null;
  const res = await stackApi.details(stack, token());
  if (mine !== seq) return;
  if (!res.ok) {
    if (res.status === 401 || res.status === 403) {
      forgetToken(stack);
      askToken(stack, res.error);
      return;
    }
    // Gone meanwhile (deleted elsewhere): nothing left to act on.
    if (res.status === 404) details = null;
    error = explain(res.error);
    render();
    scheduleRefresh();
    return;
  }
  error = null;
  details = res.value;
  // An operation started elsewhere (another tab, an idle stop): follow it here too.
  const running = details.runningOperation;
  if (running && progress?.id !== running.deploymentId) void follow(running.deploymentId);
  render();
  if (withLogs) {
    const role = roleNow();
    if (role !== "user") void loadLogs();
    if (role === "owner") {
      void loadKeys();
      void loadShares();
      void loadBackups();
    }
  }
  scheduleRefresh();
}

/** What this person may do here (the details say): someone the stack is shared with sees less. */
const roleNow = (): "owner" | "manager" | "user" => details?.role ?? "owner";

/** Reads one part of the view for the stack shown; `apply` runs only while the view still shows that stack. */
async function loadPart<T>(read: (stack: string) => Promise<T>, apply: (value: T) => void): Promise<void> {
  const stack = name;
  if (!stack) return;
  const mine = seq;
  const value = await read(stack);
  if (mine !== seq) return;
  apply(value);
  render();
}

/**
 * An operation that changes what the stack holds (keys, models, a restore): asked first, then
 * followed like any other; a refusal is said where `say` puts it.
 */
async function confirmAndFollow(
  question: Omit<Parameters<typeof askConfirm>[0], "no">,
  request: (stack: string) => Promise<Result<stackApi.OperationAccepted>>,
  say: (m: Message) => void,
): Promise<void> {
  const stack = name;
  if (!stack) return;
  if (!(await askConfirm({ ...question, no: "delete.cancel" }))) return;
  if (name !== stack) return;
  const res = await request(stack);
  if (name !== stack) return;
  if (!res.ok) return refused(stack, res, say);
  await follow(res.value.deploymentId);
}

const loadBackups = () =>
  loadPart(
    (stack) => stackApi.backups(stack, token()),
    (res) => {
      // No backups on this portal (or none can reach the stack): nothing to offer.
      const off = !res.ok && res.status === 409;
      backups = res.ok ? res.value : off ? null : backups;
      backupsError = res.ok || off ? null : () => t("restore.unavailable");
    },
  );

/** A backup brought back: confirmed (changes since are replaced), then followed like any operation. */
function restoreBackup(file: string): Promise<void> {
  backupsError = null;
  return confirmAndFollow(
    { title: "restore.confirm_title", text: "restore.confirm_text", yes: "restore.confirm_yes" },
    (stack) => stackApi.restore(stack, token(), file),
    (m) => (backupsError = m),
  );
}

const loadShares = () =>
  loadPart(
    (stack) => stackApi.shares(stack),
    (res) => {
      // Without sign-in the routes are not there: nothing to show.
      if (!res.ok && (res.status === 404 || res.status === 405)) return;
      shares = res.ok ? res.value : shares;
      sharesError = res.ok ? null : () => t("shares.unavailable");
    },
  );

async function invite(): Promise<void> {
  const stack = name;
  const value = el.shareValue.value.trim();
  if (!stack) return;
  sharesMessage = null;
  if (!value) {
    sharesError = () => t("shares.empty");
    render();
    el.shareValue.focus();
    return;
  }
  const role = el.shareRole.value === "manager" ? "manager" : "user";
  const res = await stackApi.share(stack, el.shareKind.value === "group" ? { group: value, role } : { email: value, role });
  if (name !== stack) return;
  if (!res.ok) return refused(stack, res, (m) => (sharesError = m));
  sharesError = null;
  sharesMessage = () => t("shares.invited", { who: value });
  el.shareValue.value = "";
  await loadShares();
}

async function unshare(id: number): Promise<void> {
  const stack = name;
  const who = shares?.shares.find((s) => s.id === id)?.value ?? "";
  if (!stack) return;
  const res = await stackApi.unshare(stack, id);
  if (name !== stack) return;
  if (!res.ok) return refused(stack, res, (m) => (sharesError = m));
  sharesError = null;
  sharesMessage = () => t("shares.removed", { who });
  await loadShares();
}

const loadKeys = () =>
  loadPart(
    (stack) => Promise.all([stackApi.modelKeys(stack, token()), details?.state === "running" ? stackApi.offeredModels(stack, token()) : null]),
    ([res, models]) => {
      keys = res.ok ? res.value : null;
      keysError = res.ok ? null : () => t("keys.unavailable");
      offered = models?.ok ? models.value : null;
    },
  );

/** A key saved or removed, or models chosen: confirmed (the stack restarts), then followed like any operation. */
function saveKeys(body: { keys?: Record<string, string | null>; models?: Record<string, string | null> }): Promise<void> {
  keysError = null;
  return confirmAndFollow(
    { title: "keys.confirm_title", text: "keys.confirm_text", yes: "keys.confirm_yes" },
    (stack) => stackApi.setModelKeys(stack, token(), body),
    (m) => (keysError = m),
  );
}

function scheduleRefresh(): void {
  if (refreshTimer) clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => {
    if (!watch) void load(false);
    else scheduleRefresh();
  }, REFRESH_MS);
}

async function loadLogs(): Promise<void> {
  const stack = name;
  if (!stack) return;
  const mine = seq;
  el.logsRefresh.setAttribute("aria-busy", "true");
  const res = await stackApi.logs(stack, token());
  el.logsRefresh.setAttribute("aria-busy", "false");
  if (mine !== seq) return;
  logs = res.ok ? res.value : null;
  renderLogs(res.ok ? null : explain(res.error));
}

// ---------------------------------------------------------------------------------------
// Actions: confirmed where work can be lost, then followed over the event stream.

interface Action {
  kind: stackApi.OperationKind;
  label: Key;
  /** Allowed in these states. */
  when: StackState[];
  confirm?: { title: Key; text: Key; yes: Key };
  className: string;
}

const ACTIONS: Action[] = [
  { kind: "start", label: "stack.start", when: ["stopped"], className: "button button--primary" },
  {
    kind: "stop",
    label: "stack.stop",
    when: ["running"],
    confirm: { title: "stack.confirm_stop_title", text: "stack.confirm_stop_text", yes: "stack.stop" },
    className: "button",
  },
  {
    kind: "restart",
    label: "stack.restart",
    when: ["running"],
    confirm: { title: "stack.confirm_restart_title", text: "stack.confirm_restart_text", yes: "stack.restart" },
    className: "button",
  },
  {
    kind: "redeploy",
    label: "stack.redeploy",
    when: ["running", "stopped"],
    confirm: { title: "stack.confirm_redeploy_title", text: "stack.confirm_redeploy_text", yes: "stack.redeploy" },
    className: "button",
  },
  {
    kind: "password",
    label: "stack.password",
    when: ["running", "stopped"],
    confirm: { title: "stack.confirm_password_title", text: "stack.confirm_password_text", yes: "stack.password" },
    className: "button button--danger",
  },
];

async function run(action: Action): Promise<void> {
  const stack = name;
  if (!stack || !details) return;
  if (action.confirm && !(await askConfirm({ ...action.confirm, no: "delete.cancel" }))) return;
  if (name !== stack) return;
  message = null;
  error = null;
  const res = await stackApi.operate(action.kind, stack, token());
  if (name !== stack) return;
  if (!res.ok)
    return refused(stack, res, (m) => {
      error = m;
    });
  const answer = res.value;
  if (answer.deploymentId === null) {
    message = () => t(answer.operation === "stop" ? "stack.nothing_stop" : "stack.nothing_start");
    await load(false);
    return;
  }
  // Kept in this tab until the person says it is saved: a reload shows it again.
  if ("credentials" in answer && answer.credentials) saved.saveNewPassword(stack, { url: details.url, ...answer.credentials });
  await follow(answer.deploymentId);
  void load(false);
}

/**
 * A request of this view refused: a token no longer valid asks for one, another operation
 * running is followed instead, and the reason is said where `say` puts it.
 */
function refused(stack: string, res: { status: number; error: ApiError }, say: (m: Message) => void): void {
  if ((res.status === 401 || res.status === 403) && res.error.code !== "owner_only") {
    forgetToken(stack);
    askToken(stack, res.error);
    return;
  }
  if (res.error.code === "operation_in_progress" && res.error.deploymentId) void follow(res.error.deploymentId);
  say(explain(res.error));
  render();
}

async function follow(id: string): Promise<void> {
  const mine = seq;
  stopFollowing();
  const snap = await api.snapshot(id);
  if (mine !== seq || !snap.ok) return;
  const p = fromSnapshot(snap.value);
  progress = p;
  watch = new Watch(p, (what) => {
    if (mine !== seq || progress !== p) return;
    if (what === "done" || what === "gone") {
      watch = null;
      void load(true);
    }
    render();
  });
  watch.start();
  ticker = setInterval(renderElapsed, 1000);
  render();
}

function stopFollowing(): void {
  watch?.stop();
  watch = null;
  if (ticker) clearInterval(ticker);
  ticker = null;
}

// ---------------------------------------------------------------------------------------
// Drawing

function renderStack(): void {
  if (name) render();
  renderManage();
}

function render(): void {
  const stack = name;
  if (!stack) return;
  const d = details;
  const state = d ? (watch ? "busy" : stateOf(d)) : "loading";
  el.view.dataset.state = state;
  el.view.dataset.stack = stack;
  el.heading.replaceChildren(tn("stack.heading", { name: nameCode(stack) }));
  setText(el.state, d ? (watch && progress ? busyText(progress) : stateText(d)) : t("stack.loading"));
  el.error.hidden = error === null;
  el.error.replaceChildren(error ? error() : "");
  el.message.hidden = message === null;
  el.message.replaceChildren(message ? message() : "");
  renderRole();
  renderAddress(d, state);
  renderIdle(d, state);
  renderKeys(state);
  renderModels(state);
  renderShares();
  renderBackups(state);
  renderPassword();
  renderVersion(d);
  renderButtons(state);
  renderDanger(state);
  renderProgress();
  el.dokployError.hidden = !d?.dokployError;
  el.facts.replaceChildren(...(d ? factRows(d) : []));
  el.noOperations.hidden = !d || d.operations.length > 0;
  el.operations.replaceChildren(...(d ? operationItems(d) : []));
  if (logs) renderLogs(null);
  el.forget.hidden = !isRemembered(stack);
  document.title = `${t("stack.heading", { name: stack })} · ${t("app.title")}`;
}

function busyText(p: Progress): string {
  const current = currentStep(p);
  const key = current ? stepKey(current.view.step) : null;
  if (current && key) return t("progress.step_of", { current: current.number, total: current.total, label: t(key) });
  return t("stack.busy");
}

function renderAddress(d: stackApi.StackDetails | null, state: string): void {
  if (!changed("address", `${lang()}|${d?.url}|${state === "running"}`)) return;
  if (!d) {
    el.address.replaceChildren();
    return;
  }
  const link = h("a", { href: d.url, target: "_blank", rel: "noopener noreferrer", dir: "ltr", class: "code url-value" }, d.url);
  const open = h(
    "a",
    { href: d.url, target: "_blank", rel: "noopener noreferrer", class: "button button--primary open-stack", "data-action": "open-stack" },
    t("result.open"),
  );
  el.address.replaceChildren(
    h("p", { class: "address stack-url" }, tn("progress.address", { url: link })),
    state === "running" ? h("div", { class: "actions" }, open) : h("p", { class: "hint" }, t("stack.open_when_running")),
  );
}

/** Parts of the view by role: a user opens and looks, a manager also operates, the owner does all. */
function renderRole(): void {
  const role = roleNow();
  el.actionsSection.hidden = role === "user";
  el.logsSection.hidden = role === "user";
  el.keysSection.hidden = role !== "owner";
}

/** "Backups" (stack-restore.ts): each file with Restore, while the stack is running or stopped. */
function renderBackups(state: string): void {
  el.backupsSection.hidden = roleNow() !== "owner" || (backups === null && backupsError === null);
  el.backupsNone.hidden = backups === null || backups.files.length > 0;
  showMessage(el.backupsError, backupsError);
  const enabled = state === "running" || state === "stopped";
  if (!changed("backups", `${lang()}|${JSON.stringify(backups)}|${enabled}`)) return;
  el.backups.replaceChildren(...backupItems(backups, enabled, (file) => void restoreBackup(file)));
}

/** "People with access" (stack-shares.ts): the owner's, with sign-in on. */
function renderShares(): void {
  el.sharesSection.hidden = roleNow() !== "owner" || (shares === null && sharesError === null);
  el.sharesNoGate.hidden = shares?.gate !== false;
  el.sharesNone.hidden = shares === null || shares.shares.length > 0;
  showMessage(el.sharesError, sharesError);
  showMessage(el.sharesMessage, sharesMessage);
  if (!changed("shares", `${lang()}|${JSON.stringify(shares)}`)) return;
  el.shares.replaceChildren(...shareItems(shares, { remove: (id) => void unshare(id) }));
}

/** "Your own model keys" (stack-keys.ts): redrawn only when they change, so a key being typed stays. */
function renderKeys(state: string): void {
  el.keysError.hidden = keysError === null;
  el.keysError.replaceChildren(keysError ? keysError() : "");
  const enabled = state === "running" || state === "stopped";
  if (!changed("keys", `${lang()}|${JSON.stringify(keys)}|${enabled}`)) return;
  el.keys.replaceChildren(
    ...keyItems(keys, enabled, {
      save: (provider, key) => saveKeys({ keys: { [provider]: key } }),
      empty: () => {
        keysError = () => t("keys.empty");
        render();
      },
    }),
  );
}

/** "Model per agent" (stack-models.ts): while the stack runs and says what it offers. */
function renderModels(state: string): void {
  const enabled = state === "running";
  el.modelsUnavailable.hidden = keys === null || offered !== null;
  if (!changed("models", `${lang()}|${JSON.stringify(keys?.agents)}|${JSON.stringify(offered)}|${enabled}`)) return;
  el.models.replaceChildren(...modelItems(keys, offered, enabled, (models) => void saveKeys({ models })));
}

/** When the running stack stops for idleness, and "Keep awake" (stack-idle.ts). */
function renderIdle(d: stackApi.StackDetails | null, state: string): void {
  const forecast = state === "running" ? (d?.idle ?? null) : null;
  // Keeping it awake is for those who may operate it, not for a user it is shared with.
  const mayKeep = roleNow() !== "user";
  if (!changed("idle", `${lang()}|${JSON.stringify(forecast)}|${forecast ? idleWarningNow(forecast) : ""}|${mayKeep}`)) return;
  el.idle.hidden = forecast === null;
  el.idle.replaceChildren(...(forecast ? idleParts(forecast, mayKeep ? () => void keepAwake() : null) : []));
}

async function keepAwake(): Promise<void> {
  const stack = name;
  if (!stack) return;
  const res = await stackApi.keepAwake(stack, token());
  if (name !== stack) return;
  if (!res.ok)
    return refused(stack, res, (m) => {
      error = m;
    });
  const until = res.value.keepAwakeUntil;
  message = until ? () => t("idle.kept", { until: formatDateTime(Date.parse(until)) }) : null;
  await load(false);
}

/** A new password this tab holds, until the person says it is saved. */
const newPassword = () => (name ? saved.newPasswordFor(name) : null);

/** The new password, like the first one: the same card, kept in this tab until confirmed. */
function renderPassword(): void {
  const stack = name;
  const secret = newPassword();
  if (!changed("password", `${lang()}|${secret?.password}`)) return;
  if (!stack || !secret) {
    el.password.replaceChildren();
    return;
  }
  const status = h("p", { class: "copy-status", role: "status", "aria-live": "polite" });
  const confirmed = async () => {
    if (!(await askConfirm({ title: "forget.title", text: "forget.text_password", yes: "forget.yes", no: "delete.cancel" }))) return;
    saved.forgetNewPassword(stack);
    render();
    el.heading.focus();
  };
  el.password.replaceChildren(
    h(
      "section",
      { class: "save-panel new-password", "aria-labelledby": "new-password-title" },
      h("h3", { id: "new-password-title" }, t("stack.password_title")),
      detailsList(secret.url, secret, status, false),
      ...onceNotes(stack, secret, status, () => void confirmed(), { once: "stack.password_once", confirm: "stack.password_saved" }),
      status,
    ),
  );
}

/** The owner's danger zone: the start page's delete question, then the delete followed in the progress view. */
async function deleteStack(): Promise<void> {
  const stack = name;
  const d = details;
  if (!stack || !d) return;
  if (!(await askDelete({ name: stack, url: d.url, ran: d.readyAt !== null }))) return;
  if (name !== stack) return;
  const failed = await runDelete(stack, token() ?? api.SESSION_ADMIN);
  // Gone with the stack: a password for it would only mislead later.
  if (!failed) saved.forgetNewPassword(stack);
  if (!failed || name !== stack) return;
  deleteError = explain(failed);
  render();
}

function renderDanger(state: string): void {
  el.dangerSection.hidden = roleNow() !== "owner" || !details;
  el.deleteButton.disabled = state === "busy";
  showMessage(el.deleteError, deleteError);
}

/** Says whether there is a newer version; the upgrade button is there only then. */
function renderVersion(d: stackApi.StackDetails | null): void {
  const upgrade = d?.upgrade;
  el.version.hidden = !upgrade;
  if (!changed("version", `${lang()}|${upgrade?.newer}|${upgrade?.image}`) || !upgrade) return;
  el.version.dataset.upToDate = String(upgrade.newer === null);
  el.version.replaceChildren(
    upgrade.newer ? tn("stack.version_newer", { image: code(upgrade.newer, "code image-ref") }) : t("stack.version_current"),
  );
}

/** The action buttons, made once (focus stays on them across redraws). */
const buttons = ACTIONS.map((a) => {
  const b = h("button", { type: "button", class: a.className, "data-action": `stack-${a.kind}` });
  b.addEventListener("click", () => void run(a));
  return { action: a, button: b };
});

function renderButtons(state: string): void {
  if (el.buttons.childElementCount !== buttons.length) el.buttons.replaceChildren(...buttons.map((b) => b.button));
  for (const { action, button } of buttons) {
    setText(button, t(action.label));
    button.hidden =
      (action.kind === "password" && roleNow() !== "owner") || (action.kind === "redeploy" && details !== null && details.upgrade.newer === null);
    button.disabled = !action.when.includes(state as StackState);
  }
}

function renderElapsed(): void {
  const p = progress;
  if (!p) return;
  const ms = (p.finishedAt ?? Date.now()) - p.startedAt;
  setText(el.elapsed, t(p.done ? "result.took" : "progress.elapsed", { time: formatDuration(ms) }));
}

function renderProgress(): void {
  const p = progress;
  el.progress.hidden = p === null;
  el.steps.hidden = p === null;
  if (!p) return;
  el.progress.dataset.done = String(p.done !== null);
  renderElapsed();
  el.progress.dataset.kind = p.kind;
  el.progress.dataset.status = p.done?.status ?? "running";
  const { done, total } = completedSteps(p);
  el.bar.max = total;
  el.bar.value = p.done && p.done.status !== "failed" ? total : done;
  el.bar.classList.toggle("progress--failed", p.done?.status === "failed");
  setText(el.summary, summaryOf(p));
  const current = p.done ? null : currentStep(p);
  el.steps.replaceChildren(
    ...p.steps.map((s) => {
      const key = stepKey(s.step);
      return h(
        "li",
        { class: `step step--${s.state}`, "data-step": s.step, "data-state": s.state, "aria-current": current?.view === s ? "step" : undefined },
        h("span", { class: "step-icon", "aria-hidden": "true" }),
        h("span", { class: "step-label" }, key ? t(key) : s.step),
        h("span", { class: "step-state" }, t(stateKey(s.state))),
      );
    }),
  );
}

function summaryOf(p: Progress): string {
  if (!p.done) return busyText(p);
  if (p.done.status === "failed") {
    const key = p.done.error ? errorKey(p.done.error.code) : null;
    return `${t("stack.action_failed")} ${key ? t(key, { name: p.name }) : ""}`.trim();
  }
  return t(p.done.status === "stopped" ? "stack.action_stopped" : "stack.action_ready");
}

function renderLogs(failure: Message | null): void {
  if (failure || !logs) {
    const text = failure ? failure() : t("stack.loading");
    el.logsContainer.replaceChildren(text);
    el.logsDeploy.replaceChildren(typeof text === "string" ? text : text.cloneNode(true));
    return;
  }
  setText(el.logsContainer, logText(logs, "container"));
  setText(el.logsDeploy, logText(logs, "deploy"));
}

// ---------------------------------------------------------------------------------------

export function initStack(): void {
  el.manageForm.addEventListener("submit", (e) => {
    e.preventDefault();
    void submitManage();
  });
  // The logs with the details they explain.
  el.logsRefresh.addEventListener("click", () => void load(true));
  el.shareForm.addEventListener("submit", (e) => {
    e.preventDefault();
    void invite();
  });
  el.forget.addEventListener("click", () => {
    if (!name) return;
    // Forgotten on this device; this tab keeps it until it closes.
    const kept = tokenFor(name);
    forgetToken(name);
    if (kept) keepToken(name, kept, false);
    render();
  });
  el.back.addEventListener("click", (e) => {
    e.preventDefault();
    navigate(null);
  });
  el.deleteButton.addEventListener("click", () => void deleteStack());
  // Closing or reloading the tab with a new password not yet confirmed: the browser asks.
  window.addEventListener("beforeunload", (e) => {
    if (el.view.hidden || !newPassword()) return;
    e.preventDefault();
    e.returnValue = "";
  });
}
