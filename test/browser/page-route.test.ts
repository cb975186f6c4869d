import { describe, expect, test } from "bun:test";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { negotiate } from "../../src/http/precompressed.ts";
import { CONTENT_SECURITY_POLICY, pageAssets, pageRoutes } from "../../src/http/routes/page.ts";
import { CATALOGS } from "./support.ts";

/** How the page is served: built once, same origin, strict CSP. No browser needed. */

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

describe("page routes", () => {
  test("GET / is the page, with the strict Content-Security-Policy", async () => {
    const res = await pageRoutes({ mode: "dokploy" }).request("/");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(res.headers.get("content-security-policy")).toBe(CSP);
    expect(CONTENT_SECURITY_POLICY).toBe(CSP);
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("cache-control")).toBe("no-cache");
    const html = await res.text();
    expect(html).toContain("<title>AI Stack Deployer</title>");
    expect(html).toContain('data-mode="dokploy"');
    // Readable before the script runs: English is filled in on the server.
    expect(html).toContain('data-i18n="deploy.button">Deploy</button>');
    // The way into the admin view is there, quietly, in the footer.
    expect(html).toContain('<a id="admin-link" href="#admin" data-i18n="admin.link">Admin</a>');
    const { version } = await pageAssets();
    expect(html).toContain(`src="/assets/app.js?v=${version}"`);
    expect(html).toContain(`href="/assets/styles.css?v=${version}"`);
  });

  test("the sandbox badge is switched on in sandbox mode", async () => {
    const html = await (await pageRoutes({ mode: "sandbox" }).request("/")).text();
    expect(html).toContain('<html lang="en" dir="ltr" data-mode="sandbox">');
  });

  test("the script and the stylesheet, with their content types; versioned ones are cached for good", async () => {
    const app = pageRoutes({ mode: "dokploy" });
    const { version } = await pageAssets();
    const js = await app.request(`/assets/app.js?v=${version}`);
    expect(js.status).toBe(200);
    expect(js.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(js.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    const body = await js.text();
    expect(body.length).toBeGreaterThan(1000);
    expect(body).not.toContain("import "); // bundled: no package imports left
    // What it still imports is the page's own chunks (split by Bun.build), never a package.
    for (const [, from] of body.matchAll(/from\s*"([^"]+)"/g)) expect(from).toStartWith("./");
    const stale = await app.request("/assets/app.js?v=old");
    expect(stale.headers.get("cache-control")).toBe("no-cache");
    const css = await app.request("/assets/styles.css");
    expect(css.status).toBe(200);
    expect(css.headers.get("content-type")).toBe("text/css; charset=utf-8");
    expect(await css.text()).toContain("margin-inline-start");
  });

  test("the bundle is built once per process", async () => {
    expect(pageAssets()).toBe(pageAssets());
    const a = await pageAssets();
    await pageRoutes({ mode: "dokploy" }).request("/assets/app.js");
    expect(await pageAssets()).toBe(a);
  });
});

describe("compressed and cacheable", () => {
  const app = pageRoutes({ mode: "dokploy" });
  const paths = ["/", "/assets/app.js", "/assets/styles.css"];

  test("brotli where the browser takes it, else gzip, else as is; the same bytes once decoded", async () => {
    for (const path of paths) {
      const plain = await app.request(path);
      expect(plain.headers.get("content-encoding")).toBeNull();
      expect(plain.headers.get("vary")).toBe("Accept-Encoding");
      const original = new Uint8Array(await plain.arrayBuffer());

      const br = await app.request(path, { headers: { "accept-encoding": "gzip, deflate, br, zstd" } });
      expect(br.headers.get("content-encoding")).toBe("br");
      const brBytes = new Uint8Array(await br.arrayBuffer());
      expect(brBytes.byteLength).toBeLessThan(original.byteLength / 2);
      expect(new Uint8Array(brotliDecompressSync(brBytes))).toEqual(original);

      const gz = await app.request(path, { headers: { "accept-encoding": "gzip;q=1, br;q=0" } });
      expect(gz.headers.get("content-encoding")).toBe("gzip");
      expect(new Uint8Array(gunzipSync(new Uint8Array(await gz.arrayBuffer())))).toEqual(original);

      const refused = await app.request(path, { headers: { "accept-encoding": "*;q=0, identity" } });
      expect(refused.headers.get("content-encoding")).toBeNull();
    }
  });

  test("a repeat load of the page is a 304 per encoding; versioned assets stay immutable", async () => {
    const first = await app.request("/", { headers: { "accept-encoding": "br" } });
    const etag = first.headers.get("etag");
    expect(etag).toMatch(/^".+-br"$/);
    const again = await app.request("/", { headers: { "accept-encoding": "br", "if-none-match": etag ?? "" } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
    // The ETag of another encoding does not match: the body differs.
    const gz = await app.request("/", { headers: { "accept-encoding": "gzip", "if-none-match": etag ?? "" } });
    expect(gz.status).toBe(200);
    const { version } = await pageAssets();
    const js = await app.request(`/assets/app.js?v=${version}`, { headers: { "accept-encoding": "br" } });
    expect(js.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
  });

  test("Accept-Encoding is read by its q-values", () => {
    expect(negotiate(undefined)).toBe("identity");
    expect(negotiate("gzip, br")).toBe("br");
    expect(negotiate("br;q=0.5, gzip")).toBe("gzip");
    expect(negotiate("*")).toBe("br");
    expect(negotiate("*;q=0")).toBe("identity");
    expect(negotiate("deflate")).toBe("identity");
    expect(negotiate("BR;Q=0.9")).toBe("br");
    expect(negotiate("br;q=abc, gzip;q=0.1")).toBe("gzip");
  });
});

describe("split into chunks", () => {
  const app = pageRoutes({ mode: "dokploy" });
  // As served: chunks/<name>-<hash>.js, whether imported from app.js (./chunks/…) or from a chunk (./…).
  const imported = (js: string, re: RegExp) => [...js.matchAll(re)].map((m) => `chunks/${m[1]!}`);

  test("the chunks app.js imports are preloaded beside it; the admin view and the catalogs but English are fetched when needed", async () => {
    const html = await (await app.request("/")).text();
    const { version, chunks } = await pageAssets();
    const js = await (await app.request(`/assets/app.js?v=${version}`)).text();
    const statics = imported(js, /\bfrom\s*"\.\/(?:chunks\/)?([\w.-]+\.js)"/g);
    for (const name of statics) expect(html).toContain(`<link rel="modulepreload" href="/assets/${name}">`);
    // The first load: app.js and what it imports.
    const first = [js, ...(await Promise.all(statics.map(async (name) => (await app.request(`/assets/${name}`)).text())))].join("");
    const dynamic = imported(first, /\bimport\("\.\/(?:chunks\/)?([\w.-]+\.js)"\)/g);
    expect(dynamic.map((name) => name.slice("chunks/".length).split("-")[0]).sort()).toEqual(["admin", "ar", "nl"]);
    expect([...chunks.keys()].sort()).toEqual([...new Set([...statics, ...dynamic])].sort());
    expect(first).not.toContain("admin-panel");
    expect(first).toContain(JSON.stringify(CATALOGS.en["app.tagline"]).slice(1, -1));
    for (const lang of ["nl", "ar"] as const) {
      const tagline = JSON.stringify(CATALOGS[lang]["app.tagline"]).slice(1, -1);
      expect(first).not.toContain(tagline);
      const chunk = dynamic.find((name) => name.startsWith(`chunks/${lang}-`))!;
      expect(await (await app.request(`/assets/${chunk}`)).text()).toContain(tagline);
    }
    // The picker's options come with the page, each language by its own name.
    expect(html).toContain(
      '<option value="en" lang="en" dir="ltr">English</option><option value="nl" lang="nl" dir="ltr">Nederlands</option><option value="ar" lang="ar" dir="rtl">',
    );
  });

  test("each chunk: script, cached for good (its name is its content's hash), compressed; an unknown one is a 404", async () => {
    const { chunks } = await pageAssets();
    expect(chunks.size).toBeGreaterThan(0);
    for (const name of chunks.keys()) {
      const plain = await app.request(`/assets/${name}`);
      expect(plain.status).toBe(200);
      expect(plain.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
      expect(plain.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
      expect(plain.headers.get("x-content-type-options")).toBe("nosniff");
      const original = new Uint8Array(await plain.arrayBuffer());
      const br = await app.request(`/assets/${name}`, { headers: { "accept-encoding": "br" } });
      expect(br.headers.get("content-encoding")).toBe("br");
      expect(new Uint8Array(brotliDecompressSync(new Uint8Array(await br.arrayBuffer())))).toEqual(original);
      const gz = await app.request(`/assets/${name}`, { headers: { "accept-encoding": "gzip" } });
      expect(gz.headers.get("content-encoding")).toBe("gzip");
      expect(new Uint8Array(gunzipSync(new Uint8Array(await gz.arrayBuffer())))).toEqual(original);
      const etag = br.headers.get("etag") ?? "";
      expect((await app.request(`/assets/${name}`, { headers: { "accept-encoding": "br", "if-none-match": etag } })).status).toBe(304);
    }
    expect((await app.request("/assets/chunks/admin-00000000.js")).status).toBe(404);
  });
});
