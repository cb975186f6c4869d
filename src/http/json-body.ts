import type { Context } from "hono";
import type { z } from "zod";
import { problem } from "./problem.ts";

/** Reads a JSON body: 415 for another content type, 400 for bad JSON or a body of the wrong shape. */
export async function readJson<S extends z.ZodType>(
  c: Context,
  schema: S,
): Promise<{ ok: true; value: z.output<S> } | { ok: false; response: Response }> {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/json\b/i.test(type))
    return { ok: false, response: problem(c, 415, "unsupported_media_type", "Send the body as application/json") };
  let json: unknown;
  try {
    json = await c.req.json();
  } catch {
    return { ok: false, response: problem(c, 400, "invalid_json", "The body is not valid JSON") };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const where = first?.path.length ? `${first.path.join(".")}: ` : "";
    // A field's own rule may name a more telling code (an image reference: invalid_image).
    const params = first?.code === "custom" ? (first.params as { code?: unknown } | undefined) : undefined;
    const code = typeof params?.code === "string" ? params.code : "invalid_request";
    return { ok: false, response: problem(c, 400, code, `${where}${first?.message ?? "invalid body"}`) };
  }
  return { ok: true, value: parsed.data };
}
