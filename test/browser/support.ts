import { readFileSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import { findChromium, INSTALL_HINT } from "../../scripts/chromium.ts";
import { type Browser, type BrowserContext, type BrowserContextOptions, type Page, chromium } from "playwright-core";

/** Shared pieces of the browser tests: Debian's Chromium, catalogs, guards, a cuttable proxy. */

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  "--disable-sync",
  // Even so, Chromium looks up Google hosts (autofill, sign-in, updates). The tests talk to
  // loopback only: every name fails inside the browser, no DNS query leaves the machine.
  // Stack hosts under .localhost (STACK_SSO tests) go to loopback, like Chromium's own rule.
  "--host-resolver-rules=MAP *.localhost 127.0.0.1, MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
  "--disable-features=AutofillServerCommunication,OptimizationHints,Translate,MediaRouter",
  "--disable-domain-reliability",
  "--no-pings",
];

export const LANGS = ["en", "nl", "ar"] as const;
export type Lang = (typeof LANGS)[number];
/** Browser language per test language: navigator.languages decides the default. */
export const LOCALE: Record<Lang, string> = { en: "en-GB", nl: "nl-NL", ar: "ar-EG" };

const WEB = join(import.meta.dir, "../../web");
export const CATALOGS: Record<Lang, Record<string, string>> = {
  en: JSON.parse(readFileSync(join(WEB, "locales/en.json"), "utf8")),
  nl: JSON.parse(readFileSync(join(WEB, "locales/nl.json"), "utf8")),
  ar: JSON.parse(readFileSync(join(WEB, "locales/ar.json"), "utf8")),
};

/** A catalog text with its values filled in, as the page shows it (as plain text). */
export function msg(lang: Lang, key: string, vars: Record<string, string> = {}): string {
  const text = CATALOGS[lang][key];
  if (text === undefined) throw new Error(`no message ${key} in ${lang}`);
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => vars[name] ?? whole);
}

export interface Launched {
  browser: Browser;
  close(): Promise<void>;
}

/**
 * Chromium with a fresh profile: Playwright's launch() creates a new temporary
 * user-data-dir for every launch (and removes it on close); it refuses a --user-data-dir
 * argument. Every test then gets its own context (own storage, own language).
 */
export async function launch(): Promise<Launched> {
  // `npm test` has installed Debian's Chromium beforehand where it could (scripts/chromium.ts).
  const executablePath = findChromium({ env: process.env });
  if (!executablePath) throw new Error(INSTALL_HINT);
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS, timeout: 20_000 });
  return { browser, close: () => browser.close() };
}

export interface Guarded {
  context: BrowserContext;
  page: Page;
  /** Requests to anything but the portal, CSP violations, uncaught errors. */
  problems: string[];
}

/** A new context and page that record anything that leaves the portal or breaks the CSP. */
export async function openPage(browser: Browser, origin: string, options: BrowserContextOptions = {}): Promise<Guarded> {
  const context = await browser.newContext({ viewport: { width: 1000, height: 900 }, ...options });
  const page = await context.newPage();
  const problems: string[] = [];
  const allowed = new URL(origin).origin;
  page.on("request", (req) => {
    const url = req.url();
    if (url.startsWith("data:")) return;
    if (new URL(url).origin !== allowed) problems.push(`external request: ${url}`);
  });
  page.on("console", (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(`CSP: ${m.text()}`);
  });
  page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
  return { context, page, problems };
}

/**
 * A TCP proxy on loopback in front of the portal whose connections can be cut, the way a
 * flaky network drops an open event stream.
 */
/** How far the page is wider than the window (0: no horizontal scrolling). */
export function overflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

export async function startCuttableProxy(target: string) {
  const { hostname, port } = new URL(target);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(port), hostname);
    sockets.add(client);
    sockets.add(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("error", end);
    upstream.on("error", end);
    client.on("close", end);
    upstream.on("close", end);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    cut() {
      for (const socket of sockets) socket.destroy();
      sockets.clear();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export async function sandboxControl(sandboxUrl: string, path: string, body: unknown): Promise<void> {
  const res = await fetch(`${sandboxUrl}/__sandbox/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`sandbox ${path}: ${res.status} ${await res.text()}`);
}

/** Answers the page's own confirmation dialog (leave, forget, delete, ...). */
export async function confirmDialog(page: Page, answer: "yes" | "no"): Promise<void> {
  await page.waitForSelector("#confirm-dialog[open]");
  await page.click(answer === "yes" ? "#confirm-yes" : "#confirm-no");
  await page.waitForSelector("#confirm-dialog:not([open])", { state: "attached" });
}

/** A guarded page whose waits give up well within a test's limit, so a failure says what failed. */
export async function openQuickPage(...args: Parameters<typeof openPage>): Promise<Guarded> {
  const guarded = await openPage(...args);
  guarded.context.setDefaultTimeout(8000);
  return guarded;
}

/** "Your stack" opened from the start page by name and management token, in `lang`; waits until it shows a state. */
export async function openStackPage(browser: Browser, origin: string, lang: Lang, name: string, token: string): Promise<Guarded> {
  const guarded = await openQuickPage(browser, origin, { locale: LOCALE[lang] });
  const { page } = guarded;
  await page.goto(`${origin}/`);
  await page.waitForSelector("html[data-ready]");
  await page.click("#manage-section > summary");
  await page.fill("#manage-name", name);
  await page.fill("#manage-token", token);
  await page.click("#manage-button");
  await page.waitForSelector("#view-stack[data-state]");
  return guarded;
}

/** The admin view opened and signed in with `token`, in the given locale; waits for its panel. */
export async function openAdmin(browser: Browser, origin: string, locale: string, token: string): Promise<Guarded> {
  const guarded = await openPage(browser, origin, { locale });
  const { page } = guarded;
  await page.goto(`${origin}/#admin`);
  await page.waitForSelector("#view-admin:not([hidden])");
  await page.fill("#admin-token", token);
  await page.press("#admin-token", "Enter");
  await page.waitForSelector("#admin-panel:not([hidden])");
  return guarded;
}

/**
 * Switches the page's language with its own picker (#lang-select). The page redraws at once
 * (web/i18n.ts setLang): waiting for html[lang] and dir says the switch took effect.
 */
export async function switchLang(page: Page, lang: Lang): Promise<void> {
  await page.selectOption("#lang-select", lang);
  await page.waitForSelector(`html[lang="${lang}"][dir="${lang === "ar" ? "rtl" : "ltr"}"]`, { state: "attached" });
}

/**
 * Runs `check` at the page's current state in every language: first in the one it shows,
 * then in each other one switched to with the page's picker, then back to the first. A flow
 * runs once; what it shows is still checked in en, nl and ar.
 */
export async function inEachLang(page: Page, check: (lang: Lang) => Promise<void>): Promise<void> {
  const first = (await page.getAttribute("html", "lang")) as Lang;
  if (!LANGS.includes(first)) throw new Error(`the page is in ${first}`);
  for (const lang of [first, ...LANGS.filter((l) => l !== first)]) {
    if (lang !== first) await switchLang(page, lang);
    try {
      await check(lang);
    } catch (e) {
      // Which language failed: the same assertion runs three times.
      if (e instanceof Error) e.message = `[${lang}] ${e.message}`;
      throw e;
    }
  }
  await switchLang(page, first);
}

/** What a person reads in an element (CSS applied). */
export const text = (page: Page, selector: string) => page.locator(selector).innerText();
/** Text with its runs of whitespace made one space, as compared with a catalog text. */
export const normalise = (s: string) => s.replace(/\s+/g, " ").trim();
/** As a person reads it against a catalog text: bidi isolation marks dropped, white space folded. */
export const plain = (s: string) => normalise(s.replace(/[\u2066-\u2069]/g, ""));
/** What a person reads in an element, as compared with a catalog text (plain). */
export const plainText = async (page: Page, selector: string) => plain(await text(page, selector));

/** On the test provider's own sign-in page (oidc-provider's devInteractions), once it shows, as `login`. */
export async function signInAtProvider(page: Page, provider: { port: number }, login: string): Promise<void> {
  await page.waitForURL((u) => u.port === String(provider.port));
  await page.fill('input[name="login"]', login);
  await page.fill('input[name="password"]', "any-password");
  await page.click('button[type="submit"]');
}
