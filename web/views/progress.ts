import * as api from "../api.ts";
import { askConfirm } from "../confirm.ts";
import { byId, h, setText } from "../dom.ts";
import { formatAbout } from "../durations.ts";
import { failureSection, isBlocked } from "../failure.ts";
import { type Key, code, formatDuration, lang, t, tn } from "../i18n.ts";
import { explain, nameCode } from "../messages.ts";
import { askOtherTabs, initOtherTabs, isHeldElsewhere, tellGone } from "../other-tabs.ts";
import { loadInfo } from "../portal-info.ts";
import { type DoneData, type Progress, Watch, completedSteps, fromSnapshot, isQueued } from "../watch.ts";
import { type Route, navigate, show } from "../router.ts";
import { detailsList, onceNotes } from "../secrets-card.ts";
import { openStack } from "../stack-page.ts";
import * as saved from "../state.ts";
import * as store from "../store.ts";
import { stepItems, summaryOf, tabTitle } from "./progress-summary.ts";
import { deleteAgain } from "./start-delete.ts";
import { deployAgain, openEmpty, showDeployMessage } from "./start.ts";

/**
 * The progress view (`#deployment=<id>`): one deployment, a deploy or a delete, followed live
 * from its event stream; then its result: the address and the once-only details (kept until
 * the person says they are saved), or what went wrong with "Try again" and "Start afresh".
 */

const el = {
  view: byId("view-progress"),
  heading: byId("progress-heading"),
  address: byId("progress-address"),
  result: byId("result"),
  queue: byId("queue"),
  now: byId("progress-now"),
  summary: byId("progress-summary"),
  bar: byId<HTMLProgressElement>("progress-bar"),
  elapsed: byId("progress-elapsed"),
  typical: byId("progress-typical"),
  connection: byId("progress-connection"),
  steps: byId("progress-steps"),
  keepOpen: byId("progress-keep"),
};

// ---------------------------------------------------------------------------------------
// Following: the deployment in the address, from its snapshot and then its event stream.

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
  return !el.view.hidden && p !== null && p.kind === "deploy" && p.done?.status !== "failed" && saved.secretsFor(p.id) !== null;
}

/** Leaving is asked about while unsaved once-only details are on screen (the admin link asks too). */
export async function leaveAllowed(): Promise<boolean> {
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
      navigate(null, true);
      showDeployMessage(() => t("progress.not_found"));
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
  if (moveFocus) el.heading.focus();
  watch = new Watch(active, (what) => onWatch(what, seq));
  watch.start();
  ticker = setInterval(renderElapsed, 1000);
}

function onWatch(what: "event" | "connection" | "done" | "gone", seq: number): void {
  if (seq !== openSeq || !active) return;
  if (what === "gone") {
    saved.setCurrentDeployment(null);
    navigate(null);
    showDeployMessage(() => t("progress.not_found"));
    return;
  }
  if (what === "done") {
    if (ticker) clearInterval(ticker);
    ticker = null;
    // A failed deploy: its credentials open nothing; first read what went wrong with them.
    if (active.done?.status === "failed") void loadFailure(active);
    renderProgress();
    const title = document.getElementById("result-title");
    if (title && (document.activeElement === document.body || el.view.contains(document.activeElement))) title.focus();
    return;
  }
  renderProgress();
}

function renderProgress(): void {
  const p = active;
  el.view.dataset.status = p?.done?.status ?? "running";
  el.view.dataset.kind = p?.kind ?? "";
  // In view while it runs; once done, the result below says it and the block scrolls away.
  el.now.dataset.done = String(Boolean(p?.done));
  if (!p) {
    el.heading.replaceChildren();
    el.address.hidden = true;
    el.queue.hidden = true;
    el.connection.hidden = true;
    el.steps.replaceChildren();
    el.result.replaceChildren();
    el.elapsed.textContent = "";
    setText(el.summary, t("progress.starting"));
    return;
  }
  const heading: Key = p.done ? "progress.heading_done" : p.kind === "delete" ? "progress.heading_delete" : "progress.heading_deploy";
  el.heading.replaceChildren(tn(heading, { name: nameCode(p.name) }));
  const url = p.url ?? saved.secretsFor(p.id)?.url ?? null;
  el.address.hidden = !url || p.kind === "delete" || p.done !== null;
  el.address.replaceChildren(url ? tn("progress.address", { url: code(url, "code url-value") }) : "");
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
  el.steps.replaceChildren(...stepItems(p));
  renderResult(p);
  document.title = tabTitle(p);
}

function renderElapsed(): void {
  const p = active;
  if (!p) return;
  const ms = (p.finishedAt ?? Date.now()) - p.startedAt;
  setText(el.elapsed, t(p.done ? "result.took" : "progress.elapsed", { time: formatDuration(ms) }));
}

// ---------------------------------------------------------------------------------------
// The result: the details to save while it runs, then ready (address, details, its page),
// deleted, or failed (what went wrong, "Try again").

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
    ...onceNotes(p.name, secrets, status, () => void confirmSaved(p)),
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
  (document.getElementById("result-title") ?? el.heading).focus();
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
  if (secrets) parts.push(...onceNotes(p.name, secrets, copyStatus, () => void confirmSaved(p)));
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
  openEmpty();
}

async function retryAfterFailure(p: Progress): Promise<void> {
  // The failed stack's token makes the new one the same owner's: its kept volumes come back.
  if (p.kind === "deploy") await deployAgain(p.name, retryTokens.get(p.id));
  else await deleteAgain(p.name);
}

// ---------------------------------------------------------------------------------------
// The view's life: shown, hidden, drawn again.

function showProgress(id: string, moveFocus: boolean): void {
  if (active?.id !== id || el.view.hidden) void openDeployment(id, moveFocus);
}

/** Another view is shown: its deployment is no longer followed. */
function hideProgress(): void {
  stopWatching();
  openSeq++;
  active = null;
  resultKey = "";
  document.title = tabTitle(null);
}

/** Its entry in the router's table (app.ts `ROUTES`). */
export const progressView: Route<string> = {
  section: el.view,
  match: (hash) => saved.deploymentFromHash(hash),
  enter: showProgress,
  leave: hideProgress,
  render() {
    if (!el.view.hidden) renderProgress();
  },
};

export function initProgress(): void {
  store.subscribe("portalInfo", () => {
    if (!el.view.hidden) renderProgress();
  });
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
}
