import en from "./locales/en.json" with { type: "json" };
import nl from "./locales/nl.json" with { type: "json" };
import ar from "./locales/ar.json" with { type: "json" };

/**
 * Message catalogs keyed by id. Every visible text comes from here; values are filled in
 * by name (`{name}`), and code-like values (names, addresses) are isolated for bidi.
 */

export type Key = keyof typeof en;
export const LANGS = ["en", "nl", "ar"] as const;
export type Lang = (typeof LANGS)[number];

// Typed against the English catalog: a language missing a key does not compile.
const CATALOGS: Record<Lang, Record<Key, string>> = { en, nl, ar };
const RTL: ReadonlySet<Lang> = new Set<Lang>(["ar"]);
const STORAGE_KEY = "asd.lang";

let current: Lang = "en";
const listeners = new Set<() => void>();

export function isLang(value: unknown): value is Lang {
  return typeof value === "string" && (LANGS as readonly string[]).includes(value);
}

/** The remembered choice, else the first of the browser's languages we speak, else English. */
export function detectLang(stored: string | null, languages: readonly string[]): Lang {
  if (isLang(stored)) return stored;
  for (const tag of languages) {
    const primary = tag.toLowerCase().split("-")[0];
    if (isLang(primary)) return primary;
  }
  return "en";
}

export function lang(): Lang {
  return current;
}

export function dir(l: Lang = current): "rtl" | "ltr" {
  return RTL.has(l) ? "rtl" : "ltr";
}

/** The name of a language in that language (for the switcher). */
export function langName(l: Lang): string {
  return CATALOGS[l]["lang.name"];
}

export function initLang(): Lang {
  let stored: string | null = null;
  try {
    stored = localStorage.getItem(STORAGE_KEY);
  } catch {
    // Storage may be disabled; the browser's languages still decide.
  }
  const languages = navigator.languages?.length ? navigator.languages : [navigator.language];
  setLang(detectLang(stored, languages), false);
  return current;
}

export function setLang(l: Lang, remember = true): void {
  current = l;
  if (remember) {
    try {
      localStorage.setItem(STORAGE_KEY, l);
    } catch {
      // Not remembered, still switched.
    }
  }
  const html = document.documentElement;
  html.lang = l;
  html.dir = dir(l);
  applyStatic(document);
  for (const listener of listeners) listener();
}

export function onLangChange(listener: () => void): void {
  listeners.add(listener);
}

export function t(key: Key, vars: Record<string, string | number> = {}): string {
  const message = CATALOGS[current][key] ?? CATALOGS.en[key] ?? key;
  return message.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = vars[name];
    return value === undefined ? whole : typeof value === "number" ? formatNumber(value) : value;
  });
}

/**
 * A message as DOM nodes: text stays text (never HTML), and each value given as a Node
 * (see `code()`) is inserted as is, so names and addresses keep their own direction.
 */
export function tn(key: Key, vars: Record<string, string | number | Node> = {}): DocumentFragment {
  const message = CATALOGS[current][key] ?? CATALOGS.en[key] ?? key;
  const fragment = document.createDocumentFragment();
  let last = 0;
  for (const match of message.matchAll(/\{(\w+)\}/g)) {
    const [whole, name = ""] = match;
    fragment.append(message.slice(last, match.index));
    const value = vars[name];
    if (value === undefined) fragment.append(whole);
    else if (typeof value === "number") fragment.append(formatNumber(value));
    else fragment.append(typeof value === "string" ? value : value.cloneNode(true));
    last = match.index + whole.length;
  }
  fragment.append(message.slice(last));
  return fragment;
}

/** A code-like value (name, address, token) isolated from the text around it, left to right. */
export function code(value: string, className = "code"): HTMLElement {
  const el = document.createElement("bdi");
  el.dir = "ltr";
  el.className = className;
  el.textContent = value;
  return el;
}

/** Fills every element marked `data-i18n` (text) and `data-i18n-label` (aria-label). */
export function applyStatic(root: ParentNode): void {
  for (const el of root.querySelectorAll<HTMLElement>("[data-i18n]")) {
    el.textContent = t(el.dataset.i18n as Key);
  }
  for (const el of root.querySelectorAll<HTMLElement>("[data-i18n-label]")) {
    el.setAttribute("aria-label", t(el.dataset.i18nLabel as Key));
  }
  document.title = t("app.title");
}

export function formatNumber(n: number): string {
  return new Intl.NumberFormat(current).format(n);
}

type DurationFormatCtor = new (
  locale: string,
  options: { style: "long" | "short" | "narrow" | "digital"; secondsDisplay?: "always" | "auto" },
) => { format(d: { minutes?: number; seconds: number }): string };

/** Whole seconds, as the language writes a duration ("1 minute, 5 seconds"). */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const DurationFormat = (Intl as unknown as { DurationFormat?: DurationFormatCtor }).DurationFormat;
  if (DurationFormat) {
    const minutes = Math.floor(total / 60);
    const seconds = total % 60;
    // "auto" would print nothing at all for 0 seconds.
    return minutes
      ? new DurationFormat(current, { style: "long" }).format({ minutes, seconds })
      : new DurationFormat(current, { style: "long", secondsDisplay: "always" }).format({ seconds });
  }
  return new Intl.NumberFormat(current, { style: "unit", unit: "second", unitDisplay: "long" }).format(total);
}

const SECOND: [Intl.RelativeTimeFormatUnit, number] = ["second", 1000];
const RELATIVE_UNITS: [Intl.RelativeTimeFormatUnit, number][] = [["day", 86_400_000], ["hour", 3_600_000], ["minute", 60_000], SECOND];

/** How long ago a moment was, as the language says it ("3 minutes ago"), in whole units. */
export function formatAgo(at: number, now = Date.now()): string {
  const elapsed = Math.max(0, now - at);
  const [unit, size] = RELATIVE_UNITS.find(([, size]) => elapsed >= size) ?? SECOND;
  return new Intl.RelativeTimeFormat(current, { numeric: "auto" }).format(-Math.floor(elapsed / size), unit);
}

/** A date and time, as the language writes them. */
export function formatDateTime(at: number): string {
  return new Intl.DateTimeFormat(current, { dateStyle: "medium", timeStyle: "medium" }).format(at);
}

/** A time of day, with seconds. */
export function formatTime(at: number): string {
  return new Intl.DateTimeFormat(current, { timeStyle: "medium" }).format(at);
}
