import { copyText, h, setText } from "./dom.ts";
import { code, t, tn } from "./i18n.ts";
import type { Secrets } from "./state.ts";

/**
 * The stack's address and once-only login details, each on one line (scrolling sideways on a
 * small screen rather than breaking inside a value) with a Copy button that says "Copied ✓".
 * Shown from the moment the deploy is accepted, not only when the stack is ready.
 */

const COPIED_MS = 2000;

export function detailsList(url: string, secrets: Secrets | null, status: HTMLElement, ready: boolean): HTMLDListElement {
  const row = (label: string, id: string, value: Node, raw: string, ...extra: Node[]) =>
    h(
      "div",
      { class: "detail", "data-detail": id },
      h("dt", {}, label),
      h("dd", { class: "detail-line" }, h("span", { class: "detail-value" }, value), copyButton(raw, label, id, status)),
      extra.length ? h("dd", { class: "detail-extra" }, ...extra) : null,
    );
  const link = h("a", { href: url, target: "_blank", rel: "noopener noreferrer", dir: "ltr", class: "code url-value" }, url);
  const open = ready
    ? [
        h(
          "a",
          { href: url, target: "_blank", rel: "noopener noreferrer", class: "button button--primary open-stack", "data-action": "open-stack" },
          t("result.open"),
        ),
        h("span", { class: "hint open-hint" }, t("result.open_hint")),
      ]
    : [];
  const list = h("dl", { class: "details" }, row(t("result.address"), "url", link, url, ...open));
  if (secrets) {
    list.append(
      row(t("result.username"), "username", code(secrets.username, "code secret"), secrets.username),
      row(t("result.password"), "password", code(secrets.password, "code secret"), secrets.password),
    );
    // With sign-in on (AUTH_MODE=oidc) there is no token: the signed-in owner manages the stack.
    if (secrets.managementToken)
      list.append(
        row(
          t("result.token"),
          "token",
          code(secrets.managementToken, "code secret"),
          secrets.managementToken,
          h("span", { class: "hint" }, t("result.token_hint")),
        ),
      );
  }
  return list;
}

/** What goes with the details: the reclaim note, "shown only once", and the confirm button. */
export function onceNotes(name: string, secrets: Secrets, onConfirm: () => void): Node[] {
  const confirm = h(
    "button",
    { type: "button", class: "button button--primary", "data-action": "confirm-saved", "data-focus-id": "confirm-saved" },
    t("result.confirm_saved"),
  );
  confirm.addEventListener("click", onConfirm);
  const notes: Node[] = [];
  if (secrets.reclaimed) notes.push(h("p", { class: "notice reclaimed-note" }, tn("result.reclaimed", { name: code(name, "code name-value") })));
  notes.push(
    h("p", { class: "notice notice--important once-note" }, t("result.once")),
    h("p", { class: "hint" }, t("result.session_note")),
    h("div", { class: "actions" }, confirm),
  );
  return notes;
}

function copyButton(value: string, what: string, id: string, status: HTMLElement): HTMLButtonElement {
  const b = h(
    "button",
    { type: "button", class: "button button--small copy", "data-action": `copy-${id}`, "data-focus-id": `copy-${id}` },
    t("result.copy"),
  );
  b.setAttribute("aria-label", t("result.copy_label", { what }));
  let timer: ReturnType<typeof setTimeout> | null = null;
  b.addEventListener("click", () => {
    void copyText(value).then((ok) => {
      setText(status, ok ? t("result.copied", { what }) : t("result.copy_failed"));
      if (!ok) return;
      // Said on the button itself: on a phone the status line may be off-screen.
      b.dataset.copied = "true";
      setText(b, t("result.copied_button"));
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        delete b.dataset.copied;
        setText(b, t("result.copy"));
      }, COPIED_MS);
    });
  });
  return b;
}
