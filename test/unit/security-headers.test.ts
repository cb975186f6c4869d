import { describe, expect, test } from "bun:test";
import { type Context, Hono } from "hono";
import { secureHeaders } from "hono/secure-headers";
import { CONTENT_SECURITY_POLICY, securedJson, securityMiddleware } from "../../src/http/security.ts";

/** The portal's own header middleware must send what Hono's secureHeaders sent with the portal's options. */
async function headersOf(app: Hono, url: string, init?: RequestInit): Promise<[string, string][]> {
  app.get("/", (c) => c.json({ ok: true }));
  app.get("/raw", () => new Response("raw", { headers: { "X-Powered-By": "something" } }));
  return [...(await app.fetch(new Request(url, init))).headers].sort();
}

describe("security headers", () => {
  for (const path of ["/", "/raw"])
    test(`the same as hono's secureHeaders with the portal's options (${path})`, async () => {
      const reference = new Hono();
      reference.use(
        secureHeaders({
          contentSecurityPolicy: CONTENT_SECURITY_POLICY,
          referrerPolicy: "no-referrer",
          xFrameOptions: "DENY",
          strictTransportSecurity: false,
          crossOriginResourcePolicy: "same-origin",
        }),
      );
      const ours = new Hono();
      for (const m of securityMiddleware({ corsOrigins: [], trustProxy: false })) ours.use(m);
      const url = `http://127.0.0.1${path}`;
      expect(await headersOf(ours, url)).toEqual(await headersOf(reference, url));
    });

  test("an answer built with securedJson carries the same headers as one from c.json, HSTS included", async () => {
    const headersFor = async (answer: (c: Context) => Response, url: string, init?: RequestInit) => {
      const app = new Hono();
      for (const m of securityMiddleware({ corsOrigins: [], trustProxy: true })) app.use(m);
      app.get("/", answer);
      return [...(await app.fetch(new Request(url, init))).headers].sort();
    };
    for (const init of [undefined, { headers: { "x-forwarded-proto": "https" } }]) {
      const viaHono = await headersFor((c) => c.json({ ok: true }), "http://127.0.0.1/", init);
      expect(await headersFor(() => securedJson({ ok: true }), "http://127.0.0.1/", init)).toEqual(viaHono);
      expect(viaHono.length).toBeGreaterThanOrEqual(12);
    }
  });

  test("HSTS only over https (or a trusted proxy's https)", async () => {
    const plain = new Hono();
    for (const m of securityMiddleware({ corsOrigins: [], trustProxy: false })) plain.use(m);
    expect(new Map(await headersOf(plain, "http://127.0.0.1/", { headers: { "x-forwarded-proto": "https" } })).has("strict-transport-security")).toBe(
      false,
    );
    const proxied = new Hono();
    for (const m of securityMiddleware({ corsOrigins: [], trustProxy: true })) proxied.use(m);
    expect(
      new Map(await headersOf(proxied, "http://127.0.0.1/", { headers: { "x-forwarded-proto": "https" } })).get("strict-transport-security"),
    ).toBe("max-age=31536000; includeSubDomains");
  });
});
