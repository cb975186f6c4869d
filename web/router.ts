/**
 * The page's router: a table of views, each a section of index.html answering some
 * addresses (`location.hash`). The first view whose `match` takes the address is shown, every
 * other one is hidden and told so. Adding a view is one entry in the table (app.ts `ROUTES`)
 * and its section in index.html.
 *
 * One router for the page, so a view's file can call `show()` and `navigate()` without
 * importing app.ts (which imports every view for its table).
 */

import { loadOutcome } from "./load-failure.ts";

export interface Route<A = unknown> {
  // (Methods, not function properties: a Route<string> is a Route to the router.)
  /** Its section in index.html (shown alone). */
  section: HTMLElement;
  /** What the address gives this view; null when the address is not this view's. */
  match(hash: string): A | null;
  /** A view in a chunk of its own: whether its code is here, and fetching it. */
  lazy?: { loaded(): boolean; load(): Promise<unknown> };
  /** The address is this view's: show it (via `show()`) and draw it. */
  enter(arg: A, moveFocus: boolean): void;
  /** It has just been shown (every time `show()` picks it). */
  shown?(): void;
  /** Another view is shown (called on every switch, whether this one was shown or not). */
  leave?(): void;
  /** Draw it again (the language changed). */
  render?(): void;
}

let table: readonly Route[] = [];

/** The views in the order their addresses are tried (app.ts `ROUTES`), set once before the first `route()`. */
export function setRoutes(routes: readonly Route[]): void {
  table = routes;
}

function find(hash: string): { route: Route; arg: unknown } {
  for (const route of table) {
    const arg = route.match(hash);
    if (arg !== null) return { route, arg };
  }
  throw new Error(`no view for ${hash}`);
}

/** Shows the view the address names (fetching its chunk first, if it has one). */
export function route(moveFocus: boolean): void {
  const { route: target, arg } = find(location.hash);
  if (target.lazy && !target.lazy.loaded()) {
    // Its code comes first; meanwhile the page stays as it is.
    void target.lazy.load().then(
      () => {
        loadOutcome(`view:${target.section.id}`, true);
        if (find(location.hash).route === target) route(moveFocus);
      },
      (err: unknown) => {
        console.error("a view could not be loaded", err);
        loadOutcome(`view:${target.section.id}`, false);
      },
    );
    return;
  }
  target.enter(arg, moveFocus);
}

/** Shows one view's section and hides the others (a view's `enter` calls this). */
export function show(shown: Route): void {
  for (const r of table) r.section.hidden = r !== shown;
  for (const r of table) if (r !== shown) r.leave?.();
  shown.shown?.();
}

/** Goes to an address of the page (null: the start view's, no hash) and shows its view. */
export function navigate(hash: string | null, replace = false): void {
  const target = hash ?? location.pathname + location.search;
  if (replace) history.replaceState(null, "", target);
  else history.pushState(null, "", target);
  route(true);
}

/** The view the address names. */
export const viewOf = (hash: string): Route => find(hash).route;

/** Every view drawn again. */
export function renderAll(): void {
  for (const r of table) r.render?.();
}
