import { copyText, h, setText } from "./dom.ts";
import { type Key, code, t, tn } from "./i18n.ts";
import type { Secrets } from "./state.ts";

/**
 * Once-only secrets, wherever the page shows them (a deploy's login details, a new password):
 * the stack's address and each secret on one line (scrolling sideways on a small screen rather
 * than breaking inside a value) with a Copy button that says "Copied ✓", "Copy all" and
 * "Download", and the notes and the button that removes them once the person saved them. The
 * views keep them in this tab (state.ts) until then and warn before the tab is left.
 */

const COPIED_MS = 2000;

export function detailsList(url: string, secrets: Secrets | null, status: HTMLElement, ready: boolean): HTMLDListElement {
  // A value scrolls sideways when long: focusable, to scroll it by keyboard (a link already is).
  const row = (label: string, id: string, value: Node, raw: string, ...extra: Node[]) =>
    h(
      "div",
      { class: "detail", "data-detail": id },
      h("dt", {}, label),
      h(
        "dd",
        { class: "detail-line" },
        h("span", { class: "detail-value", tabindex: value instanceof HTMLAnchorElement ? undefined : "0" }, value),
        copyButton(raw, label, id, status),
      ),
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

/** The texts that differ between a deploy's details and a new password. */
export interface OnceTexts {
  once: Key;
  confirm: Key;
}
const DEPLOY_TEXTS: OnceTexts = { once: "result.once", confirm: "result.confirm_saved" };

/**
 * What goes with the details: "Copy all" and "Download", the reclaim note, "shown only once",
 * and the confirm button.
 */
export function onceNotes(name: string, secrets: Secrets, status: HTMLElement, onConfirm: () => void, texts = DEPLOY_TEXTS): Node[] {
  const confirm = h(
    "button",
    { type: "button", class: "button button--primary", "data-action": "confirm-saved", "data-focus-id": "confirm-saved" },
    t(texts.confirm),
  );
  confirm.addEventListener("click", onConfirm);
  const notes: Node[] = [allAtOnce(name, secrets, status)];
  if (secrets.reclaimed) notes.push(h("p", { class: "notice reclaimed-note" }, tn("result.reclaimed", { name: code(name, "code name-value") })));
  notes.push(
    h("p", { class: "notice notice--important once-note" }, t(texts.once)),
    h("p", { class: "hint" }, t("result.session_note")),
    h("div", { class: "actions" }, confirm),
  );
  return notes;
}

/** Every detail as lines of text, labelled in the person's language: for "Copy all" and the file. */
function asText(name: string, s: Secrets): string {
  const lines = [
    `${t("app.title")}: ${name}`,
    `${t("result.address")}: ${s.url}`,
    `${t("result.username")}: ${s.username}`,
    `${t("result.password")}: ${s.password}`,
  ];
  if (s.managementToken) lines.push(`${t("result.token")}: ${s.managementToken}`);
  return `${lines.join("\n")}\n`;
}

function allAtOnce(name: string, secrets: Secrets, status: HTMLElement): HTMLElement {
  const copyAll = h(
    "button",
    { type: "button", class: "button button--small", "data-action": "copy-all", "data-focus-id": "copy-all" },
    t("result.copy_all"),
  );
  copyAll.addEventListener("click", () => {
    void copyText(asText(name, secrets)).then((ok) => setText(status, ok ? t("result.copied_all") : t("result.copy_failed")));
  });
  const download = h(
    "button",
    { type: "button", class: "button button--small", "data-action": "download", "data-focus-id": "download" },
    t("result.download"),
  );
  download.addEventListener("click", () => {
    // A file made here, never sent anywhere: an object URL the link downloads, then dropped.
    const href = URL.createObjectURL(new Blob([asText(name, secrets)], { type: "text/plain;charset=utf-8" }));
    const link = h("a", { href, download: `${name}-login.txt`, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(href), 0);
  });
  return h("div", { class: "actions all-at-once" }, copyAll, download);
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
