import type { z } from "zod";

/** Turning a response body into a typed value: JSON, then the zod schema of what we read. */
export type ParseResult<T> = { ok: true; data: T } | { ok: false; problem: string };

export interface ResponseParser<T> {
  parse(text: string): ParseResult<T> | Promise<ParseResult<T>>;
}

export function parseWith<S extends z.ZodType>(schema: S, text: string): ParseResult<z.output<S>> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, problem: "response is not JSON" };
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return { ok: true, data: parsed.data };
  const fields = [...new Set(parsed.error.issues.map((i) => i.path.join(".") || "(root)"))].slice(0, 5).join(", ");
  return { ok: false, problem: `unexpected response shape (${fields})` };
}

/** Parses on the calling thread: right for the small answers of most procedures. */
export function inline<S extends z.ZodType>(schema: S): ResponseParser<z.output<S>> {
  return { parse: (text) => parseWith(schema, text) };
}
