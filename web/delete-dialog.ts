import * as api from "./api.ts";
import { byId } from "./dom.ts";
import { code, tn } from "./i18n.ts";
import { nameCode } from "./messages.ts";
import { ModalQuestion } from "./modal-question.ts";
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

const question = new ModalQuestion<DeleteTarget>({ dialog: el.dialog, yes: el.confirm, no: el.cancel }, draw);
let lastDelete: { name: string; token: string } | null = null;

/** Asks; resolves true for "Yes, delete it". Focus goes back to where it was on "no". */
export async function askDelete(target: DeleteTarget): Promise<boolean> {
  // The quarantine's days, for what stays.
  if (!store.get("portalInfo")) await loadInfo();
  return question.ask(target);
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

export const closeDeleteDialog = (): void => question.close();

/** Redraws an open question (after a language switch, or once the quarantine's days are known). */
export const renderDeleteDialog = (): void => question.redraw();

function draw(p: DeleteTarget): void {
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
  question.init();
  store.subscribe("portalInfo", renderDeleteDialog);
}
