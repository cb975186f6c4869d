import { describe, expect, test } from "bun:test";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { CATALOGS, LANGS } from "./support.ts";

/** The message catalogs and the page's sources, checked without a browser. */

const WEB = join(import.meta.dir, "../../web");
const sources = readdirSync(WEB, { recursive: true, encoding: "utf8" })
  .filter((f) => f.endsWith(".ts"))
  .map((f) => ({ file: f, text: readFileSync(join(WEB, f), "utf8") }));
const html = readFileSync(join(WEB, "index.html"), "utf8");
const css = readFileSync(join(WEB, "styles.css"), "utf8");

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

/** Every message id the page refers to: in the TypeScript and in index.html. */
function usedKeys(): Map<string, string> {
  const namespaces = new Set(Object.keys(CATALOGS.en).map((k) => k.split(".")[0]));
  const used = new Map<string, string>();
  for (const { file, text } of sources) {
    // Arguments of t()/tn(), whatever they look like ...
    for (const m of text.matchAll(/\btn?\(\s*"([^"]+)"/g)) used.set(m[1]!, file);
    // ... and every string literal shaped like an id of a known namespace (the mapping tables).
    for (const m of text.matchAll(/"([a-z]+(?:\.[a-z0-9_]+)+)"/g)) {
      if (namespaces.has(m[1]!.split(".")[0]!)) used.set(m[1]!, file);
    }
  }
  for (const m of html.matchAll(/data-i18n(?:-label)?="([^"]+)"/g)) used.set(m[1]!, "index.html");
  return used;
}

describe("message catalogs", () => {
  test("every language has exactly the keys of English", () => {
    const english = Object.keys(CATALOGS.en).sort();
    for (const lang of LANGS) {
      const keys = Object.keys(CATALOGS[lang]);
      const missing = english.filter((k) => !(k in CATALOGS[lang]));
      const extra = keys.filter((k) => !(k in CATALOGS.en));
      expect({ lang, missing, extra }).toEqual({ lang, missing: [], extra: [] });
    }
  });

  test("every message is a non-empty text with the same placeholders in every language", () => {
    for (const key of Object.keys(CATALOGS.en)) {
      for (const lang of LANGS) {
        const text = CATALOGS[lang][key];
        expect(typeof text === "string" && text.trim().length > 0 ? key : `${lang}:${key} is empty`).toBe(key);
        expect({ key, lang, placeholders: placeholders(text!) }).toEqual({ key, lang, placeholders: placeholders(CATALOGS.en[key]!) });
      }
    }
  });

  test("every key used by the page exists, and every key is used", () => {
    const used = usedKeys();
    const missing = [...used].filter(([key]) => !(key in CATALOGS.en)).map(([key, file]) => `${key} (${file})`);
    expect(missing).toEqual([]);
    const unused = Object.keys(CATALOGS.en).filter((k) => !used.has(k));
    expect(unused).toEqual([]);
    // Sanity: the scan does see the page's keys.
    expect(used.size).toBeGreaterThan(100);
  });

  test("Arabic is really translated, and the language names are their own", () => {
    const arabic = Object.entries(CATALOGS.ar).filter(([key]) => key !== "app.title");
    for (const [key, text] of arabic) expect({ key, arabic: /[\u0600-\u06FF]/.test(text) }).toEqual({ key, arabic: true });
    expect([CATALOGS.en["lang.name"], CATALOGS.nl["lang.name"], CATALOGS.ar["lang.name"]]).toEqual(["English", "Nederlands", "العربية"]);
  });
});

describe("page sources", () => {
  test("CSS uses logical properties only, so right-to-left mirrors", () => {
    const physical = [
      /\b(margin|padding|border|inset)-(left|right|top|bottom)\b/,
      /(^|[;{\s])(left|right|top|bottom)\s*:/,
      /\b(text-align|float|clear)\s*:\s*(left|right)\b/,
      /(^|[;{\s])(width|height|min-width|min-height|max-width|max-height)\s*:/,
      /\b(margin|padding|inset)\s*:\s*\S+\s+\S+\s+\S+\s+\S+/,
      /\bborder-(top|bottom|left|right)-(left|right)-radius\b/,
    ];
    const offending = css
      .replace(/\/\*[\s\S]*?\*\//g, "")
      .split("\n")
      .filter((line) => !/^\s*@media/.test(line))
      .filter((line) => physical.some((re) => re.test(line)));
    expect(offending).toEqual([]);
  });

  test("no inline script or style, no external resource", () => {
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/);
    expect(html).not.toMatch(/<style/);
    expect(html).not.toMatch(/\sstyle=/);
    expect(html).not.toMatch(/\son[a-z]+=/);
    for (const { file, text } of [...sources, { file: "index.html", text: html }, { file: "styles.css", text: css }]) {
      expect({ file, external: text.match(/(https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}/gi) ?? [] }).toEqual({ file, external: [] });
    }
    for (const { file, text } of sources) {
      expect({ file, html: /\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write/.test(text) }).toEqual({ file, html: false });
      expect({ file, style: /\.style\b|setAttribute\(\s*"style"/.test(text) }).toEqual({ file, style: false });
    }
  });
});
