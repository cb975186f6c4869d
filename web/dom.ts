/** Tiny DOM helpers: elements are built with text nodes, never from HTML strings. */

type Child = Node | string | null | undefined | false;
type Attrs = Record<string, string | boolean | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    el.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children) if (child !== null && child !== undefined && child !== false) el.append(child);
  return el;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from the page`);
  return el as T;
}

/** Sets text only when it changes, so a live region does not announce the same thing twice. */
export function setText(el: HTMLElement, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

/** Copies text: the Clipboard API where allowed, else a selected, off-screen textarea. */
export async function copyText(value: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(value);
    return true;
  } catch {
    // Not allowed (an insecure context, say): fall back.
  }
  const area = h("textarea", { readonly: true, class: "offscreen", "aria-hidden": "true", tabindex: "-1" });
  area.value = value;
  document.body.append(area);
  area.select();
  let ok = false;
  try {
    ok = document.execCommand("copy");
  } catch {
    ok = false;
  }
  area.remove();
  return ok;
}

/** A message to show later, drawn again in the current language each time. */
export type Message = () => Node | string;

/** Shows a message in its element, or hides the element when there is none. */
export function showMessage(target: HTMLElement, message: Message | null): void {
  target.hidden = message === null;
  target.replaceChildren(message ? message() : "");
}
