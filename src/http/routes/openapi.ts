import { route } from "../route.ts";

/** GET /api/openapi.json: the API described (src/http/openapi/), for automation and clients. */
export const OPENAPI_ROUTES = [
  route({
    method: "get",
    path: "/api/openapi.json",
    tag: "public",
    access: "public",
    summary: "This document",
    answers: { 200: { description: "OpenAPI 3.1", schema: "OpenApiDocument" } },
    handler: (deps: { version: string }) => async (c) => {
      // Loaded at the first request, not at start (cold start): the response schemas only the
      // document uses take ~30 ms to import. The JSON text is then cached (document.ts).
      const { openApiJson } = await import("../openapi/document.ts");
      return c.body(openApiJson(deps.version), 200, { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-cache" });
    },
  }),
];
