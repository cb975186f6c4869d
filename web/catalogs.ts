import { readFileSync } from "node:fs";
import { type Key, LANGS, type Lang, dir } from "./i18n.ts";

/**
 * Every catalog, for the server (read once, at start): the stack gate's pages
 * (gate-page.ts) and the page's language picker, which index.html carries filled in
 * (src/http/routes/page.ts), so the browser needs no catalog but its own language's.
 */

export const CATALOGS = Object.fromEntries(
  LANGS.map((l) => [l, JSON.parse(readFileSync(new URL(`./locales/${l}.json`, import.meta.url), "utf8")) as Record<Key, string>]),
) as Record<Lang, Record<Key, string>>;

/** Text made safe inside HTML, as an element's content or a quoted attribute. */
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** The picker's options: each language by its own name, in its own direction. */
export function langOptions(): string {
  return LANGS.map((l) => `<option value="${l}" lang="${l}" dir="${dir(l)}">${escapeHtml(CATALOGS[l]["lang.name"])}</option>`).join("");
}
