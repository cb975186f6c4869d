import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import { readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Validates a request against the request schema of Dokploy's own OpenAPI document
 * (dokploy-v0.30.2.openapi.json beside this file). Top-level objects are made strict, so a misspelt or
 * renamed field fails here even though Dokploy would silently strip it (docs/dokploy.md §1.2).
 */

/** Dokploy v0.30.2's own document, cut to the routers we use (see README.md beside this file). */
export const DOC_PATH = join(import.meta.dir, "dokploy-v0.30.2.openapi.json");
/** What that document leaves out of the same version, from its source (see README.md). */
const SUPPLEMENT_PATH = join(import.meta.dir, "dokploy-v0.30.2.supplement.json");
type Paths = Record<string, Record<string, Operation>>;
const doc = JSON.parse(readFileSync(DOC_PATH, "utf8")) as { paths: Paths };
for (const [path, operations] of Object.entries((JSON.parse(readFileSync(SUPPLEMENT_PATH, "utf8")) as { paths: Paths }).paths))
  doc.paths[path] = { ...doc.paths[path], ...operations };

interface Operation {
  parameters?: { in: string; name: string; required?: boolean; schema: object }[];
  requestBody?: { required?: boolean; content: Record<string, { schema: Record<string, unknown> }> };
}

const ajv = new Ajv2020({ strict: false, allErrors: true, coerceTypes: false });
addFormats(ajv);
const queryAjv = new Ajv2020({ strict: false, allErrors: true, coerceTypes: true });
addFormats(queryAjv);

export interface RecordedRequest {
  method: string;
  procedure: string;
  query: Record<string, string>;
  body: unknown;
  contentType: string | null;
  apiKey: string | null;
}

export function operationFor(method: string, procedure: string): Operation | undefined {
  return doc.paths[`/${procedure}`]?.[method.toLowerCase()];
}

/** Returns the list of problems; empty means the request matches Dokploy's schema. */
export function validateRequest(req: RecordedRequest): string[] {
  const op = operationFor(req.method, req.procedure);
  if (!op) return [`${req.method} /api/${req.procedure} is not in openapi.json`];
  if (req.method === "POST") {
    const schema = op.requestBody?.content["application/json"]?.schema;
    if (!schema) return [`${req.procedure} has no JSON request body in the document`];
    if (!req.contentType?.startsWith("application/json")) return ["POST without application/json content type"];
    const validate = ajv.compile({ ...schema, additionalProperties: false });
    return validate(req.body) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || "(body)"} ${e.message} ${JSON.stringify(e.params)}`);
  }
  const params = op.parameters ?? [];
  const schema = {
    type: "object",
    properties: Object.fromEntries(params.filter((p) => p.in === "query").map((p) => [p.name, p.schema])),
    required: params.filter((p) => p.in === "query" && p.required).map((p) => p.name),
    additionalProperties: false,
  };
  const validate = queryAjv.compile(schema);
  const query = { ...req.query };
  return validate(query) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || "(query)"} ${e.message} ${JSON.stringify(e.params)}`);
}

/** A fetch that records what the client sends, then passes it on to the real server. */
export function recordingFetch(log: RecordedRequest[]): typeof fetch {
  const wrapped = async (input: Request | string | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const text = request.method === "POST" ? await request.clone().text() : "";
    log.push({
      method: request.method,
      procedure: url.pathname.replace(/^\/api\//, ""),
      query: Object.fromEntries(url.searchParams),
      body: text ? JSON.parse(text) : undefined,
      contentType: request.headers.get("content-type"),
      apiKey: request.headers.get("x-api-key"),
    });
    return fetch(request, init?.signal ? { signal: init.signal } : undefined);
  };
  return wrapped as typeof fetch;
}
