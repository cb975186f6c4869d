import { createHash } from "node:crypto";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Context, Hono } from "hono";
import type { AppEnv } from "../env.ts";
import { problem } from "../problem.ts";

/**
 * The page: `web/index.html`, with `web/app.ts` bundled by Bun for the browser and
 * `web/styles.css`, built once per process on the first request and kept in memory.
 * Everything is same-origin, so a strict Content-Security-Policy holds (no inline script
 * or style, no external request of any kind).
 */

export const WEB_DIR = fileURLToPath(new URL("../../../web/", import.meta.url));

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

interface Assets {
  /** index.html per mode (the sandbox one carries the badge switch). */
  html: Record<"dokploy" | "sandbox", string>;
  js: string;
  css: string;
  version: string;
}

let building: Promise<Assets> | null = null;

/** Builds the page once; a failed build is retried on the next request. */
export function pageAssets(): Promise<Assets> {
  building ??= buildAssets().catch((err) => {
    building = null;
    throw err;
  });
  return building;
}

async function buildAssets(): Promise<Assets> {
  const result = await Bun.build({
    entrypoints: [join(WEB_DIR, "app.ts")],
    target: "browser",
    format: "esm",
    minify: true,
    sourcemap: "none",
  });
  const output = result.outputs.find((o) => o.kind === "entry-point");
  if (!result.success || !output) {
    throw new Error(`building web/app.ts failed: ${result.logs.map((l) => l.message).join("; ")}`);
  }
  const js = await output.text();
  const css = await buildCss();
  const version = createHash("sha256").update(js).update(css).digest("hex").slice(0, 12);
  const english = (await Bun.file(join(WEB_DIR, "locales/en.json")).json()) as Record<string, string>;
  const source = (await Bun.file(join(WEB_DIR, "index.html")).text())
    .replace('href="/assets/styles.css"', `href="/assets/styles.css?v=${version}"`)
    .replace('src="/assets/app.js"', `src="/assets/app.js?v=${version}"`);
  const html = prefill(source, english);
  return {
    html: { dokploy: html, sandbox: html.replace('data-mode="dokploy"', 'data-mode="sandbox"') },
    js,
    css,
    version,
  };
}

/**
 * The stylesheet as written, comments dropped. (Bun's CSS bundler would lower the logical
 * properties to left/right rules keyed on :lang(), which is exactly what we avoid.)
 */
async function buildCss(): Promise<string> {
  const css = await Bun.file(join(WEB_DIR, "styles.css")).text();
  const stripped = css
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/\n{2,}/g, "\n")
    .trim();
  return `${stripped}\n`;
}

/**
 * Fills the empty `data-i18n` elements with the English text, so the page reads well before
 * the script runs (which then switches to the person's language).
 */
function prefill(html: string, messages: Record<string, string>): string {
  return html.replace(/(<([a-z][a-z0-9]*)\b[^>]*\bdata-i18n="([^"]+)"[^>]*>)(<\/\2>)/g, (whole, open, _tag, key, close) => {
    const text = messages[key];
    return text === undefined ? whole : `${open}${escapeHtml(text)}${close}`;
  });
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

const COMMON_HEADERS = {
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
};

export function pageRoutes(opts: { mode: "dokploy" | "sandbox" }) {
  const app = new Hono<AppEnv>();

  const withAssets = (serve: (assets: Assets, fresh: boolean) => Response) => async (c: Context<AppEnv>) => {
    let assets: Assets;
    try {
      assets = await pageAssets();
    } catch (err) {
      c.get("log")?.error({ err: err instanceof Error ? err.message : String(err) }, "the page could not be built");
      return problem(c, 500, "internal", "The page could not be built; see the portal log");
    }
    return serve(assets, c.req.query("v") === assets.version);
  };

  const assetCache = (fresh: boolean) => (fresh ? "public, max-age=31536000, immutable" : "no-cache");

  return app
    .get(
      "/",
      withAssets(
        (assets) =>
          new Response(assets.html[opts.mode], {
            headers: {
              ...COMMON_HEADERS,
              "Content-Type": "text/html; charset=utf-8",
              "Content-Security-Policy": CONTENT_SECURITY_POLICY,
              "X-Frame-Options": "DENY",
              "Cache-Control": "no-cache",
            },
          }),
      ),
    )
    .get(
      "/assets/app.js",
      withAssets(
        (assets, fresh) =>
          new Response(assets.js, {
            headers: { ...COMMON_HEADERS, "Content-Type": "text/javascript; charset=utf-8", "Cache-Control": assetCache(fresh) },
          }),
      ),
    )
    .get(
      "/assets/styles.css",
      withAssets(
        (assets, fresh) =>
          new Response(assets.css, {
            headers: { ...COMMON_HEADERS, "Content-Type": "text/css; charset=utf-8", "Cache-Control": assetCache(fresh) },
          }),
      ),
    );
}
