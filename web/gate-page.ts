import { CATALOGS, escapeHtml } from "./catalogs.ts";
import { type Key, type Lang, dir, isLang } from "./i18n.ts";

/**
 * The stack gate's own pages (STACK_SSO), rendered on the server (src/http/routes/stack-gate.ts):
 * shown on a stack's host instead of OpenCode, so they are self-contained (no portal scripts
 * or styles) and in the browser's language. The texts are the page's catalogs (`app.title`,
 * `gate.*`), so a language added there is a language of these pages too.
 */

export type GatePage = "forbidden" | "ticket_invalid" | "unavailable";

const TEXT: Record<GatePage, Key> = {
  forbidden: "gate.forbidden",
  ticket_invalid: "gate.ticket_invalid",
  unavailable: "gate.unavailable",
};

/** The first of the page's languages the browser asks for (by quality), else English. */
export function gateLang(acceptLanguage: string | undefined): Lang {
  const wanted = (acceptLanguage ?? "")
    .split(",")
    .map((part, i) => {
      const [tag = "", q] = part.trim().split(";q=");
      return { lang: tag.toLowerCase().split("-")[0] ?? "", q: q === undefined ? 1 : Number(q), i };
    })
    .filter((w) => w.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const w of wanted) if (isLang(w.lang)) return w.lang;
  return "en";
}

export function gatePage(page: GatePage, acceptLanguage: string | undefined, portalUrl: string): string {
  const lang = gateLang(acceptLanguage);
  const t = CATALOGS[lang];
  const title = t["app.title"];
  return `<!doctype html>
<html lang="${lang}" dir="${dir(lang)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1b1f24}a{color:#0b57d0}</style></head>
<body><main><h1>${escapeHtml(title)}</h1><p data-gate="${page}">${escapeHtml(t[TEXT[page]])}</p><p><a href="${escapeHtml(portalUrl)}/">${escapeHtml(t["gate.back"])}</a></p></main></body></html>
`;
}
