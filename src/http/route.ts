import type { Context, Handler } from "hono";
import type { z } from "zod";
import type { AppEnv } from "./env.ts";
import type { SchemaName } from "./openapi/components.ts";

/**
 * One route of the portal's API, described once beside its handler: app.ts registers it with
 * its budget and guard, and the OpenAPI document (openapi/document.ts) is built from the same
 * definitions. Answers name their schema (a component of the document) instead of importing
 * it, so that the response schemas still load only with the document (cold start).
 */

/**
 * Who may call: anyone; anyone, with more shown to the owner (`optional`); the stack's owner
 * (management token, ADMIN_TOKEN, or with AUTH_MODE=oidc its signed-in owner or an OIDC admin);
 * an admin (app.ts guards these); anyone in open mode and a signed-in person with
 * AUTH_MODE=oidc (`signed-in`); a signed-in person who also shows the stack's management token
 * (`claim`); METRICS_TOKEN if set.
 */
export type Access = "public" | "optional" | "owner" | "admin" | "signed-in" | "claim" | "metrics";

/** The per-client budgets (RATE_LIMIT_*) a route can spend; routes naming one share it. */
export type Budget = "check" | "deploy" | "delete" | "operations";

export interface RouteLimit {
  budget: Budget;
  /** Only answers this accepts use up the budget (accepted deploys). */
  counts?: (c: Context<AppEnv>) => boolean;
  /** What the budget counts, for its 429's message, given the limit in words ("3 per 10 min"). */
  what?: (limit: string) => string;
  /** A counted answer's use can be given back when its deployment (named by `Location`) fails through the platform. */
  refundable?: boolean;
}

export interface Answer {
  description: string;
  /** JSON body; absent for answers without one. */
  schema?: SchemaName;
  /** Another content type, e.g. text/event-stream (its body is then a string). */
  contentType?: string;
  /** Error answers: the stable codes (`{"error": {"code"}}`). */
  codes?: readonly string[];
  headers?: Record<string, string>;
  /** text/event-stream: each event's name and the schema of its JSON `data`. */
  events?: Record<string, SchemaName>;
}

export interface Param {
  description: string;
  schema: z.ZodType;
}

export interface Route<D, P extends string = string> {
  method: "get" | "post" | "delete";
  /**
   * Hono's syntax (/api/stacks/:name); a trailing `/*` is the one entry of `params` the path
   * does not name. Spelled out, not /:operation: a parameter beside other routes' fixed
   * segments makes Hono fall back from its RegExpRouter to the slower TrieRouter for every request.
   */
  path: P;
  tag: "public" | "owner" | "admin" | "auth";
  access: Access;
  /** The per-client budget the route spends (app.ts exempts the admin token). */
  limit?: RouteLimit;
  summary: string;
  description?: string;
  params?: Record<string, Param>;
  query?: Record<string, Param>;
  headers?: Record<string, Param>;
  body?: z.ZodType;
  /** The body is optional (a bare POST). */
  bodyOptional?: boolean;
  answers: Record<number, Answer>;
  /** The handler for these dependencies; null where the configuration leaves the route out (sign-in in open mode). */
  handler: (deps: D) => Handler<AppEnv, P> | null;
}

/** Any route, whatever its handler needs (what the document reads). */
export type AnyRoute = Route<never>;

/** A route, its path's parameters typed for the handler. */
export const route = <D, P extends string>(definition: Route<D, P>): Route<D> => definition;
