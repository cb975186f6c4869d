import { Hono } from "hono";
import type { AppEnv } from "../env.ts";

/** GET /api/openapi.json: the API described (src/http/openapi/), for automation and clients. */
export function openApiRoutes(opts: { version: string }) {
  return new Hono<AppEnv>().get("/api/openapi.json", async (c) => {
    // Loaded at the first request, not at start (cold start): the document's route table and the
    // response schemas only it uses take ~30 ms to import. The JSON text is then cached (document.ts).
    const { openApiJson } = await import("../openapi/document.ts");
    return c.body(openApiJson(opts.version), 200, { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-cache" });
  });
}
