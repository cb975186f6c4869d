import { clientOf } from "./client-address.ts";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "./env.ts";
import { problem } from "./problem.ts";
import { MAX_BODY_BYTES } from "./security.ts";

export interface BodyDeadlineOptions {
  /** The whole body must arrive within this time (BODY_TIMEOUT). */
  timeoutMs: number;
  /** Requests still sending their body after `slowMs`, at most, per client and in all. */
  perClient: number;
  total: number;
  slowMs?: number;
}

/**
 * Slow bodies hold a connection and a handler each: a client sending one byte every few
 * seconds would otherwise be dropped only when Bun's idle timeout fires. The body is read
 * here, whole and at most MAX_BODY_BYTES, within a total deadline (408 `request_timeout`).
 * A body still arriving after `slowMs` counts as a slow upload, and only so many may be
 * under way per client and in all (429/503 `too_many_uploads`); ordinary bodies arrive at
 * once and never count, however many come together. Handlers then read the buffered body.
 */
export function bodyDeadline(opts: BodyDeadlineOptions): MiddlewareHandler<AppEnv> {
  const slowMs = opts.slowMs ?? 1_000;
  const slow = new Map<string, number>();
  let slowTotal = 0;
  const crowded = (client: string) => ((slow.get(client) ?? 0) >= opts.perClient ? 429 : slowTotal >= opts.total ? 503 : null);

  return async (c, next) => {
    const body = c.req.raw.body;
    if (!body) return next();
    const client = clientOf(c);
    const tooMany = (status: 429 | 503) =>
      problem(c, status, "too_many_uploads", "Too many requests are still sending their body; try again shortly", {
        "Retry-After": String(Math.ceil(opts.timeoutMs / 1000)),
        Connection: "close",
      });
    const full = crowded(client);
    if (full) {
      body.cancel().catch(() => undefined);
      return tooMany(full);
    }

    let counted = false;
    let stop: (why: "expired" | 429 | 503) => void = () => {};
    const interrupted = new Promise<"expired" | 429 | 503>((resolve) => (stop = resolve));
    const deadline = setTimeout(() => stop("expired"), opts.timeoutMs);
    const slowTimer = setTimeout(() => {
      const over = crowded(client);
      if (over) return stop(over);
      counted = true;
      slow.set(client, (slow.get(client) ?? 0) + 1);
      slowTotal++;
    }, slowMs);

    const reader = body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    let outcome: "ok" | "expired" | "too_large" | 429 | 503 = "ok";
    try {
      for (;;) {
        const read = await Promise.race([reader.read(), interrupted]);
        if (typeof read !== "object") {
          outcome = read;
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
      clearTimeout(deadline);
      clearTimeout(slowTimer);
      if (counted) {
        const left = (slow.get(client) ?? 1) - 1;
        if (left > 0) slow.set(client, left);
        else slow.delete(client);
        slowTotal--;
      }
    }
    if (outcome === "ok") {
      c.req.raw = new Request(c.req.raw, { body: Buffer.concat(chunks) });
      return next();
    }
    reader.cancel().catch(() => undefined);
    if (outcome === "expired")
      return problem(c, 408, "request_timeout", `The request body must arrive within ${Math.round(opts.timeoutMs / 1000)} s`, {
        Connection: "close",
      });
    if (outcome === "too_large")
      return problem(c, 413, "payload_too_large", `The body may be at most ${MAX_BODY_BYTES} bytes`, { Connection: "close" });
    return tooMany(outcome);
  };
}
