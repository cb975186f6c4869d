import { adminLoaded, hideAdmin, loadAdmin, renderAdmin, showAdmin } from "./admin-lazy.ts";
import { initAccount, refreshAccount, renderAccount } from "./account.ts";
import * as api from "./api.ts";
import { type Message, byId, h, setText } from "./dom.ts";
import { type Key, code, formatDuration, initLang, isLang, lang, onLangChange, prefetchCatalogs, setLang, t, tn } from "./i18n.ts";
import { errorKey, reasonKey, stateKey, statusKey, stepKey } from "./messages.ts";
import { type DoneData, type Progress, Watch, completedSteps, currentStep, fromSnapshot, isQueued } from "./progress.ts";
import * as saved from "./state.ts";
import { askConfirm, initConfirm, renderConfirm } from "./confirm.ts";
import { formatAbout, formatWait } from "./durations.ts";
import { failureSection, isBlocked } from "./failure.ts";
import { askOtherTabs, initOtherTabs, isHeldElsewhere, tellGone } from "./other-tabs.ts";
import { detailsList, onceNotes } from "./secrets-card.ts";
import { loadInfo } from "./portal-info.ts";
import * as store from "./store.ts";
import { type Route, navigate, renderAll as renderViews, route, setRoutes, show, viewOf } from "./router.ts";
import { initStack, openStack, stackView } from "./stack-page.ts";

/**
 * The page: choose a name (checked as you type), deploy, follow the progress live, get the
 * stack's address and once-only credentials; or delete a stack with its management token.
 * Behind the admin token, `#admin` lists every stack (see admin.ts).
 * Every view is drawn from state, so switching language simply draws it again.
 */

const el = {
  langSelect: byId<HTMLSelectElement>("lang-select"),
  viewStart: byId("view-start"),
  viewProgress: byId("view-progress"),
  viewAdmin: byId("view-admin"),
  adminLink: byId<HTMLAnchorElement>("admin-link"),
  adminBack: byId<HTMLAnchorElement>("admin-back"),
  deployForm: byId<HTMLFormElement>("deploy-form"),
  deployHeading: byId("deploy-heading"),
  nameInput: byId<HTMLInputElement>("name-input"),
  nameStatus: byId("name-status"),
  reclaim: byId("reclaim"),
  reclaimToken: byId<HTMLInputElement>("reclaim-token"),
  deployError: byId("deploy-error"),
  deployButton: byId<HTMLButtonElement>("deploy-button"),
  deployWhy: byId("deploy-why"),
  reclaimError: byId("reclaim-error"),
  yourStack: byId("your-stack"),
  yourStackText: byId("your-stack-text"),
  yourStackShow: byId<HTMLButtonElement>("your-stack-show"),
  typical: byId("progress-typical"),
  deleteSection: byId<HTMLDetailsElement>("delete-section"),
  deleteForm: byId<HTMLFormElement>("delete-form"),
  deleteName: byId<HTMLInputElement>("delete-name"),
  deleteToken: byId<HTMLInputElement>("delete-token"),
  deleteError: byId("delete-error"),
  deleteButton: byId<HTMLButtonElement>("delete-button"),
  progressHeading: byId("progress-heading"),
  progressAddress: byId("progress-address"),
  result: byId("result"),
  queue: byId("queue"),
  summary: byId("progress-summary"),
  bar: byId<HTMLProgressElement>("progress-bar"),
  elapsed: byId("progress-elapsed"),
  connection: byId("progress-connection"),
  steps: byId("progress-steps"),
  keepOpen: byId("progress-keep"),
  dialog: byId<HTMLDialogElement>("delete-dialog"),
  dialogTitle: byId("delete-dialog-title"),
  dialogRemoves: byId("delete-dialog-removes"),
  dialogKeeps: byId("delete-dialog-keeps"),
  dialogCancel: byId<HTMLButtonElement>("delete-cancel"),
  dialogConfirm: byId<HTMLButtonElement>("delete-confirm"),
};

/** An error in the person's words, by its stable code (never the server's message). */
const explain =
  (error: string | api.ApiError, name = ""): Message =>
  () => {
    const e = typeof error === "string" ? { code: error } : error;
    if (e.code === "rate_limited" && e.retryAfter) return t("error.rate_limited_wait", { time: formatWait(e.retryAfter) });
    const key = errorKey(e.code);
    return key ? tn(key, { name: nameCode(name) }) : tn("error.unknown", { code: code(e.code) });
  };
const nameCode = (name: string) => code(name, "code name-value");

function showMessage(target: HTMLElement, message: Message | null): void {
  target.hidden = message === null;
  target.replaceChildren(message ? message() : "");
}

// ---------------------------------------------------------------------------------------
// Name: checked as the person types (debounced), Deploy enabled only for a usable name.

type NameState =
  | { kind: "idle" }
  | { kind: "checking"; input: string }
  | { kind: "checked"; input: string; result: api.CheckResult }
  | { kind: "failed"; input: string };

const CHECK_DELAY_MS = 300;
/** "Too short" after the first letter is noise: such verdicts wait until typing pauses or the field is left. */
const SETTLE_MS = 1500;
const PREMATURE: ReadonlySet<string> = new Set(["too_short", "invalid_end", "consecutive_hyphens"]);
let typingUntil = 0;
let settleTimer: ReturnType<typeof setTimeout> | null = null;
/** A reclaim token the portal refused for this name: Deploy waits until it is changed. */
let refusedToken: { name: string; token: string } | null = null;
let nameState: NameState = { kind: "idle" };
let checkTimer: ReturnType<typeof setTimeout> | null = null;
let checkAbort: AbortController | null = null;
let checkSeq = 0;
let deploying = false;
let deployMessage: Message | null = null;

function onNameInput(): void {
  deployMessage = null;
  typingUntil = Date.now() + SETTLE_MS;
  if (settleTimer) clearTimeout(settleTimer);
  settleTimer = setTimeout(renderName, SETTLE_MS);
  const input = el.nameInput.value;
  if (checkTimer) clearTimeout(checkTimer);
  checkTimer = null;
  checkAbort?.abort();
  if (!input.trim()) nameState = { kind: "idle" };
  else {
    nameState = { kind: "checking", input };
    checkTimer = setTimeout(() => void runCheck(input), CHECK_DELAY_MS);
  }
  renderName();
}

async function runCheck(input: string): Promise<void> {
  if (checkTimer) clearTimeout(checkTimer);
  checkTimer = null;
  checkAbort?.abort();
  const abort = new AbortController();
  checkAbort = abort;
  const seq = ++checkSeq;
  let result: Awaited<ReturnType<typeof api.checkName>>;
  try {
    result = await api.checkName(input.trim(), abort.signal);
  } catch {
    return; // superseded by newer typing
  }
  if (seq !== checkSeq) return;
  nameState = result.ok ? { kind: "checked", input, result: result.value } : { kind: "failed", input };
  renderName();
}

function checkedResult(): api.CheckResult | null {
  return nameState.kind === "checked" && nameState.input === el.nameInput.value ? nameState.result : null;
}

function canDeploy(): boolean {
  return !deploying && whyNot() === null;
}

/** Why Deploy cannot be pressed yet, said next to the button (which stays reachable). */
function whyNot(): Key | null {
  if (!el.nameInput.value.trim()) return "deploy.why_empty";
  const r = checkedResult();
  if (!r) return nameState.kind === "failed" ? "deploy.why_bad" : "deploy.why_checking";
  if (!r.valid) return "deploy.why_bad";
  if (r.available) return null;
  if (r.reason !== "recently_deleted") return "deploy.why_bad";
  const token = el.reclaimToken.value.trim();
  if (!token) return "deploy.why_token";
  return tokenRefused() ? "deploy.why_mismatch" : null;
}

const tokenRefused = () =>
  refusedToken !== null && refusedToken.name === checkedResult()?.name && refusedToken.token === el.reclaimToken.value.trim();

/** A verdict that may only mean "not finished typing", while the person is still typing. */
function premature(r: api.CheckResult): boolean {
  return !r.valid && PREMATURE.has(r.reason ?? "") && document.activeElement === el.nameInput && Date.now() < typingUntil;
}

function renderName(): void {
  const box = el.nameStatus;
  const parts: Node[] = [];
  let state = "idle";
  let reason = "";
  switch (nameState.kind) {
    case "checking":
      state = "checking";
      parts.push(h("p", {}, t("name.checking")));
      break;
    case "failed":
      state = "error";
      parts.push(h("p", {}, t("name.check_failed")));
      break;
    case "checked": {
      const r = nameState.result;
      if (premature(r)) {
        state = "typing";
      } else if (r.reason === "recently_deleted") {
        // Not an error: the name may be the person's own, to take back with its token.
        state = "held";
        reason = r.reason;
        parts.push(
          h("p", { class: "name-verdict" }, h("span", { class: "mark", "aria-hidden": "true" }), tn("name.unavailable", { name: nameCode(r.name) })),
          h("p", { class: "name-reason" }, tn("reason.recently_deleted", { name: nameCode(r.name) })),
        );
      } else if (r.valid && r.available) {
        state = "ok";
        parts.push(
          h("p", { class: "name-verdict" }, h("span", { class: "mark", "aria-hidden": "true" }), tn("name.available", { name: nameCode(r.name) })),
          h("p", { class: "name-address" }, tn("name.address", { url: code(r.url, "code url-value") })),
        );
        if (nameState.input.trim() !== r.name) parts.push(h("p", {}, tn("name.written_as", { name: nameCode(r.name) })));
      } else {
        state = "bad";
        reason = r.reason ?? "";
        const key = r.reason ? reasonKey(r.reason) : null;
        parts.push(
          h("p", { class: "name-verdict" }, h("span", { class: "mark", "aria-hidden": "true" }), tn("name.unavailable", { name: nameCode(r.name) })),
          h("p", { class: "name-reason" }, key ? tn(key, { name: nameCode(r.name) }) : tn("error.unknown", { code: code(reason) })),
        );
      }
    }
  }
  // Typing on while a check is pending: leave the live region alone (no repeated announcement).
  const unchanged = (state === "checking" || state === "typing") && box.dataset.state === state && box.dataset.lang === lang();
  box.dataset.state = state;
  box.dataset.reason = reason;
  box.dataset.lang = lang();
  if (!unchanged) box.replaceChildren(...parts);
  if (state === "bad") el.nameInput.setAttribute("aria-invalid", "true");
  else el.nameInput.removeAttribute("aria-invalid");
  el.reclaim.hidden = !(nameState.kind === "checked" && nameState.result.reason === "recently_deleted");
  renderReclaim();
  renderDeployButton();
  showMessage(el.deployError, deployMessage);
}

function renderReclaim(): void {
  const refused = tokenRefused();
  if (refused) el.reclaimToken.setAttribute("aria-invalid", "true");
  else el.reclaimToken.removeAttribute("aria-invalid");
  el.reclaimError.hidden = !refused;
  el.reclaimError.replaceChildren(refused ? tn("reclaim.mismatch", { name: nameCode(refusedToken?.name ?? "") }) : "");
}

function renderDeployButton(): void {
  // aria-disabled, not disabled: the button stays in the tab order and says why it waits.
  const why = deploying ? null : whyNot();
  el.deployButton.setAttribute("aria-disabled", String(deploying || why !== null));
  el.deployButton.setAttribute("aria-busy", String(deploying));
  setText(el.deployButton, t(deploying ? "deploy.starting" : "deploy.button"));
  setText(el.deployWhy, why ? t(why) : "");
}

async function submitDeploy(): Promise<void> {
  if (deploying) return;
  if (!checkedResult()) {
    if (!el.nameInput.value.trim()) return;
    await runCheck(el.nameInput.value);
  }
  const r = checkedResult();
  if (!r || !canDeploy()) {
    // Pressed while it waits: show the verdict now, and go where the fix is.
    typingUntil = 0;
    renderName();
    (r?.reason === "recently_deleted" ? el.reclaimToken : el.nameInput).focus();
    return;
  }
  await startDeploy(r.name, r.reason === "recently_deleted" ? el.reclaimToken.value.trim() : undefined);
}

async function startDeploy(name: string, token?: string): Promise<void> {
  deploying = true;
  deployMessage = null;
  renderDeployButton();
  showMessage(el.deployError, null);
  const res = await api.deploy(name, token);
  deploying = false;
  if (!res.ok) {
    if (el.viewStart.hidden) go(null);
    if (el.nameInput.value.trim().toLowerCase() !== name) el.nameInput.value = name;
    // A name problem found at deploy time (taken meanwhile, say): show it by the name too.
    if (reasonKey(res.error.code)) await runCheck(el.nameInput.value);
    if (token && res.error.code === "recently_deleted") {
      // The name is still held, and this token is not the one that holds it.
      refusedToken = { name, token };
      deployMessage = null;
      renderName();
      el.reclaimToken.focus();
      return;
    }
    deployMessage = explain(res.error, name);
    renderName();
    return;
  }
  const a = res.value;
  refusedToken = null;
  saved.saveSecrets(a.deploymentId, {
    url: a.url,
    username: a.credentials.username,
    password: a.credentials.password,
    managementToken: a.managementToken,
    ...(token ? { reclaimed: true } : {}),
  });
  saved.setMine({ id: a.deploymentId, name: a.name });
  el.reclaimToken.value = "";
  renderDeployButton();
  go(a.deploymentId);
}

// ---------------------------------------------------------------------------------------
// Delete: name + management token, a confirmation saying what goes and what stays.

let deleteMessage: Message | null = null;
let pendingDelete: { name: string; token: string; url: string; ran: boolean } | null = null;
/** The last delete asked for, kept in memory only, so "Try again" needs no retyping. */
let lastDelete: { name: string; token: string } | null = null;

async function submitDelete(): Promise<void> {
  const name = el.deleteName.value.trim().toLowerCase();
  const token = el.deleteToken.value.trim();
  if (!name || !token) {
    deleteMessage = () => t("delete.missing");
    showMessage(el.deleteError, deleteMessage);
    (name ? el.deleteToken : el.deleteName).focus();
    return;
  }
  deleteMessage = null;
  showMessage(el.deleteError, null);
  await confirmDelete(name, token);
}

/** Checks name and token first (read-only), and asks to confirm only what can really happen. */
async function confirmDelete(name: string, token: string): Promise<void> {
  el.deleteButton.setAttribute("aria-busy", "true");
  setText(el.deleteButton, t("delete.checking"));
  const [check] = await Promise.all([api.access(name, token), store.get("portalInfo") ? null : loadInfo()]);
  el.deleteButton.setAttribute("aria-busy", "false");
  setText(el.deleteButton, t("delete.button"));
  if (!check.ok) {
    deleteMessage = explain(check.error, name);
    if (el.viewStart.hidden) go(null);
    el.deleteSection.open = true;
    el.deleteName.value = name;
    showMessage(el.deleteError, deleteMessage);
    (check.error.code === "not_found" ? el.deleteName : el.deleteToken).focus();
    return;
  }
  pendingDelete = { name: check.value.name, token, url: check.value.url, ran: check.value.readyAt !== null };
  renderDialog();
  el.dialog.showModal();
  el.dialogCancel.focus();
}

function renderDialog(): void {
  const p = pendingDelete;
  if (!p) return;
  el.dialogTitle.replaceChildren(tn("delete.confirm_title", { name: nameCode(p.name) }));
  el.dialogRemoves.replaceChildren(
    p.ran ? tn("delete.confirm_removes", { url: code(p.url, "code url-value") }) : tn("delete.confirm_removes_unstarted", { name: nameCode(p.name) }),
  );
  const days = store.get("portalInfo")?.nameQuarantineDays;
  el.dialogKeeps.replaceChildren(
    days === undefined ? tn("delete.confirm_keeps", { name: nameCode(p.name) }) : tn("delete.confirm_keeps_days", { name: nameCode(p.name), days }),
  );
}

async function runDelete(): Promise<void> {
  const p = pendingDelete;
  el.dialog.close();
  if (!p) return;
  pendingDelete = null;
  el.deleteButton.disabled = true;
  const res = await api.deleteStack(p.name, p.token);
  el.deleteButton.disabled = false;
  if (!res.ok) {
    deleteMessage = explain(res.error, p.name);
    if (el.viewStart.hidden) go(null);
    el.deleteSection.open = true;
    el.deleteName.value = p.name;
    showMessage(el.deleteError, deleteMessage);
    (res.error.code === "not_found" ? el.deleteName : el.deleteToken).focus();
    return;
  }
  lastDelete = { name: p.name, token: p.token };
  el.deleteToken.value = "";
  go(res.value.deploymentId);
}

// ---------------------------------------------------------------------------------------
// Progress: one deployment (deploy or delete), shown from its event stream.

let active: Progress | null = null;
let watch: Watch | null = null;
let ticker: ReturnType<typeof setInterval> | null = null;
let openSeq = 0;
/** Deployments whose credentials the person confirmed saving during this visit. */
const confirmedSaved = new Set<string>();
/** Failed deployments: what their rollback did (fetched once they are done). */
const reports = new Map<string, api.DeploymentReport | null>();
/** The management tokens of this tab's failed deploys, for "Try again" (never stored). */
const retryTokens = new Map<string, string>();

/**
 * A failed deployment: fetch what its rollback did and, for a failed build, the log tail
 * (with the token still in this tab). Only then are the useless credentials forgotten.
 */
async function loadFailure(p: Progress): Promise<void> {
  const secrets = saved.secretsFor(p.id);
  if (!reports.has(p.id)) {
    // The owner's token while this tab holds it; else an administrator signed in here.
    const token = secrets?.managementToken ?? saved.adminToken();
    const res = await api.report(p.id, token);
    reports.set(p.id, res.ok ? res.value : null);
    const report = reports.get(p.id);
    if (report?.logAvailable && token && !saved.logFor(p.id)) {
      const log = await api.logTail(p.id, token);
      if (log.ok) saved.saveLog(p.id, log.value.lines);
    }
  }
  if (p.kind === "deploy" && secrets) {
    // Only the token stays, in memory: "Try again" sends it, so the kept volumes stay this person's.
    if (secrets.managementToken) retryTokens.set(p.id, secrets.managementToken);
    saved.forgetSecrets(p.id);
    tellGone(p.id);
  }
  if (active === p) renderProgress();
}

/** Unconfirmed once-only details are on screen: leaving would lose them. */
function holdingUnsaved(): boolean {
  const p = active;
  return !el.viewProgress.hidden && p !== null && p.kind === "deploy" && p.done?.status !== "failed" && saved.secretsFor(p.id) !== null;
}

async function leaveAllowed(): Promise<boolean> {
  if (!holdingUnsaved()) return true;
  // Signed in (AUTH_MODE=oidc) there is no management token: only the password is at stake.
  const text = active && saved.secretsFor(active.id)?.managementToken ? "leave.text" : "leave.text_password";
  return askConfirm({ title: "leave.title", text, yes: "leave.go", no: "leave.stay" });
}

function stopWatching(): void {
  watch?.stop();
  watch = null;
  if (ticker) clearInterval(ticker);
  ticker = null;
}

async function openDeployment(id: string, moveFocus: boolean): Promise<void> {
  stopWatching();
  const seq = ++openSeq;
  active = null;
  saved.setCurrentDeployment(id);
  show(progressView);
  renderProgress();
  const snap = await api.snapshot(id);
  if (seq !== openSeq) return;
  if (!snap.ok) {
    if (snap.status === 404) {
      saved.setCurrentDeployment(null);
      go(null, true);
      deployMessage = () => t("progress.not_found");
      renderName();
    } else {
      // The portal is unreachable: show that, and try again shortly.
      setText(el.summary, t("error.network"));
      setTimeout(() => {
        if (seq === openSeq) void openDeployment(id, false);
      }, 2000);
    }
    return;
  }
  active = fromSnapshot(snap.value);
  if (!saved.secretsFor(id)) askOtherTabs(id);
  // The typical time is fresh for each deploy followed; the quarantine only needs loading once.
  if ((active.kind === "deploy" && !active.done) || !store.get("portalInfo")) void loadInfo();
  renderProgress();
  if (moveFocus) el.progressHeading.focus();
  watch = new Watch(active, (what) => onWatch(what, seq));
  watch.start();
  ticker = setInterval(renderElapsed, 1000);
}

function onWatch(what: "event" | "connection" | "done" | "gone", seq: number): void {
  if (seq !== openSeq || !active) return;
  if (what === "gone") {
    saved.setCurrentDeployment(null);
    go(null);
    deployMessage = () => t("progress.not_found");
    renderName();
    return;
  }
  if (what === "done") {
    if (ticker) clearInterval(ticker);
    ticker = null;
    // A failed deploy: its credentials open nothing; first read what went wrong with them.
    if (active.done?.status === "failed") void loadFailure(active);
    renderProgress();
    const title = document.getElementById("result-title");
    if (title && (document.activeElement === document.body || el.viewProgress.contains(document.activeElement))) title.focus();
    return;
  }
  renderProgress();
}

function renderProgress(): void {
  const p = active;
  el.viewProgress.dataset.status = p?.done?.status ?? "running";
  el.viewProgress.dataset.kind = p?.kind ?? "";
  if (!p) {
    el.progressHeading.replaceChildren();
    el.progressAddress.hidden = true;
    el.queue.hidden = true;
    el.connection.hidden = true;
    el.steps.replaceChildren();
    el.result.replaceChildren();
    el.elapsed.textContent = "";
    setText(el.summary, t("progress.starting"));
    return;
  }
  const heading: Key = p.done ? "progress.heading_done" : p.kind === "delete" ? "progress.heading_delete" : "progress.heading_deploy";
  el.progressHeading.replaceChildren(tn(heading, { name: nameCode(p.name) }));
  const url = p.url ?? saved.secretsFor(p.id)?.url ?? null;
  el.progressAddress.hidden = !url || p.kind === "delete" || p.done !== null;
  el.progressAddress.replaceChildren(url ? tn("progress.address", { url: code(url, "code url-value") }) : "");
  el.queue.hidden = !isQueued(p);
  el.connection.hidden = p.connection !== "reconnecting" || p.done !== null;
  el.keepOpen.hidden = p.done !== null;
  // Closing is safe for the work, not for the once-only details this tab still holds.
  setText(el.keepOpen, t(p.kind === "deploy" && saved.secretsFor(p.id) ? "progress.keep_open_unsaved" : "progress.keep_open"));
  setText(el.summary, summaryOf(p));
  // Once done, the result says it (the live region still announces it).
  el.summary.classList.toggle("visually-hidden", p.done !== null);
  const { done, total } = completedSteps(p);
  el.bar.max = total;
  el.bar.value = p.done?.status === "failed" ? done : p.done ? total : done;
  el.bar.classList.toggle("progress--failed", p.done?.status === "failed");
  renderElapsed();
  const typical = p.kind === "deploy" && !p.done ? store.get("portalInfo")?.typicalDeployMs : null;
  el.typical.hidden = !typical;
  setText(el.typical, typical ? t("progress.typical", { time: formatAbout(typical) }) : "");
  renderSteps(p);
  renderResult(p);
  renderTabTitle(p);
}

/** Progress and outcome in the tab's title, for a person looking at another tab. */
function renderTabTitle(p: Progress | null): void {
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
  document.title = title ? `${title} · ${t("app.title")}` : t("app.title");
}

function summaryOf(p: Progress): string {
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

function renderElapsed(): void {
  const p = active;
  if (!p) return;
  const ms = (p.finishedAt ?? Date.now()) - p.startedAt;
  setText(el.elapsed, t(p.done ? "result.took" : "progress.elapsed", { time: formatDuration(ms) }));
}

function renderSteps(p: Progress): void {
  const current = p.done ? null : currentStep(p);
  el.steps.replaceChildren(
    ...p.steps.map((s) => {
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
    }),
  );
}

/** What was last drawn into #result: redrawn only when it changes, so copying and selecting survive events. */
let resultKey = "";

function renderResult(p: Progress): void {
  const secrets = saved.secretsFor(p.id);
  const key = [
    p.id,
    p.done?.status ?? "running",
    lang(),
    secrets ? "secrets" : confirmedSaved.has(p.id) ? "confirmed" : isHeldElsewhere(p.id) ? "elsewhere" : "none",
    reports.has(p.id) ? "report" : "",
    saved.logFor(p.id) ? "log" : "",
    store.get("portalInfo") ? "info" : "",
  ].join("|");
  if (key === resultKey && el.result.childNodes.length) return;
  resultKey = key;
  const focused = (document.activeElement as HTMLElement | null)?.dataset?.focusId;
  el.result.replaceChildren(p.done ? resultOf(p, p.done) : p.kind === "deploy" ? savePanel(p) : "");
  if (focused) el.result.querySelector<HTMLElement>(`[data-focus-id="${focused}"]`)?.focus();
}

/** While the deploy runs: the details to save now, before anything else. */
function savePanel(p: Progress): Node | string {
  const secrets = saved.secretsFor(p.id);
  if (!secrets) {
    return isHeldElsewhere(p.id) ? h("p", { class: "notice secrets-elsewhere" }, t("result.other_tab")) : "";
  }
  const status = h("p", { class: "copy-status", role: "status", "aria-live": "polite" });
  return h(
    "section",
    { class: "save-panel", "aria-labelledby": "save-title" },
    h("h3", { id: "save-title" }, t("secrets.title")),
    detailsList(secrets.url, secrets, status, false),
    ...onceNotes(p.name, secrets, () => void confirmSaved(p)),
    status,
  );
}

async function confirmSaved(p: Progress): Promise<void> {
  const yes = await askConfirm({ title: "forget.title", text: "forget.text", yes: "forget.yes", no: "delete.cancel" });
  if (!yes) return;
  saved.forgetSecrets(p.id);
  tellGone(p.id);
  confirmedSaved.add(p.id);
  if (active === p) renderProgress();
  else renderResult(p);
  (document.getElementById("result-title") ?? el.progressHeading).focus();
}

function resultOf(p: Progress, done: DoneData): Node {
  const title = (key: Key) => h("h3", { id: "result-title", tabindex: "-1", "data-focus-id": "result-title" }, t(key));
  const startOver = button(t("result.start_over"), "start-over", () => void startAfresh(), "button");

  if (done.status === "deleted") {
    const days = store.get("portalInfo")?.nameQuarantineDays;
    return h(
      "section",
      { class: "result result--deleted", "aria-labelledby": "result-title" },
      title("result.deleted_title"),
      h(
        "p",
        { class: "result-deleted-text" },
        days === undefined ? tn("result.deleted_text", { name: nameCode(p.name) }) : tn("result.deleted_text_days", { name: nameCode(p.name), days }),
      ),
      h("div", { class: "actions" }, startOver),
    );
  }

  if (done.status === "failed") {
    const report = reports.get(p.id) ?? null;
    return failureSection({
      p,
      report,
      log: saved.logFor(p.id),
      explanation: explain(done.error?.code ?? "internal", p.name),
      title: title(p.kind === "delete" ? "result.delete_failed_title" : "result.failed_title"),
      retry: button(t("result.retry"), "retry", () => void retryAfterFailure(p), "button button--primary"),
      startOver: isBlocked(p, report) ? button(t("result.start_over"), "start-over", () => void startAfresh(), "button button--primary") : startOver,
    });
  }

  const secrets = saved.secretsFor(p.id);
  const url = p.url ?? secrets?.url ?? "";
  const copyStatus = h("p", { class: "copy-status", role: "status", "aria-live": "polite" });
  const parts: Node[] = [title("result.ready_title"), detailsList(url, secrets, copyStatus, true)];
  if (secrets) parts.push(...onceNotes(p.name, secrets, () => void confirmSaved(p)));
  else {
    const key: Key = confirmedSaved.has(p.id) ? "result.forgotten" : isHeldElsewhere(p.id) ? "result.other_tab" : "result.unavailable";
    parts.push(h("p", { class: "notice secrets-gone", "data-why": key }, t(key)));
  }
  // Its page: state, actions and logs (the token goes along while this tab holds it).
  const manage = button(t("stack.manage"), "manage-stack", () => void manageStack(p.name, secrets?.managementToken), "button");
  parts.push(copyStatus, h("div", { class: "actions" }, manage, startOver));
  return h("section", { class: "result result--ready", "aria-labelledby": "result-title" }, ...parts);
}

function button(label: string, id: string, onClick: () => void, className: string): HTMLButtonElement {
  const b = h("button", { type: "button", class: className, "data-focus-id": id, "data-action": id }, label);
  b.addEventListener("click", onClick);
  return b;
}

/** The stack's own page; unsaved once-only details on screen are asked about first. */
async function manageStack(name: string, token: string | undefined): Promise<void> {
  if (!(await leaveAllowed())) return;
  openStack(name, token);
}

/** Back to the start with an empty form: the next stack needs a new name. */
async function startAfresh(): Promise<void> {
  if (!(await leaveAllowed())) return;
  el.nameInput.value = "";
  el.reclaimToken.value = "";
  nameState = { kind: "idle" };
  deployMessage = null;
  renderName();
  go(null);
}

async function retryAfterFailure(p: Progress): Promise<void> {
  if (p.kind === "deploy") {
    refusedToken = null;
    el.nameInput.value = p.name;
    nameState = { kind: "idle" };
    // The failed stack's token makes the new one the same owner's: its kept volumes come back.
    await startDeploy(p.name, retryTokens.get(p.id));
    return;
  }
  if (lastDelete?.name === p.name) {
    await confirmDelete(lastDelete.name, lastDelete.token);
    return;
  }
  go(null);
  el.deleteSection.open = true;
  el.deleteName.value = p.name;
  el.deleteToken.focus();
}

// ---------------------------------------------------------------------------------------
// Views and navigation: the deployment id lives in the address (#deployment=<id>), the
// admin view is #admin.

/**
 * The page's views, in the order their addresses are tried (the start view takes any).
 * A new view is one more entry here and its section in index.html (see router.ts).
 */
const progressView: Route<string> = {
  section: el.viewProgress,
  match: (hash) => saved.deploymentFromHash(hash),
  enter(id, moveFocus) {
    if (active?.id !== id || el.viewProgress.hidden) void openDeployment(id, moveFocus);
  },
  /** Another view is shown: its deployment is no longer followed. */
  leave() {
    stopWatching();
    openSeq++;
    active = null;
    resultKey = "";
    renderTabTitle(null);
  },
  render() {
    if (!el.viewProgress.hidden) renderProgress();
  },
};
const adminView: Route<true> = {
  section: el.viewAdmin,
  match: (hash) => (saved.isAdminHash(hash) ? true : null),
  lazy: { loaded: adminLoaded, load: loadAdmin },
  enter(_, moveFocus) {
    if (el.dialog.open) el.dialog.close();
    const already = !el.viewAdmin.hidden;
    show(adminView);
    showAdmin(moveFocus && !already);
  },
  shown: () => el.adminLink.setAttribute("aria-current", "page"),
  leave() {
    el.adminLink.removeAttribute("aria-current");
    hideAdmin();
  },
  render: renderAdmin,
};
const startView: Route<true> = {
  section: el.viewStart,
  match: () => true,
  enter(_, moveFocus) {
    saved.setCurrentDeployment(null);
    show(startView);
    renderYourStack();
    // What was checked before may have changed meanwhile (the name deployed since, say).
    if (el.nameInput.value.trim() && !deploying) onNameInput();
    if (moveFocus) el.deployHeading.focus();
  },
  shown: () => void refreshAccount(),
};
const ROUTES = [progressView, stackView, adminView, startView] as const;

async function goAdmin(): Promise<void> {
  if (!(await leaveAllowed())) return;
  if (!saved.isAdminHash(location.hash)) history.pushState(null, "", saved.ADMIN_HASH);
  route(true);
}

function go(deploymentId: string | null, replace = false): void {
  navigate(deploymentId ? saved.hashFor(deploymentId) : null, replace);
}

/** The start page's way back to the stack deployed in this tab (and its unsaved details). */
function renderYourStack(): void {
  const mine = saved.mine();
  el.yourStack.hidden = !mine;
  if (!mine) return;
  const parts: (Node | string)[] = [tn("your_stack.text", { name: nameCode(mine.name) })];
  if (saved.secretsFor(mine.id)) parts.push(" ", h("strong", { class: "your-stack-unsaved" }, t("your_stack.unsaved")));
  el.yourStackText.replaceChildren(...parts);
  setText(el.yourStackShow, t("your_stack.show"));
}

// ---------------------------------------------------------------------------------------
// Language

/** The options come with index.html (each language by its own name: web/catalogs.ts). */
function renderLangOptions(): void {
  el.langSelect.value = lang();
}

function renderAll(): void {
  renderLangOptions();
  renderName();
  renderYourStack();
  showMessage(el.deleteError, deleteMessage);
  renderDialog();
  renderConfirm();
  renderAccount();
  renderViews();
}

// ---------------------------------------------------------------------------------------

async function init(): Promise<void> {
  // Nothing is drawn before the catalog of the person's language is here (a chunk, unless
  // English): the page shows the server's English meanwhile, as before the script ran.
  await initLang();
  setRoutes(ROUTES);
  renderLangOptions();
  onLangChange(renderAll);
  el.langSelect.addEventListener("change", () => {
    // Back to the language shown if its catalog could not be fetched.
    if (isLang(el.langSelect.value)) void setLang(el.langSelect.value).then(renderLangOptions);
  });

  el.nameInput.addEventListener("input", onNameInput);
  // Leaving the field: whatever the verdict is, it is shown now.
  el.nameInput.addEventListener("blur", () => {
    typingUntil = 0;
    renderName();
  });
  el.reclaimToken.addEventListener("input", () => {
    renderReclaim();
    renderDeployButton();
  });
  el.yourStackShow.addEventListener("click", () => {
    const mine = saved.mine();
    if (mine) go(mine.id);
  });
  el.deployForm.addEventListener("submit", (e) => {
    e.preventDefault();
    void submitDeploy();
  });
  el.deleteForm.addEventListener("submit", (e) => {
    e.preventDefault();
    void submitDelete();
  });
  el.dialogCancel.addEventListener("click", () => el.dialog.close());
  el.dialogConfirm.addEventListener("click", () => void runDelete());
  el.dialog.addEventListener("close", () => {
    // Comes a task after the closing: a dialog opened again meanwhile keeps its question.
    if (pendingDelete && !el.dialog.open) {
      pendingDelete = null;
      el.deleteButton.focus();
    }
  });

  initStack();
  initAccount({
    openDeployment: (id) => go(id),
    openStack: (name) => openStack(name),
    suggestName: (name) => {
      if (el.nameInput.value.trim()) return;
      el.nameInput.value = name;
      onNameInput();
    },
  });
  initConfirm();
  store.subscribe("portalInfo", () => {
    if (!el.viewProgress.hidden) renderProgress();
  });
  store.subscribe("portalInfo", renderDialog);
  initOtherTabs(
    (id) => saved.secretsFor(id) !== null,
    () => {
      if (active) renderResult(active);
    },
  );
  // Closing or reloading the tab while once-only details are unconfirmed: the browser asks.
  window.addEventListener("beforeunload", (e) => {
    if (!holdingUnsaved()) return;
    e.preventDefault();
    e.returnValue = "";
  });
  el.adminLink.addEventListener("click", (e) => {
    e.preventDefault();
    void goAdmin();
  });
  el.adminBack.addEventListener("click", (e) => {
    e.preventDefault();
    go(null);
  });

  window.addEventListener("popstate", () => route(true));
  // An address typed or edited by hand: follow it unless popstate already did.
  window.addEventListener("hashchange", () => {
    if (viewOf(location.hash).section.hidden) route(true);
  });

  // A reload without the hash (or a lost one): the deployment of this tab, if any.
  if (viewOf(location.hash) === startView) {
    const current = saved.currentDeployment();
    if (current) history.replaceState(null, "", saved.hashFor(current));
  }
  renderName();
  route(false);
  // Ready once the picker can switch at once (the other catalogs, after the first drawing).
  await prefetchCatalogs();
  document.documentElement.dataset.ready = "true";
}

void init();
