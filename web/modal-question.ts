/**
 * A modal dialog that asks one question at a time and answers it as a promise: its yes button
 * is true; its no button, Escape, or another question asked over it is false. Focus goes back to
 * where it was on "no". Each kind of question draws itself (`draw`), again on a language switch.
 */
export class ModalQuestion<T> {
  private current: { value: T; resolve: (yes: boolean) => void; returnTo: HTMLElement | null } | null = null;
  private answer = false;

  constructor(
    private readonly el: { dialog: HTMLDialogElement; yes: HTMLButtonElement; no: HTMLButtonElement },
    private readonly draw: (value: T) => void,
  ) {}

  ask(value: T): Promise<boolean> {
    this.current?.resolve(false);
    return new Promise((resolve) => {
      this.current = { value, resolve, returnTo: document.activeElement instanceof HTMLElement ? document.activeElement : null };
      this.answer = false;
      this.draw(value);
      if (!this.el.dialog.open) this.el.dialog.showModal();
      this.el.no.focus();
    });
  }

  /** Draws the open question again (after a language switch). */
  redraw(): void {
    if (this.current) this.draw(this.current.value);
  }

  close(): void {
    if (this.el.dialog.open) this.el.dialog.close();
  }

  /** Wires the buttons and the dialog's closing; once, from the page's init. */
  init(): void {
    this.el.yes.addEventListener("click", () => {
      this.answer = true;
      this.el.dialog.close();
    });
    this.el.no.addEventListener("click", () => this.el.dialog.close());
    this.el.dialog.addEventListener("close", () => {
      // Comes a task after the closing: a question asked again meanwhile stays open and unanswered.
      const c = this.current;
      if (!c || this.el.dialog.open) return;
      this.current = null;
      // Back to where the person was, unless the answer moved the page elsewhere.
      if (!this.answer && c.returnTo?.isConnected) c.returnTo.focus();
      c.resolve(this.answer);
    });
  }
}
