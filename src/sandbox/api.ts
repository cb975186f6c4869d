// The /api/* surface as Next.js + pages/api/[...trpc].ts + @dokploy/trpc-openapi
// answer it (docs/dokploy.md §1). Order of checks, as in the real stack:
//   (sandbox faults and latency) -> Next body parser (413 / "Invalid JSON")
//   -> outer x-api-key check (bare 401) -> route lookup (404, no data.path)
//   -> POST content type (415) -> zod input (400) -> procedure.
import type { SandboxContext } from "./context.ts";
import {
  codeForStatus,
  jsonResponse,
  ProcError,
  textResponse,
  toProcError,
  trpcErrorBody,
  trpcErrorResponse,
  unauthorizedResponse,
} from "./errors.ts";
import type { Fault } from "./faults.ts";
import { findProcedure, type Procedure } from "./procedures/index.ts";
import { dropConnection, type HangRegistry, type ServerLike } from "./transport.ts";

/** Next's default API body size limit. */
const BODY_LIMIT_BYTES = 1024 * 1024;

export interface ApiStats {
  calls: Record<string, number>;
  inFlight: number;
  maxInFlight: number;
}

export interface ApiDeps {
  ctx: SandboxContext;
  apiKey: string;
  stats: ApiStats;
  hangs: HangRegistry;
}

export async function handleApi(deps: ApiDeps, req: Request, url: URL, server?: ServerLike): Promise<Response> {
  const { stats } = deps;
  stats.inFlight += 1;
  stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
  const started = Date.now();
  const routePath = url.pathname.slice("/api".length).replace(/^\/+|\/+$/g, "");
  const procedure = findProcedure(routePath);
  const callKey = procedure?.path ?? routePath.toLowerCase();
  stats.calls[callKey] = (stats.calls[callKey] ?? 0) + 1;
  let status = 0;
  try {
    const res = await dispatch(deps, req, url, routePath, procedure, server);
    status = res.status;
    return res;
  } finally {
    stats.inFlight -= 1;
    deps.ctx.log("sandbox api", { method: req.method, path: callKey, status, ms: Date.now() - started });
  }
}

async function dispatch(
  deps: ApiDeps,
  req: Request,
  url: URL,
  routePath: string,
  procedure: Procedure | undefined,
  server?: ServerLike,
): Promise<Response> {
  const { ctx } = deps;
  const raw = new Uint8Array(await req.arrayBuffer());
  const rawText = new TextDecoder().decode(raw);

  const plan = ctx.faults.planRequest(procedure?.path ?? routePath, rawText, url.search);
  const delay = ctx.settings.latencyMs + plan.extraLatencyMs;
  if (delay > 0) await Bun.sleep(delay);
  if (plan.terminal) {
    ctx.log("sandbox fault fired", { id: plan.terminal.id, kind: plan.terminal.kind, path: procedure?.path ?? routePath });
    return applyFault(deps, plan.terminal, req, procedure, server);
  }

  // Next.js parses the body before any page code runs, so these come before auth.
  if (raw.byteLength > BODY_LIMIT_BYTES) return textResponse(413, "Body exceeded 1mb limit");
  const contentType = req.headers.get("content-type");
  const mediaType = contentType?.split(";")[0]?.trim().toLowerCase();
  let body: unknown = rawText;
  if (mediaType === "application/json" || mediaType === "application/ld+json") {
    if (rawText.length === 0) body = {};
    else {
      try {
        body = JSON.parse(rawText);
      } catch {
        return textResponse(400, "Invalid JSON");
      }
    }
  }

  // Plain pages next to the catch-all: no API key.
  if (routePath === "health") return jsonResponse(200, { ok: true });
  if (routePath === "trpc/settings.health" && req.method === "GET") {
    return jsonResponse(200, { result: { data: { json: { status: "ok" } } } });
  }

  // validateRequest: only x-api-key counts (Bearer is never read); no key means no session.
  const key = req.headers.get("x-api-key");
  if (!key || key !== deps.apiKey) return unauthorizedResponse();

  // No procedure answers HEAD; the adapter treats a HEAD it cannot route as a warm-up ping.
  if (req.method === "HEAD") return new Response(null, { status: 204 });
  if (!procedure || !matchesMethod(procedure, req.method)) {
    return trpcErrorResponse(new ProcError("NOT_FOUND", "Not found"));
  }

  const isPost = procedure.type === "mutation";
  if (isPost && !contentType?.startsWith("application/json")) {
    const message = contentType ? `Unsupported content-type "${contentType}` : "Missing content-type header";
    return trpcErrorResponse(new ProcError("UNSUPPORTED_MEDIA_TYPE", message), procedure.path);
  }

  let input: unknown;
  if (procedure.input) {
    const rawInput = isPost ? Object.assign({}, body) : queryInput(url);
    const parsed = procedure.input.safeParse(rawInput);
    if (!parsed.success) {
      return jsonResponse(400, trpcErrorBody("BAD_REQUEST", "Input validation failed", procedure.path, parsed.error));
    }
    input = parsed.data;
  }

  // Dokploy's own work on the call, a few at a time (capacity.ts).
  await ctx.capacity.serve();
  let result: unknown;
  try {
    result = await procedure.handler(ctx, input, req.signal);
  } catch (err) {
    return trpcErrorResponse(toProcError(err), procedure.path);
  }
  // A procedure that returns undefined gives a 200 with an empty body (deploy, redeploy).
  if (result === undefined) return new Response(null, { status: 200, headers: { "Content-Type": "application/json" } });
  return jsonResponse(200, result);
}

function matchesMethod(procedure: Procedure | undefined, method: string): boolean {
  if (!procedure) return false;
  return procedure.type === "query" ? method === "GET" : method === "POST";
}

/** getQuery: one key per field; a repeated key becomes an array. */
function queryInput(url: URL): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const key of new Set(url.searchParams.keys())) {
    const values = url.searchParams.getAll(key);
    out[key] = values.length === 1 ? (values[0] ?? "") : values;
  }
  return out;
}

function applyFault(deps: ApiDeps, fault: Fault, req: Request, procedure: Procedure | undefined, server?: ServerLike): Response | Promise<Response> {
  switch (fault.kind) {
    case "drop":
      return dropConnection();
    case "hang":
      return deps.hangs.hang(req, server);
    case "status": {
      const status = fault.status ?? 500;
      if (status === 401 && fault.authShape) return unauthorizedResponse();
      if (fault.plain) return textResponse(status, fault.message ?? STATUS_TEXT[status] ?? "Error");
      const code = codeForStatus(status);
      const body = trpcErrorBody(code, fault.message ?? code, procedure?.path);
      body.data.httpStatus = status;
      return jsonResponse(status, body);
    }
    default:
      // planRequest only ever returns request faults.
      throw new Error(`sandbox: ${fault.kind} is not a request fault`);
  }
}

const STATUS_TEXT: Record<number, string> = {
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};
