import { h } from "./dom.ts";
import { t } from "./i18n.ts";
import type { ModelKeys } from "./stack-api.ts";

/**
 * "Your own model keys" on the "Your stack" view: per provider whether the stack has a key
 * (its last four characters, never the key), a field to set or replace it and a button to
 * remove it. A key typed here leaves the page only in the request that saves it, and the
 * field is emptied at once.
 */

export interface KeyActions {
  /** Saves `key` for the provider (null: removes its key); resolves once the request is answered. */
  save(provider: string, key: string | null): Promise<void>;
  /** Said when Save is pressed with an empty field. */
  empty(): void;
}

export function keyItems(keys: ModelKeys | null, enabled: boolean, actions: KeyActions): HTMLElement[] {
  return (keys?.providers ?? []).map((p) => {
    const id = `stack-key-${p.id}`;
    const input = h("input", {
      id,
      type: "password",
      class: "input",
      autocomplete: "off",
      spellcheck: "false",
      dir: "ltr",
      "data-key-input": p.id,
    });
    const save = h("button", { type: "button", class: "button button--small", "data-action": `key-save-${p.id}` }, t("keys.save"));
    save.disabled = !enabled;
    save.addEventListener("click", () => {
      const key = input.value.trim();
      if (!key) return actions.empty();
      input.value = "";
      void actions.save(p.id, key);
    });
    const remove = p.set
      ? h("button", { type: "button", class: "button button--small button--danger", "data-action": `key-remove-${p.id}` }, t("keys.remove"))
      : null;
    if (remove) {
      remove.disabled = !enabled;
      remove.addEventListener("click", () => void actions.save(p.id, null));
    }
    return h(
      "li",
      { class: "stack-key", "data-provider": p.id, "data-set": String(p.set) },
      h("label", { for: id }, t("keys.label", { provider: p.name })),
      " ",
      h("span", { class: "hint key-state" }, p.set && p.last4 ? t("keys.set", { last4: `…${p.last4}` }) : t("keys.not_set")),
      h("div", { class: "actions" }, input, save, remove),
    );
  });
}
