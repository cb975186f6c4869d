import type { z } from "zod";
import { DokployError, sanitiseMessage } from "./errors.ts";
import { errorBody } from "./schemas.ts";
import type { ResponseParser } from "./parse.ts";

/**
 * One HTTP exchange with Dokploy's REST surface, in its exact wire format (docs/dokploy.md §1):
 * `GET /api/<proc>?k=v` for queries, `POST /api/<proc>` with a JSON body for mutations,
 * `x-api-key` for auth. Turns every failure into a DokployError.
 */

export type Method = "GET" | "POST";
export type Input = Record<string, unknown>;

export interface TransportOptions {
  baseUrl: string;
  apiKey: string;
  fetch?: typeof fetch;
}

export function buildRequest(baseUrl: string, apiKey: string, method: Method, procedure: string, input?: Input): Request {
  const url = new URL(`${baseUrl}/api/${procedure}`);
  const headers: Record<string, string> = { "x-api-key": apiKey, accept: "application/json" };
  if (method === "GET") {
    for (const [key, value] of Object.entries(input ?? {})) {
      if (value === undefined || value === null) continue;
      for (const v of Array.isArray(value) ? value : [value]) url.searchParams.append(key, String(v));
    }
    return new Request(url, { method, headers });
  }
  headers["content-type"] = "application/json";
  return new Request(url, { method, headers, body: JSON.stringify(input ?? {}) });
}

export async function exchange<T>(
  opts: TransportOptions,
  method: Method,
  procedure: string,
  input: Input | undefined,
  parser: ResponseParser<T> | null,
  signal: AbortSignal,
): Promise<T> {
  const request = buildRequest(opts.baseUrl, opts.apiKey, method, procedure, input);
  let res: Response;
  try {
    res = await (opts.fetch ?? fetch)(request, { signal });
  } catch (err) {
    if (signal.aborted) throw err;
    const detail = err instanceof Error ? ((err as { code?: string }).code ?? err.name) : "error";
    throw new DokployError(procedure, "unavailable", `cannot reach Dokploy (${detail})`);
  }
  const text = await res.text().catch(() => {
    throw new DokployError(procedure, "unavailable", "connection lost while reading the response", res.status);
  });
  if (!res.ok) throw errorFrom(procedure, res.status, text);
  // deploy and redeploy answer 200 with an empty body (docs/dokploy.md §1.3).
  if (parser === null) return undefined as T;
  const parsed = await parser.parse(text);
  if (!parsed.ok) throw new DokployError(procedure, "unavailable", parsed.problem, res.status);
  return parsed.data;
}

function errorFrom(procedure: string, status: number, text: string): DokployError {
  let body: z.infer<typeof errorBody> = {};
  try {
    const parsed = errorBody.safeParse(JSON.parse(text));
    if (parsed.success) body = parsed.data;
  } catch {
    // Not JSON (e.g. a proxy's HTML page or Next's plain "Invalid JSON"): status alone decides.
  }
  const code = body.code ?? body.data?.code;
  const message = sanitiseMessage(body.message ?? `HTTP ${status}`);
  // The outer auth wrapper's 401 has no code; tRPC's 401 (permission) has one.
  if (status === 401 && code === undefined) return new DokployError(procedure, "unauthorized", "Dokploy rejected the API key", status);
  if (status === 404) return new DokployError(procedure, "not_found", message, status, code);
  // application.readLogs says "no container" with a 500 (a plain Error): an answer, not an outage.
  if (status === 500 && /^No container or service found/.test(message)) return new DokployError(procedure, "not_found", message, status, code);
  if (status >= 500 || status === 408 || status === 429) return new DokployError(procedure, "unavailable", message, status, code);
  return new DokployError(procedure, "rejected", message, status, code);
}
