import { z } from "zod";
import { API_ROUTES } from "../routes/index.ts";
import type { Access, Answer, AnyRoute, Param } from "../route.ts";
import { rateLimited } from "../answers.ts";
import { NAMED, type SchemaName } from "./components.ts";

/**
 * The portal's OpenAPI 3.1 document, generated from the zod schemas the routes use
 * (z.toJSONSchema, JSON Schema 2020-12, the dialect of OpenAPI 3.1). Each named schema is
 * one entry of components/schemas and is referred to wherever it occurs. The routes are the
 * app's own definitions (src/http/routes/), in the document's order.
 */

const SECURITY: Record<Access, Record<string, string[]>[] | undefined> = {
  public: undefined,
  // `{}`: also without credentials.
  optional: [{}, { bearer: [] }, { session: [] }],
  owner: [{ bearer: [] }, { session: [] }],
  admin: [{ bearer: [] }, { session: [] }],
  "signed-in": [{}, { session: [] }],
  claim: [{ bearer: [], session: [] }],
  metrics: [{}, { bearer: [] }],
};

type Json = Record<string, unknown>;

/** Whoever can show a bearer token can be out of failed sign-ins (RATE_LIMIT_AUTH, one guard for the whole API): 429. */
const TAKES_BEARER: ReadonlySet<Access> = new Set(["optional", "owner", "admin", "claim", "metrics"]);

/** The OpenAPI path of a Hono path: `:name` is `{name}`; a trailing `*` is the one parameter the path does not name. */
function template(route: AnyRoute): string {
  const path = route.path.replace(/:(\w+)/g, "{$1}");
  if (!path.endsWith("/*")) return path;
  const rest = Object.keys(route.params ?? {}).find((name) => !path.includes(`{${name}}`));
  if (!rest) throw new Error(`${route.path}: a trailing * needs its parameter in params`);
  return `${path.slice(0, -1)}{${rest}}`;
}

/** A JSON Schema without the keywords that only make sense at a document's top. */
function bare(schema: Json): Json {
  const { $schema: _s, $id: _i, ...rest } = schema;
  return rest;
}

export function buildOpenApiDocument(opts: { version: string }): Json {
  const registry = z.registry<{ id: string }>();
  for (const [name, schema] of Object.entries(NAMED)) registry.add(schema, { id: name });
  const generated = z.toJSONSchema(registry, { target: "draft-2020-12", io: "output", uri: (id) => `#/components/schemas/${id}` }) as {
    schemas: Record<string, Json>;
  };
  const schemas = Object.fromEntries(Object.entries(generated.schemas).map(([name, s]) => [name, bare(s)]));
  const ref = (name: SchemaName): Json => ({ $ref: `#/components/schemas/${name}` });

  const answer = (a: Answer): Json => {
    const headers = a.headers
      ? { headers: Object.fromEntries(Object.entries(a.headers).map(([h, d]) => [h, { description: d, schema: { type: "string" } }])) }
      : {};
    if (a.codes) {
      const schema = { allOf: [ref("Error"), { properties: { error: { properties: { code: { enum: [...a.codes] } } } } }] };
      return {
        description: `${a.description}. Codes: ${a.codes.map((c) => `\`${c}\``).join(", ")}`,
        ...headers,
        content: { "application/json": { schema } },
      };
    }
    if (a.contentType) {
      const events = a.events ? { "x-events": Object.fromEntries(Object.entries(a.events).map(([e, s]) => [e, ref(s)])) } : {};
      return { description: a.description, ...headers, content: { [a.contentType]: { schema: { type: "string" }, ...events } } };
    }
    if (a.schema) return { description: a.description, ...headers, content: { "application/json": { schema: ref(a.schema) } } };
    return { description: a.description, ...headers };
  };

  const parameters = (route: AnyRoute): Json[] => {
    const list: Json[] = [];
    const add = (where: "path" | "query" | "header", params: Record<string, Param> | undefined) => {
      for (const [name, p] of Object.entries(params ?? {}))
        list.push({
          name,
          in: where,
          required: where === "path",
          description: p.description,
          schema: bare(z.toJSONSchema(p.schema, { target: "draft-2020-12", io: "input" }) as Json),
        });
    };
    add("path", route.params);
    add("query", route.query);
    add("header", route.headers);
    return list;
  };

  const paths: Record<string, Record<string, Json>> = {};
  for (const route of API_ROUTES) {
    const path = template(route);
    const answers = TAKES_BEARER.has(route.access) && !route.answers[429] ? { ...route.answers, 429: rateLimited } : route.answers;
    const operation: Json = {
      operationId: `${route.method}${path.replace(/[{}]/g, "").replace(/[^A-Za-z0-9]+(.)?/g, (_m, ch: string | undefined) => (ch ?? "").toUpperCase())}`,
      tags: [route.tag],
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      ...(SECURITY[route.access] ? { security: SECURITY[route.access] } : {}),
    };
    const params = parameters(route);
    if (params.length) operation.parameters = params;
    if (route.body)
      operation.requestBody = {
        required: !route.bodyOptional,
        content: { "application/json": { schema: bare(z.toJSONSchema(route.body, { target: "draft-2020-12", io: "input" }) as Json) } },
      };
    operation.responses = {
      ...Object.fromEntries(Object.entries(answers).map(([status, a]) => [status, answer(a)])),
      default: answer({ description: "Any other error (405 method_not_allowed, 500 internal)", schema: "Error" }),
    };
    paths[path] = { ...paths[path], [route.method]: operation };
  }

  return {
    openapi: "3.1.0",
    info: {
      title: "AI Stack Deployer",
      version: opts.version,
      description:
        'Deploys personal OpenCode stacks through Dokploy. Errors are always `{"error": {"code", "message"}}` with a stable code ' +
        "(docs/operations.md explains each). Every answer carries X-Request-Id.",
    },
    tags: [
      { name: "public", description: "Anyone (some answers say more to the stack's owner)" },
      {
        name: "owner",
        description: "The stack's owner: its management token, ADMIN_TOKEN, or with AUTH_MODE=oidc its signed-in owner or an OIDC admin",
      },
      { name: "admin", description: "ADMIN_TOKEN, or a person signed in through one of OIDC_ADMIN_GROUPS" },
      { name: "auth", description: "Sign-in (AUTH_MODE=oidc)" },
    ],
    paths,
    components: {
      schemas,
      securitySchemes: {
        bearer: {
          type: "http",
          scheme: "bearer",
          description: "A stack's management token (handed out once by POST /api/deploy), ADMIN_TOKEN, or METRICS_TOKEN for /metrics",
        },
        session: {
          type: "apiKey",
          in: "cookie",
          name: "asd-session",
          description:
            "AUTH_MODE=oidc: the session cookie set at /auth/callback (`__Host-asd-session` when PUBLIC_URL is https). Changes sent with it must come from the portal's own page (403 cross_site_request)",
        },
      },
    },
  };
}

let cached: string | null = null;

/** The document as JSON text, built once per process. */
export function openApiJson(version: string): string {
  cached ??= JSON.stringify(buildOpenApiDocument({ version }));
  return cached;
}
