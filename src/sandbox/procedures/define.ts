// A procedure as the tRPC OpenAPI adapter sees it: GET for queries, POST for
// mutations, an optional zod input, and a handler that may throw ProcError
// (a TRPCError) or a plain Error (500 with its message).
import type { z } from "zod";
import type { SandboxContext } from "../context.ts";

export interface Procedure {
  /** Canonical `<router>.<procedure>`; data.path in errors. */
  path: string;
  type: "query" | "mutation";
  /** null for procedures without input (query string and body are ignored). */
  input: z.ZodType | null;
  /** `signal`: the request's, aborted when the caller hangs up. */
  handler: (ctx: SandboxContext, input: unknown, signal?: AbortSignal) => unknown;
}

export function query<S extends z.ZodType>(path: string, input: S, handler: (ctx: SandboxContext, input: z.output<S>) => unknown): Procedure {
  return { path, type: "query", input, handler: handler as Procedure["handler"] };
}

export function mutation<S extends z.ZodType>(
  path: string,
  input: S,
  handler: (ctx: SandboxContext, input: z.output<S>, signal?: AbortSignal) => unknown,
): Procedure {
  return { path, type: "mutation", input, handler: handler as Procedure["handler"] };
}

export function queryNoInput(path: string, handler: (ctx: SandboxContext) => unknown): Procedure {
  return { path, type: "query", input: null, handler: (ctx) => handler(ctx) };
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
