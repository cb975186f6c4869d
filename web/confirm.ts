import { type Message, byId } from "./dom.ts";
import { type Key, t } from "./i18n.ts";
import { ModalQuestion } from "./modal-question.ts";

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

const fill = (target: HTMLElement, content: Key | Message) => {
  if (typeof content === "function") target.replaceChildren(content());
  else target.textContent = t(content);
};

const question = new ModalQuestion<Question>(el, (q) => {
  el.dialog.dataset.question = typeof q.title === "function" ? "" : q.title;
  fill(el.title, q.title);
  fill(el.text, q.text);
  el.yes.textContent = t(q.yes);
  el.no.textContent = t(q.no);
});

export const askConfirm = (q: Question): Promise<boolean> => question.ask(q);

/** Redraws an open question (after a language switch). */
export const renderConfirm = (): void => question.redraw();

export const initConfirm = (): void => question.init();
