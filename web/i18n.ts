import en from "./locales/en.json" with { type: "json" };

/**
 * Message catalogs keyed by id. Every visible text comes from here; values are filled in
 * by name (`{name}`), and code-like values (names, addresses) are isolated for bidi.
 */

export type Key = keyof typeof en;
type Catalog = Record<Key, string>;

/**
 * Every language, in the picker's order: adding one is its catalog in locales/ and one line
 * here (plus RTL below if it is written right to left); the picker, the server's prefill and
 * the stack gate's pages (web/catalogs.ts) follow. English is in the bundle (index.html is
 * prefilled with it on the server); every other catalog is a chunk of its own, fetched when
 * that language is chosen or the browser asks for it. Typed against the English catalog: a
 * language missing a key does not compile.
 */
const LOADERS = {
  en: async (): Promise<Catalog> => en,
  nl: async (): Promise<Catalog> => (await import("./locales/nl.json")).default,
  ar: async (): Promise<Catalog> => (await import("./locales/ar.json")).default,
};
export type Lang = keyof typeof LOADERS;
export const LANGS = Object.keys(LOADERS) as readonly Lang[];
const RTL: ReadonlySet<Lang> = new Set<Lang>(["ar"]);
const STORAGE_KEY = "asd.lang";

const catalogs: Partial<Record<Lang, Catalog>> = { en };
let current: Lang = "en";
/** The latest switch asked for: an earlier one whose catalog arrives later does not win. */
let switching = 0;
const listeners = new Set<() => void>();

/** A language's catalog, fetched once (a failed fetch is tried again on the next switch). */
async function catalog(l: Lang): Promise<Catalog> {
  const loaded = catalogs[l];
  if (loaded) return loaded;
  const fetched = await LOADERS[l]();
  catalogs[l] = fetched;
  return fetched;
}

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

/**
 * The other catalogs, fetched after the first drawing (off its path): the picker switches at
 * once, as it always did. A catalog that fails here is fetched again when chosen.
 */
export async function prefetchCatalogs(): Promise<void> {
  await Promise.allSettled(LANGS.map(catalog));
}

/** The language to start in, its catalog loaded before anything is drawn in it (`loaded` false: it could not be fetched, English then). */
export async function initLang(): Promise<{ wanted: Lang; loaded: boolean }> {
  let stored: string | null = null;
  try {
    stored = localStorage.getItem(STORAGE_KEY);
  } catch {
    // Storage may be disabled; the browser's languages still decide.
  }
  const languages = navigator.languages?.length ? navigator.languages : [navigator.language];
  const wanted = detectLang(stored, languages);
  return { wanted, loaded: await setLang(wanted, false) };
}

/**
 * Switches once the language's catalog is here: `html[lang]` changes together with every
 * text (what the browser tests wait for). Without its catalog (offline, say) nothing changes,
 * and the answer is false.
 */
export async function setLang(l: Lang, remember = true): Promise<boolean> {
  const seq = ++switching;
  try {
    await catalog(l);
  } catch (err) {
    console.error(`the ${l} catalog could not be loaded`, err);
    return false;
  }
  if (seq !== switching) return true;
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
  return true;
}

export function onLangChange(listener: () => void): void {
  listeners.add(listener);
}

export function t(key: Key, vars: Record<string, string | number> = {}): string {
  const message = catalogs[current]?.[key] ?? en[key] ?? key;
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
  const message = catalogs[current]?.[key] ?? en[key] ?? key;
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
