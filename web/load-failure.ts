import { byId, showMessage } from "./dom.ts";
import { t } from "./i18n.ts";

/**
 * A part of the page fetched when needed (a view's chunk, a language's catalog) that did not
 * come: said at the top of the page instead of nothing happening, until a later try works.
 */

const el = byId("load-failure");
/** The parts whose last fetch failed ("view:admin", "lang:nl"). */
const failed = new Set<string>();

export function renderLoadFailure(): void {
  showMessage(el, failed.size ? () => t("app.load_failed") : null);
}

/** What the last fetch of this part of the page came to. */
export function loadOutcome(part: string, ok: boolean): void {
  if (failed.has(part) === !ok) return;
  if (ok) failed.delete(part);
  else failed.add(part);
  renderLoadFailure();
}
