import type { Context } from "hono";
import type { AppEnv } from "./env.ts";
import { problem } from "./problem.ts";

/** `?limit=&before=` of a keyset-paged list: whole decimal numbers, or a 400 naming the parameter. */
export function pageQuery(
  c: Context<AppEnv>,
  opts: { defaultLimit: number; maxLimit: number },
): { ok: true; limit: number; before?: number } | { ok: false; response: Response } {
  const limit = c.req.query("limit");
  const before = c.req.query("before");
  const bad = (message: string) => ({ ok: false as const, response: problem(c, 400, "invalid_request", message) });
  if (limit !== undefined && (!/^\d{1,7}$/.test(limit) || Number(limit) < 1 || Number(limit) > opts.maxLimit))
    return bad(`limit must be a whole number from 1 to ${opts.maxLimit}`);
  if (before !== undefined && (!/^\d{1,15}$/.test(before) || Number(before) < 1)) return bad("before must be the id of a listed item");
  return { ok: true, limit: limit === undefined ? opts.defaultLimit : Number(limit), before: before === undefined ? undefined : Number(before) };
}
