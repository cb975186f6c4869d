import * as api from "../api.ts";
import { askDelete, lastDeleteToken, runDelete } from "../delete-dialog.ts";
import { type Message, byId, setText, showMessage } from "../dom.ts";
import { t } from "../i18n.ts";
import { explain } from "../messages.ts";
import { navigate } from "../router.ts";

/**
 * The start view's delete form: a stack's name and management token, checked (read-only)
 * before the delete question (delete-dialog.ts) says what goes and what stays; confirmed, the
 * delete is followed in the progress view. Its "Try again" comes back here (`deleteAgain`).
 */

const el = {
  viewStart: byId("view-start"),
  deleteSection: byId<HTMLDetailsElement>("delete-section"),
  deleteForm: byId<HTMLFormElement>("delete-form"),
  deleteName: byId<HTMLInputElement>("delete-name"),
  deleteToken: byId<HTMLInputElement>("delete-token"),
  deleteError: byId("delete-error"),
  deleteButton: byId<HTMLButtonElement>("delete-button"),
};

let deleteMessage: Message | null = null;

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

/** The form again, open, with the name filled in and the reason said. */
function refused(name: string, error: api.ApiError): void {
  deleteMessage = explain(error, name);
  if (el.viewStart.hidden) navigate(null);
  el.deleteSection.open = true;
  el.deleteName.value = name;
  showMessage(el.deleteError, deleteMessage);
  (error.code === "not_found" ? el.deleteName : el.deleteToken).focus();
}

/** Checks name and token first (read-only), and asks to confirm only what can really happen. */
async function confirmDelete(name: string, token: string): Promise<void> {
  el.deleteButton.setAttribute("aria-busy", "true");
  setText(el.deleteButton, t("delete.checking"));
  const check = await api.access(name, token);
  el.deleteButton.setAttribute("aria-busy", "false");
  setText(el.deleteButton, t("delete.button"));
  if (!check.ok) return refused(name, check.error);
  const target = { name: check.value.name, url: check.value.url, ran: check.value.readyAt !== null };
  if (!(await askDelete(target))) {
    el.deleteButton.focus();
    return;
  }
  el.deleteButton.disabled = true;
  const error = await runDelete(target.name, token);
  el.deleteButton.disabled = false;
  if (error) return refused(target.name, error);
  el.deleteToken.value = "";
}

/** A failed delete's "Try again": the same question again, or the form to fill in. */
export async function deleteAgain(name: string): Promise<void> {
  const token = lastDeleteToken(name);
  if (token) {
    await confirmDelete(name, token);
    return;
  }
  navigate(null);
  el.deleteSection.open = true;
  el.deleteName.value = name;
  el.deleteToken.focus();
}

export function renderDelete(): void {
  showMessage(el.deleteError, deleteMessage);
}

export function initDelete(): void {
  el.deleteForm.addEventListener("submit", (e) => {
    e.preventDefault();
    void submitDelete();
  });
}
