import { h } from "./dom.ts";
import { type Key, t } from "./i18n.ts";
import type { Shares } from "./stack-api.ts";

/**
 * "People with access" on the "Your stack" view, for its owner with sign-in on: who the stack
 * is shared with (an e-mail address or a group, as a user or a manager), each with Remove,
 * which takes effect at once. The form to invite one more is the page's own (index.html).
 */

export interface ShareActions {
  remove(id: number): void;
}

const ROLE: Record<"user" | "manager", Key> = { user: "shares.role_user_short", manager: "shares.role_manager_short" };

/** One line per share: who, their role, and Remove. */
export function shareItems(shares: Shares | null, actions: ShareActions): HTMLElement[] {
  return (shares?.shares ?? []).map((s) => {
    const remove = h(
      "button",
      { type: "button", class: "button button--small button--danger", "data-action": `share-remove-${s.id}` },
      t("shares.remove"),
    );
    remove.addEventListener("click", () => actions.remove(s.id));
    return h(
      "li",
      { class: "share-item", "data-share": s.value, "data-role": s.role },
      h("span", { class: "code", dir: "ltr" }, s.value),
      " ",
      h("span", { class: "hint" }, t(s.kind === "group" ? "shares.is_group" : "shares.is_person")),
      " ",
      h("span", { class: "badge" }, t(ROLE[s.role])),
      " ",
      remove,
    );
  });
}
