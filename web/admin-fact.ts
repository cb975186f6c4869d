import { h } from "./dom.ts";

/** One fact of an item in the admin view's lists (a stack, a server): its label and value, `data-fact` naming it. */
export function adminFact(id: string, label: string, value: Node | string, data: Record<string, string> = {}): HTMLElement {
  return h("div", { class: "stack-fact", "data-fact": id, ...data }, h("dt", {}, label), h("dd", {}, value));
}
