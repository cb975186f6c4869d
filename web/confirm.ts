import { type Message, byId } from "./dom.ts";
import { type Key, t } from "./i18n.ts";

/**
 * One modal question with two answers (`#confirm-dialog`), for the page's "are you sure"
 * moments. It answers a promise; Escape or Cancel is "no". Focus goes back to where it was.
 */

export interface Question {
  /** A catalog key, or a message with values in it (a stack's name). */
  title: Key | Message;
  /** A catalog key, or a message with values in it (an image, a count). */
  text: Key | Message;
  yes: Key;
  no: Key;
}

const el = {
  dialog: byId<HTMLDialogElement>("confirm-dialog"),
  title: byId("confirm-title"),
  text: byId("confirm-text"),
  yes: byId<HTMLButtonElement>("confirm-yes"),
  no: byId<HTMLButtonElement>("confirm-no"),
};

let current: { question: Question; resolve: (yes: boolean) => void; returnTo: HTMLElement | null } | null = null;
let answer = false;

export function askConfirm(question: Question): Promise<boolean> {
  current?.resolve(false);
  return new Promise((resolve) => {
    current = { question, resolve, returnTo: document.activeElement instanceof HTMLElement ? document.activeElement : null };
    answer = false;
    renderConfirm();
    el.dialog.dataset.question = typeof question.title === "function" ? "" : question.title;
    if (!el.dialog.open) el.dialog.showModal();
    el.no.focus();
  });
}

/** Redraws an open question (after a language switch). */
export function renderConfirm(): void {
  if (!current) return;
  const title = current.question.title;
  if (typeof title === "function") el.title.replaceChildren(title());
  else el.title.textContent = t(title);
  const text = current.question.text;
  if (typeof text === "function") el.text.replaceChildren(text());
  else el.text.textContent = t(text);
  el.yes.textContent = t(current.question.yes);
  el.no.textContent = t(current.question.no);
}

export function initConfirm(): void {
  el.yes.addEventListener("click", () => {
    answer = true;
    el.dialog.close();
  });
  el.no.addEventListener("click", () => el.dialog.close());
  el.dialog.addEventListener("close", () => {
    const c = current;
    current = null;
    if (!c) return;
    // Back to where the person was, unless the answer moved the page elsewhere.
    if (!answer && c.returnTo?.isConnected) c.returnTo.focus();
    c.resolve(answer);
  });
}
