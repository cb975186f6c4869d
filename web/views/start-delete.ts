import * as api from "../api.ts";
import { type Message, byId, setText, showMessage } from "../dom.ts";
import { code, t, tn } from "../i18n.ts";
import { explain, nameCode } from "../messages.ts";
import { loadInfo } from "../portal-info.ts";
import { navigate } from "../router.ts";
import * as saved from "../state.ts";
import * as store from "../store.ts";

/**
 * The start view's delete form: a stack's name and management token, checked (read-only)
 * before a dialog says what goes and what stays; confirmed, the delete is followed in the
 * progress view. Its "Try again" comes back here (`deleteAgain`).
 */

const el = {
  viewStart: byId("view-start"),
  deleteSection: byId<HTMLDetailsElement>("delete-section"),
  deleteForm: byId<HTMLFormElement>("delete-form"),
  deleteName: byId<HTMLInputElement>("delete-name"),
  deleteToken: byId<HTMLInputElement>("delete-token"),
  deleteError: byId("delete-error"),
  deleteButton: byId<HTMLButtonElement>("delete-button"),
  dialog: byId<HTMLDialogElement>("delete-dialog"),
  dialogTitle: byId("delete-dialog-title"),
  dialogRemoves: byId("delete-dialog-removes"),
  dialogKeeps: byId("delete-dialog-keeps"),
  dialogCancel: byId<HTMLButtonElement>("delete-cancel"),
  dialogConfirm: byId<HTMLButtonElement>("delete-confirm"),
};

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
    if (el.viewStart.hidden) navigate(null);
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
    if (el.viewStart.hidden) navigate(null);
    el.deleteSection.open = true;
    el.deleteName.value = p.name;
    showMessage(el.deleteError, deleteMessage);
    (res.error.code === "not_found" ? el.deleteName : el.deleteToken).focus();
    return;
  }
  lastDelete = { name: p.name, token: p.token };
  el.deleteToken.value = "";
  navigate(saved.hashFor(res.value.deploymentId));
}

/** A failed delete's "Try again": the same question again, or the form to fill in. */
export async function deleteAgain(name: string): Promise<void> {
  if (lastDelete?.name === name) {
    await confirmDelete(lastDelete.name, lastDelete.token);
    return;
  }
  navigate(null);
  el.deleteSection.open = true;
  el.deleteName.value = name;
  el.deleteToken.focus();
}

export function closeDeleteDialog(): void {
  if (el.dialog.open) el.dialog.close();
}

export function renderDelete(): void {
  showMessage(el.deleteError, deleteMessage);
  renderDialog();
}

export function initDelete(): void {
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
  store.subscribe("portalInfo", renderDialog);
}
