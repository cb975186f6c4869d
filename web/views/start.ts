import { refreshAccount } from "../account.ts";
import * as api from "../api.ts";
import { type Message, byId, h, setText, showMessage } from "../dom.ts";
import { type Key, code, lang, t, tn } from "../i18n.ts";
import { explain, explainDeployLimit, nameCode, reasonKey } from "../messages.ts";
import { type Route, navigate, show } from "../router.ts";
import * as saved from "../state.ts";
import { rememberedStacks, stackHash } from "../stack-token.ts";
import { closeDeleteDialog } from "../delete-dialog.ts";
import { initDelete, renderDelete } from "./start-delete.ts";

/**
 * The start view: choose a name (checked as you type) and deploy it, taking back a deleted
 * name with its token; the way back to the stack deployed in this tab; the delete form
 * (start-delete.ts). A deploy that starts is followed in the progress view.
 */

const el = {
  view: byId("view-start"),
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
  remembered: byId("remembered"),
  rememberedList: byId("remembered-list"),
  yourStackText: byId("your-stack-text"),
  yourStackShow: byId<HTMLButtonElement>("your-stack-show"),
};

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

/** Free names like a taken or invalid one, each a button that puts it in the field. */
function suggestions(names: string[]): Node[] {
  if (!names.length) return [];
  const buttons = names.map((name) => {
    const b = h("button", { type: "button", class: "button button--small name-suggestion", dir: "ltr", "data-name": name }, name);
    b.setAttribute("aria-label", t("name.use", { name }));
    b.addEventListener("click", () => {
      el.nameInput.value = name;
      onNameInput();
      el.nameInput.focus();
    });
    return b;
  });
  return [h("p", { class: "name-suggest" }, t("name.suggest"), ...buttons.flatMap((b) => [" ", b]))];
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
          ...suggestions(r.suggestions),
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
          ...suggestions(r.suggestions),
        );
      }
    }
  }
  // Typing on while a check is pending: leave the live region alone (no repeated announcement).
  // Nor is the same verdict drawn again (leaving the field for a suggestion's button redraws,
  // and a button replaced between press and release gets no click).
  const key = `${state}|${lang()}|${nameState.kind === "checked" ? `${nameState.input}|${JSON.stringify(nameState.result)}` : ""}`;
  const unchanged =
    ((state === "checking" || state === "typing") && box.dataset.state === state && box.dataset.lang === lang()) || box.dataset.key === key;
  box.dataset.key = key;
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
    if (el.view.hidden) navigate(null);
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
    deployMessage = res.error.code === "rate_limited" ? explainDeployLimit(res.error, name) : explain(res.error, name);
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
  navigate(saved.hashFor(a.deploymentId));
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

/** The stacks this device remembers ("Remember on this device"), each a link to its page. */
function renderRemembered(): void {
  const names = rememberedStacks();
  el.remembered.hidden = names.length === 0;
  el.rememberedList.replaceChildren(
    ...names.map((name) => h("li", { "data-stack": name }, h("a", { href: stackHash(name), dir: "ltr", class: "code name-value" }, name))),
  );
}

// ---------------------------------------------------------------------------------------
// What other parts of the page ask of this view.

/** A failed deploy's "Try again": the same name, deployed again at once. */
export async function deployAgain(name: string, token: string | undefined): Promise<void> {
  refusedToken = null;
  el.nameInput.value = name;
  nameState = { kind: "idle" };
  await startDeploy(name, token);
}

/** Back to the start with an empty form: the next stack needs a new name. */
export function openEmpty(): void {
  el.nameInput.value = "";
  el.reclaimToken.value = "";
  nameState = { kind: "idle" };
  deployMessage = null;
  renderName();
  navigate(null);
}

/** A message by the deploy form from elsewhere (the deployment shown was not found). */
export function showDeployMessage(message: Message): void {
  deployMessage = message;
  renderName();
}

/** A name to start from ("Your stacks" suggests one), unless the person has typed one. */
export function suggestName(name: string): void {
  if (el.nameInput.value.trim()) return;
  el.nameInput.value = name;
  onNameInput();
}

// ---------------------------------------------------------------------------------------
// The view's life: shown, hidden, drawn again.

function showStart(moveFocus: boolean): void {
  saved.setCurrentDeployment(null);
  show(startView);
  renderYourStack();
  renderRemembered();
  // What was checked before may have changed meanwhile (the name deployed since, say).
  if (el.nameInput.value.trim() && !deploying) onNameInput();
  if (moveFocus) el.deployHeading.focus();
}

function hideStart(): void {
  // The admin view has delete questions of its own: one of this form's left open is closed when it opens.
  if (saved.isAdminHash(location.hash)) closeDeleteDialog();
}

function renderStart(): void {
  renderName();
  renderYourStack();
  renderRemembered();
  renderDelete();
}

/** Its entry in the router's table (app.ts `ROUTES`): any address no other view takes. */
export const startView: Route<true> = {
  section: el.view,
  match: () => true,
  enter: (_, moveFocus) => showStart(moveFocus),
  shown: () => void refreshAccount(),
  leave: hideStart,
  render: renderStart,
};

export function initStart(): void {
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
    if (mine) navigate(saved.hashFor(mine.id));
  });
  el.deployForm.addEventListener("submit", (e) => {
    e.preventDefault();
    void submitDeploy();
  });
  initDelete();
  renderName();
}
