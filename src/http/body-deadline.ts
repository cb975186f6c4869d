import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./env.ts";
import { problem } from "./problem.ts";
import { MAX_BODY_BYTES } from "./security.ts";

export interface BodyDeadlineOptions {
  /** The whole body must arrive within this time (BODY_TIMEOUT). */
  timeoutMs: number;
  /** Requests still sending a body at once, per client and in all. */
  perClient: number;
  total: number;
}

/**
 * Slow bodies hold a connection and a handler each: a client sending one byte every few
 * seconds would otherwise be dropped only when Bun's idle timeout fires. The body is read
 * here, whole and at most MAX_BODY_BYTES, within a total deadline (408 `request_timeout`),
 * and only so many requests may be sending at once (429/503 `too_many_uploads`). Handlers
 * then read the buffered body.
 */
export function bodyDeadline(opts: BodyDeadlineOptions): MiddlewareHandler<AppEnv> {
  const sending = new Map<string, number>();
  let total = 0;
  return async (c, next) => {
    const body = c.req.raw.body;
    if (!body) return next();
    const client = c.get("client");
    const mine = sending.get(client) ?? 0;
    if (mine >= opts.perClient || total >= opts.total) {
      const status = mine >= opts.perClient ? 429 : 503;
      return problem(c, status, "too_many_uploads", "Too many requests are still sending their body; try again shortly", {
        "Retry-After": String(Math.ceil(opts.timeoutMs / 1000)),
        Connection: "close",
      });
    }
    sending.set(client, mine + 1);
    total++;
    const reader = body.getReader();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<"expired">((resolve) => {
      timer = setTimeout(() => resolve("expired"), opts.timeoutMs);
    });
    const chunks: Uint8Array[] = [];
    let size = 0;
    let outcome: "ok" | "expired" | "too_large" = "ok";
    try {
      for (;;) {
        const read = await Promise.race([reader.read(), expired]);
        if (read === "expired") {
          outcome = "expired";
          break;
        }
        if (read.done) break;
        size += read.value.length;
        if (size > MAX_BODY_BYTES) {
          outcome = "too_large";
          break;
        }
        chunks.push(read.value);
      }
    } finally {
      clearTimeout(timer);
      const left = (sending.get(client) ?? 1) - 1;
      if (left > 0) sending.set(client, left);
      else sending.delete(client);
      total--;
    }
    if (outcome !== "ok") {
      reader.cancel().catch(() => undefined);
      return outcome === "expired"
        ? problem(c, 408, "request_timeout", `The request body must arrive within ${Math.round(opts.timeoutMs / 1000)} s`, { Connection: "close" })
        : problem(c, 413, "payload_too_large", `The body may be at most ${MAX_BODY_BYTES} bytes`, { Connection: "close" });
    }
    c.req.raw = new Request(c.req.raw, { body: Buffer.concat(chunks) });
    return next();
  };
}
