import { hideAdmin, initAdmin, renderAdmin, showAdmin } from "./admin.ts";
import { initAccount, refreshAccount, renderAccount } from "./account.ts";
import * as api from "./api.ts";
import { type Message, byId, copyText, h, setText } from "./dom.ts";
import { type Key, LANGS, code, dir, formatDuration, initLang, isLang, lang, langName, onLangChange, setLang, t, tn } from "./i18n.ts";
import { errorKey, reasonKey, stateKey, statusKey, stepKey } from "./messages.ts";
import { type Progress, Watch, completedSteps, currentStep, fromSnapshot, isQueued } from "./progress.ts";
import * as saved from "./state.ts";

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

const explain =
  (errorCode: string, name = ""): Message =>
  () => {
    const key = errorKey(errorCode);
    return key ? tn(key, { name: nameCode(name) }) : tn("error.unknown", { code: code(errorCode) });
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
let nameState: NameState = { kind: "idle" };
let checkTimer: ReturnType<typeof setTimeout> | null = null;
let checkAbort: AbortController | null = null;
let checkSeq = 0;
let deploying = false;
let deployMessage: Message | null = null;

function onNameInput(): void {
  deployMessage = null;
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
  const r = checkedResult();
  if (deploying || !r || !r.valid) return false;
  if (r.available) return true;
  return r.reason === "recently_deleted" && el.reclaimToken.value.trim() !== "";
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
      if (r.valid && r.available) {
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
  const unchanged = state === "checking" && box.dataset.state === "checking" && box.dataset.lang === lang();
  box.dataset.state = state;
  box.dataset.reason = reason;
  box.dataset.lang = lang();
  if (!unchanged) box.replaceChildren(...parts);
  if (state === "bad") el.nameInput.setAttribute("aria-invalid", "true");
  else el.nameInput.removeAttribute("aria-invalid");
  el.reclaim.hidden = !(nameState.kind === "checked" && nameState.result.reason === "recently_deleted");
  renderDeployButton();
  showMessage(el.deployError, deployMessage);
}

function renderDeployButton(): void {
  el.deployButton.disabled = !canDeploy();
  el.deployButton.setAttribute("aria-busy", String(deploying));
  setText(el.deployButton, t(deploying ? "deploy.starting" : "deploy.button"));
}

async function submitDeploy(): Promise<void> {
  if (deploying) return;
  if (!checkedResult()) {
    if (!el.nameInput.value.trim()) return;
    await runCheck(el.nameInput.value);
  }
  const r = checkedResult();
  if (!r || !canDeploy()) {
    el.nameInput.focus();
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
    deployMessage = explain(res.error.code, name);
    renderName();
    return;
  }
  const a = res.value;
  saved.saveSecrets(a.deploymentId, {
    url: a.url,
    username: a.credentials.username,
    password: a.credentials.password,
    managementToken: a.managementToken,
  });
  el.reclaimToken.value = "";
  renderDeployButton();
  go(a.deploymentId);
}

// ---------------------------------------------------------------------------------------
// Delete: name + management token, a confirmation saying what goes and what stays.

let deleteMessage: Message | null = null;
let pendingDelete: { name: string; token: string; url: string | null } | null = null;
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

async function confirmDelete(name: string, token: string): Promise<void> {
  const check = await api.checkName(name).catch(() => null);
  pendingDelete = { name, token, url: check?.ok ? check.value.url : null };
  renderDialog();
  el.dialog.showModal();
  el.dialogCancel.focus();
}

function renderDialog(): void {
  const p = pendingDelete;
  if (!p) return;
  el.dialogTitle.replaceChildren(tn("delete.confirm_title", { name: nameCode(p.name) }));
  el.dialogRemoves.replaceChildren(tn("delete.confirm_removes", { url: code(p.url ?? p.name, "code url-value") }));
  el.dialogKeeps.replaceChildren(tn("delete.confirm_keeps", { name: nameCode(p.name) }));
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
    deleteMessage = explain(res.error.code, p.name);
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
  showView("progress");
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
    // A failed deploy left nothing behind: its credentials open nothing.
    if (active.kind === "deploy" && active.done?.status === "failed") saved.forgetSecrets(active.id);
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
  setText(el.summary, summaryOf(p));
  // Once done, the result says it (the live region still announces it).
  el.summary.classList.toggle("visually-hidden", p.done !== null);
  const { done, total } = completedSteps(p);
  el.bar.max = total;
  el.bar.value = p.done?.status === "failed" ? done : p.done ? total : done;
  el.bar.classList.toggle("progress--failed", p.done?.status === "failed");
  renderElapsed();
  renderSteps(p);
  renderResult(p);
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

function renderResult(p: Progress): void {
  const focused = (document.activeElement as HTMLElement | null)?.dataset?.focusId;
  el.result.replaceChildren(p.done ? resultOf(p) : "");
  if (focused) el.result.querySelector<HTMLElement>(`[data-focus-id="${focused}"]`)?.focus();
}

function resultOf(p: Progress): Node {
  const done = p.done!;
  const title = (key: Key) => h("h3", { id: "result-title", tabindex: "-1", "data-focus-id": "result-title" }, t(key));
  const startOver = button(t("result.start_over"), "start-over", startAfresh, "button");

  if (done.status === "deleted") {
    return h(
      "section",
      { class: "result result--deleted", "aria-labelledby": "result-title" },
      title("result.deleted_title"),
      h("p", {}, tn("result.deleted_text", { name: nameCode(p.name) })),
      h("div", { class: "actions" }, startOver),
    );
  }

  if (done.status === "failed") {
    const errorCode = done.error?.code ?? "internal";
    const leftovers = done.leftovers?.length ?? 0;
    const retry = button(t("result.retry"), "retry", () => void retryAfterFailure(p), "button button--primary");
    return h(
      "section",
      { class: "result result--failed", "aria-labelledby": "result-title", "data-error": errorCode },
      title(p.kind === "delete" ? "result.delete_failed_title" : "result.failed_title"),
      h("p", { class: "result-explanation" }, explain(errorCode, p.name)()),
      leftovers > 0 && h("p", {}, t("result.leftovers", { count: leftovers })),
      h("div", { class: "actions" }, retry, startOver),
    );
  }

  const secrets = saved.secretsFor(p.id);
  const url = p.url ?? secrets?.url ?? "";
  const copyStatus = h("p", { class: "copy-status", role: "status", "aria-live": "polite" });
  const row = (label: string, id: string, value: Node, raw: string, extra?: Node) =>
    h(
      "div",
      { class: "detail", "data-detail": id },
      h("dt", {}, label),
      h("dd", {}, h("span", { class: "detail-value" }, value), copyButton(raw, label, id, copyStatus)),
      extra ? h("dd", { class: "detail-extra" }, extra) : null,
    );
  const link = h("a", { href: url, target: "_blank", rel: "noopener noreferrer", dir: "ltr", class: "code url-value" }, url);
  const details = h("dl", { class: "details" }, row(t("result.address"), "url", link, url));
  const parts: (Node | false)[] = [title("result.ready_title"), details];
  if (secrets) {
    details.append(
      row(t("result.username"), "username", code(secrets.username, "code secret"), secrets.username),
      row(t("result.password"), "password", code(secrets.password, "code secret"), secrets.password),
    );
    // With sign-in on (AUTH_MODE=oidc) there is no token: the signed-in owner manages the stack.
    if (secrets.managementToken)
      details.append(
        row(
          t("result.token"),
          "token",
          code(secrets.managementToken, "code secret"),
          secrets.managementToken,
          h("span", { class: "hint" }, t("result.token_hint")),
        ),
      );
    parts.push(
      h("p", { class: "notice notice--important once-note" }, t("result.once")),
      h("p", { class: "hint" }, t("result.session_note")),
      h(
        "div",
        { class: "actions" },
        button(
          t("result.confirm_saved"),
          "confirm-saved",
          () => {
            saved.forgetSecrets(p.id);
            confirmedSaved.add(p.id);
            renderResult(p);
            document.getElementById("result-title")?.focus();
          },
          "button button--primary",
        ),
      ),
    );
  } else {
    parts.push(h("p", { class: "notice secrets-gone" }, t(confirmedSaved.has(p.id) ? "result.forgotten" : "result.unavailable")));
  }
  parts.push(copyStatus, h("div", { class: "actions" }, startOver));
  return h("section", { class: "result result--ready", "aria-labelledby": "result-title" }, ...parts);
}

function button(label: string, id: string, onClick: () => void, className: string): HTMLButtonElement {
  const b = h("button", { type: "button", class: className, "data-focus-id": id, "data-action": id }, label);
  b.addEventListener("click", onClick);
  return b;
}

function copyButton(value: string, what: string, id: string, status: HTMLElement): HTMLButtonElement {
  const b = button(
    t("result.copy"),
    `copy-${id}`,
    () => {
      void copyText(value).then((ok) => {
        setText(status, ok ? t("result.copied", { what }) : t("result.copy_failed"));
      });
    },
    "button button--small copy",
  );
  b.setAttribute("aria-label", t("result.copy_label", { what }));
  return b;
}

/** Back to the start with an empty form: the next stack needs a new name. */
function startAfresh(): void {
  el.nameInput.value = "";
  el.reclaimToken.value = "";
  nameState = { kind: "idle" };
  deployMessage = null;
  renderName();
  go(null);
}

async function retryAfterFailure(p: Progress): Promise<void> {
  if (p.kind === "deploy") {
    el.nameInput.value = p.name;
    nameState = { kind: "idle" };
    await startDeploy(p.name);
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

function showView(view: "start" | "progress" | "admin"): void {
  el.viewStart.hidden = view !== "start";
  el.viewProgress.hidden = view !== "progress";
  el.viewAdmin.hidden = view !== "admin";
  if (view === "start") void refreshAccount();
  if (view === "admin") el.adminLink.setAttribute("aria-current", "page");
  else el.adminLink.removeAttribute("aria-current");
  if (view !== "admin") hideAdmin();
}

function goAdmin(): void {
  if (!saved.isAdminHash(location.hash)) history.pushState(null, "", saved.ADMIN_HASH);
  route(true);
}

function go(deploymentId: string | null, replace = false): void {
  const target = deploymentId ? saved.hashFor(deploymentId) : location.pathname + location.search;
  if (replace) history.replaceState(null, "", target);
  else history.pushState(null, "", target);
  route(true);
}

function route(moveFocus: boolean): void {
  const id = saved.deploymentFromHash(location.hash);
  if (id) {
    if (active?.id !== id || el.viewProgress.hidden) void openDeployment(id, moveFocus);
    return;
  }
  stopWatching();
  openSeq++;
  active = null;
  if (saved.isAdminHash(location.hash)) {
    if (el.dialog.open) el.dialog.close();
    const already = !el.viewAdmin.hidden;
    showView("admin");
    showAdmin(moveFocus && !already);
    return;
  }
  saved.setCurrentDeployment(null);
  showView("start");
  // What was checked before may have changed meanwhile (the name deployed since, say).
  if (el.nameInput.value.trim() && !deploying) onNameInput();
  if (moveFocus) el.deployHeading.focus();
}

// ---------------------------------------------------------------------------------------
// Language

function renderLangOptions(): void {
  if (el.langSelect.options.length !== LANGS.length) {
    el.langSelect.replaceChildren(...LANGS.map((l) => h("option", { value: l, lang: l, dir: dir(l) }, langName(l))));
  }
  el.langSelect.value = lang();
}

function renderAll(): void {
  renderLangOptions();
  renderName();
  showMessage(el.deleteError, deleteMessage);
  renderDialog();
  if (!el.viewProgress.hidden) renderProgress();
  renderAdmin();
  renderAccount();
}

// ---------------------------------------------------------------------------------------

function init(): void {
  initLang();
  renderLangOptions();
  onLangChange(renderAll);
  el.langSelect.addEventListener("change", () => {
    if (isLang(el.langSelect.value)) setLang(el.langSelect.value);
  });

  el.nameInput.addEventListener("input", onNameInput);
  el.reclaimToken.addEventListener("input", renderDeployButton);
  el.deployForm.addEventListener("submit", (e) => {
    e.preventDefault();
    void submitDeploy();
  });
  // Enter while the name is still being checked (the button is disabled then).
  el.nameInput.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && el.deployButton.disabled) {
      e.preventDefault();
      void submitDeploy();
    }
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

  initAdmin();
  initAccount({
    openDeployment: (id) => go(id),
    suggestName: (name) => {
      if (el.nameInput.value.trim()) return;
      el.nameInput.value = name;
      onNameInput();
    },
  });
  el.adminLink.addEventListener("click", (e) => {
    e.preventDefault();
    goAdmin();
  });
  el.adminBack.addEventListener("click", (e) => {
    e.preventDefault();
    go(null);
  });

  window.addEventListener("popstate", () => route(true));
  // An address typed or edited by hand: follow it unless popstate already did.
  window.addEventListener("hashchange", () => {
    const admin = saved.isAdminHash(location.hash);
    if (admin === el.viewAdmin.hidden) route(true);
  });

  // A reload without the hash (or a lost one): the deployment of this tab, if any.
  if (!saved.deploymentFromHash(location.hash) && !saved.isAdminHash(location.hash)) {
    const current = saved.currentDeployment();
    if (current) history.replaceState(null, "", saved.hashFor(current));
  }
  renderName();
  route(false);
  document.documentElement.dataset.ready = "true";
}

init();
