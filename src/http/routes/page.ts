import { createHash } from "node:crypto";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Context, Hono } from "hono";
import type { AppEnv } from "../env.ts";
import { CATALOGS, escapeHtml, langOptions } from "../../../web/catalogs.ts";
import { type Precompressed, precompress, serve } from "../precompressed.ts";
import { problem } from "../problem.ts";

/**
 * The page: `web/index.html`, with `web/app.ts` bundled by Bun for the browser and
 * `web/styles.css`, built once per process on the first request and kept in memory.
 * The bundle is split: what a dynamic `import()` in web/ reaches (the admin view, the
 * catalogs other than English) is a chunk of its own, `/assets/chunks/<name>-<hash>.js`, fetched
 * only when needed; the code the entry and those chunks share is a chunk too, which
 * index.html preloads beside app.js.
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
  html: Record<"dokploy" | "sandbox", Precompressed>;
  js: Precompressed;
  /** The other chunks by file name (content-hashed, so cached for good). */
  chunks: Map<string, Precompressed>;
  css: Precompressed;
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
    splitting: true,
    // Chunks in a folder of their own: a parameter beside /assets/app.js would cost the RegExpRouter.
    naming: { entry: "[name].[ext]", chunk: "chunks/[name]-[hash].[ext]" },
  });
  const output = result.outputs.find((o) => o.kind === "entry-point");
  if (!result.success || !output) {
    throw new Error(`building web/app.ts failed: ${result.logs.map((l) => l.message).join("; ")}`);
  }
  const js = await output.text();
  const chunkTexts = new Map<string, string>();
  for (const chunk of result.outputs.filter((o) => o.kind === "chunk")) chunkTexts.set(`chunks/${basename(chunk.path)}`, await chunk.text());
  const css = await buildCss();
  const hash = createHash("sha256").update(js).update(css);
  for (const [name, text] of chunkTexts) hash.update(name).update(text);
  const version = hash.digest("hex").slice(0, 12);
  // The chunks app.js imports statically are fetched beside it, not after it.
  const preloads = [...js.matchAll(/\bfrom\s*"\.\/(chunks\/[\w.-]+\.js)"/g)].map((m) => m[1]).filter((name) => name && chunkTexts.has(name));
  const source = (await Bun.file(join(WEB_DIR, "index.html")).text())
    .replace('href="/assets/styles.css"', `href="/assets/styles.css?v=${version}"`)
    .replace(/( *)<script type="module" src="\/assets\/app.js"><\/script>/, (_whole, indent: string) =>
      [
        ...preloads.map((name) => `${indent}<link rel="modulepreload" href="/assets/${name}">`),
        `${indent}<script type="module" src="/assets/app.js?v=${version}"></script>`,
      ].join("\n"),
    );
  const html = prefill(source, CATALOGS.en).replace('<select id="lang-select"></select>', `<select id="lang-select">${langOptions()}</select>`);
  return {
    html: {
      dokploy: precompress(html, `${version}-d`),
      sandbox: precompress(html.replace('data-mode="dokploy"', 'data-mode="sandbox"'), `${version}-s`),
    },
    js: precompress(js, version),
    chunks: new Map([...chunkTexts].map(([name, text]) => [name, precompress(text, name)])),
    css: precompress(css, version),
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

const COMMON_HEADERS = {
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
};

export function pageRoutes(opts: { mode: "dokploy" | "sandbox" }) {
  const app = new Hono<AppEnv>();

  const withAssets = (pick: (assets: Assets) => { body: Precompressed; headers: Record<string, string> }) => async (c: Context<AppEnv>) => {
    let assets: Assets;
    try {
      assets = await pageAssets();
    } catch (err) {
      c.get("log")?.error({ err: err instanceof Error ? err.message : String(err) }, "the page could not be built");
      return problem(c, 500, "internal", "The page could not be built; see the portal log");
    }
    const { body, headers } = pick(assets);
    // A versioned URL never changes; an unversioned one (or an old version) is revalidated.
    const cache = c.req.path === "/" || c.req.query("v") !== assets.version ? "no-cache" : "public, max-age=31536000, immutable";
    const request = { acceptEncoding: c.req.header("accept-encoding"), ifNoneMatch: c.req.header("if-none-match") };
    return serve(body, request, { ...COMMON_HEADERS, ...headers, "Cache-Control": cache });
  };

  return app
    .get(
      "/",
      withAssets((assets) => ({
        body: assets.html[opts.mode],
        headers: {
          "Content-Type": "text/html; charset=utf-8",
          "Content-Security-Policy": CONTENT_SECURITY_POLICY,
          "X-Frame-Options": "DENY",
        },
      })),
    )
    .get(
      "/assets/app.js",
      withAssets((assets) => ({ body: assets.js, headers: { "Content-Type": "text/javascript; charset=utf-8" } })),
    )
    .get("/assets/chunks/:chunk{[\\w-]+\\.js}", async (c) => {
      // A chunk's name carries its content's hash: the same name is the same bytes for good.
      let assets: Assets;
      try {
        assets = await pageAssets();
      } catch {
        return problem(c, 500, "internal", "The page could not be built; see the portal log");
      }
      const body = assets.chunks.get(`chunks/${c.req.param("chunk")}`);
      if (!body) return problem(c, 404, "not_found", "There is nothing at this address");
      const request = { acceptEncoding: c.req.header("accept-encoding"), ifNoneMatch: c.req.header("if-none-match") };
      return serve(body, request, {
        ...COMMON_HEADERS,
        "Content-Type": "text/javascript; charset=utf-8",
        "Cache-Control": "public, max-age=31536000, immutable",
      });
    })
    .get(
      "/assets/styles.css",
      withAssets((assets) => ({ body: assets.css, headers: { "Content-Type": "text/css; charset=utf-8" } })),
    );
}
