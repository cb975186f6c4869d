import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "./env.ts";
import { problem } from "./problem.ts";

/** `?limit=`: a whole decimal number from 1 to `max` (also the OpenAPI document's). */
export const pageLimitParam = (max: number) =>
  z
    .string()
    .regex(/^\d{1,7}$/)
    .transform(Number)
    .pipe(z.number().int().min(1).max(max));
/** `?before=`: the id of a listed item. */
export const pageBeforeParam = z
  .string()
  .regex(/^\d{1,15}$/)
  .transform(Number)
  .pipe(z.number().int().min(1));

/** `?limit=&before=` of a keyset-paged list: whole decimal numbers, or a 400 naming the parameter. */
export function pageQuery(
  c: Context<AppEnv>,
  opts: { defaultLimit: number; maxLimit: number },
): { ok: true; limit: number; before?: number } | { ok: false; response: Response } {
  const limit = c.req.query("limit");
  const before = c.req.query("before");
  const bad = (message: string) => ({ ok: false as const, response: problem(c, 400, "invalid_request", message) });
  const parsedLimit = limit === undefined ? { success: true as const, data: opts.defaultLimit } : pageLimitParam(opts.maxLimit).safeParse(limit);
  if (!parsedLimit.success) return bad(`limit must be a whole number from 1 to ${opts.maxLimit}`);
  const parsedBefore = before === undefined ? { success: true as const, data: undefined } : pageBeforeParam.safeParse(before);
  if (!parsedBefore.success) return bad("before must be the id of a listed item");
  return { ok: true, limit: parsedLimit.data, before: parsedBefore.data };
}
