import { Hono } from "hono";
import type { AppEnv } from "../env.ts";
import { openApiJson } from "../openapi/document.ts";

/** GET /api/openapi.json: the API described (src/http/openapi/), for automation and clients. */
export function openApiRoutes(opts: { version: string }) {
  return new Hono<AppEnv>().get("/api/openapi.json", (c) =>
    c.body(openApiJson(opts.version), 200, { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-cache" }),
  );
}
