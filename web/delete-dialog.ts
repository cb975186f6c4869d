import * as api from "./api.ts";
import { byId } from "./dom.ts";
import { code, tn } from "./i18n.ts";
import { nameCode } from "./messages.ts";
import { loadInfo } from "./portal-info.ts";
import { navigate } from "./router.ts";
import * as saved from "./state.ts";
import * as store from "./store.ts";

/**
 * Deleting a stack, from the start page's form or the owner page's danger zone alike: one
 * question (`#delete-dialog`) saying what goes and what stays, then the delete, followed in the
 * progress view. The last delete asked for is kept in memory only, so "Try again" needs no
 * retyping.
 */

export interface DeleteTarget {
  name: string;
  url: string;
  /** Whether it ever ran: a stack that never did has no address to lose. */
  ran: boolean;
}

const el = {
  dialog: byId<HTMLDialogElement>("delete-dialog"),
  title: byId("delete-dialog-title"),
  removes: byId("delete-dialog-removes"),
  keeps: byId("delete-dialog-keeps"),
  cancel: byId<HTMLButtonElement>("delete-cancel"),
  confirm: byId<HTMLButtonElement>("delete-confirm"),
};

let pending: { target: DeleteTarget; resolve: (yes: boolean) => void; returnTo: HTMLElement | null } | null = null;
let answer = false;
let lastDelete: { name: string; token: string } | null = null;

/** Asks; resolves true for "Yes, delete it". Focus goes back to where it was on "no". */
export async function askDelete(target: DeleteTarget): Promise<boolean> {
  pending?.resolve(false);
  if (!store.get("portalInfo")) await loadInfo();
  return new Promise((resolve) => {
    pending = { target, resolve, returnTo: document.activeElement instanceof HTMLElement ? document.activeElement : null };
    answer = false;
    renderDeleteDialog();
    if (!el.dialog.open) el.dialog.showModal();
    el.cancel.focus();
  });
}

/**
 * Deletes (`token`: the management token, or api.SESSION_ADMIN where the session authorises)
 * and opens the delete's progress; a refusal is returned for the caller to show.
 */
export async function runDelete(name: string, token: string): Promise<api.ApiError | null> {
  const res = await api.deleteStack(name, token);
  if (!res.ok) return res.error;
  lastDelete = { name, token };
  navigate(saved.hashFor(res.value.deploymentId));
  return null;
}

/** The token of the last delete asked for this name, for "Try again". */
export const lastDeleteToken = (name: string): string | null => (lastDelete?.name === name ? lastDelete.token : null);

export function closeDeleteDialog(): void {
  if (el.dialog.open) el.dialog.close();
}

export function renderDeleteDialog(): void {
  const p = pending?.target;
  if (!p) return;
  el.title.replaceChildren(tn("delete.confirm_title", { name: nameCode(p.name) }));
  el.removes.replaceChildren(
    p.ran ? tn("delete.confirm_removes", { url: code(p.url, "code url-value") }) : tn("delete.confirm_removes_unstarted", { name: nameCode(p.name) }),
  );
  const days = store.get("portalInfo")?.nameQuarantineDays;
  el.keeps.replaceChildren(
    days === undefined ? tn("delete.confirm_keeps", { name: nameCode(p.name) }) : tn("delete.confirm_keeps_days", { name: nameCode(p.name), days }),
  );
}

export function initDeleteDialog(): void {
  el.cancel.addEventListener("click", () => el.dialog.close());
  el.confirm.addEventListener("click", () => {
    answer = true;
    el.dialog.close();
  });
  el.dialog.addEventListener("close", () => {
    // Comes a task after the closing: a dialog opened again meanwhile keeps its question.
    const p = pending;
    if (!p || el.dialog.open) return;
    pending = null;
    if (!answer && p.returnTo?.isConnected) p.returnTo.focus();
    p.resolve(answer);
  });
  store.subscribe("portalInfo", renderDeleteDialog);
}
