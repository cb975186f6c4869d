// The two error shapes of docs/dokploy.md §1.4: the outer wrapper's bare 401 and the
// tRPC OpenAPI adapter's {message, code, data:{...}, issues?} (production mode,
// so no data.stack).
import { z } from "zod";

export const TRPC_HTTP_STATUS = {
  PARSE_ERROR: 400,
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  PAYMENT_REQUIRED: 402,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_SUPPORTED: 405,
  TIMEOUT: 408,
  CONFLICT: 409,
  PRECONDITION_FAILED: 412,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNPROCESSABLE_CONTENT: 422,
  PRECONDITION_REQUIRED: 428,
  TOO_MANY_REQUESTS: 429,
  CLIENT_CLOSED_REQUEST: 499,
  INTERNAL_SERVER_ERROR: 500,
  NOT_IMPLEMENTED: 501,
  BAD_GATEWAY: 502,
  SERVICE_UNAVAILABLE: 503,
  GATEWAY_TIMEOUT: 504,
} as const;

export type TrpcCode = keyof typeof TRPC_HTTP_STATUS;

/** The code key tRPC would use for an HTTP status, for injected faults. */
export function codeForStatus(status: number): TrpcCode {
  for (const [code, s] of Object.entries(TRPC_HTTP_STATUS)) if (s === status) return code as TrpcCode;
  return "INTERNAL_SERVER_ERROR";
}

/** A TRPCError thrown by a procedure. A plain Error becomes INTERNAL_SERVER_ERROR with its own message. */
export class ProcError extends Error {
  constructor(
    readonly code: TrpcCode,
    message?: string,
  ) {
    // tRPC uses the code itself as the message when none is given.
    super(message ?? code);
    this.name = "TRPCError";
  }
}

export function toProcError(err: unknown): ProcError {
  if (err instanceof ProcError) return err;
  if (err instanceof Error) return new ProcError("INTERNAL_SERVER_ERROR", err.message);
  return new ProcError("INTERNAL_SERVER_ERROR", String(err));
}

export interface TrpcErrorBody {
  message: string;
  code: TrpcCode;
  data: { code: TrpcCode; httpStatus: number; path?: string; zodError: unknown };
  issues?: unknown[];
}

/** data.path is absent when no procedure matched (unknown route / wrong method). */
export function trpcErrorBody(code: TrpcCode, message: string, path?: string, zod?: z.ZodError): TrpcErrorBody {
  const httpStatus = TRPC_HTTP_STATUS[code];
  // tRPC's key order: code, httpStatus, path, then Dokploy's formatter adds zodError.
  const data: TrpcErrorBody["data"] = path === undefined ? { code, httpStatus, zodError: null } : { code, httpStatus, path, zodError: null };
  if (zod) {
    data.zodError = z.flattenError(zod);
    return { message: "Input validation failed", code, data, issues: zod.issues };
  }
  return { message, code, data };
}

export function jsonResponse(status: number, body: unknown, contentType = "application/json"): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": contentType } });
}

export function trpcErrorResponse(err: ProcError, path?: string): Response {
  return jsonResponse(TRPC_HTTP_STATUS[err.code], trpcErrorBody(err.code, err.message, path));
}

/** `res.status(401).json({message:"Unauthorized"})` in pages/api/[...trpc].ts: no code, Next's charset. */
export function unauthorizedResponse(): Response {
  return jsonResponse(401, { message: "Unauthorized" }, "application/json; charset=utf-8");
}

export function textResponse(status: number, text: string, headers: Record<string, string> = {}): Response {
  return new Response(text, { status, headers: { "Content-Type": "text/plain; charset=utf-8", ...headers } });
}
