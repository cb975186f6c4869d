import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { secureHeaders } from "hono/secure-headers";
import type { AppEnv } from "./env.ts";
import { problem } from "./problem.ts";

/** The page loads nothing from elsewhere and runs no inline script, so this policy holds. */
export const CONTENT_SECURITY_POLICY = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", "data:"],
  connectSrc: ["'self'"],
  fontSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

export const MAX_BODY_BYTES = 16 * 1024;

export function securityMiddleware(opts: { corsOrigins: string[]; trustProxy: boolean }): MiddlewareHandler<AppEnv>[] {
  const list: MiddlewareHandler<AppEnv>[] = [
    secureHeaders({
      contentSecurityPolicy: CONTENT_SECURITY_POLICY,
      referrerPolicy: "no-referrer",
      xFrameOptions: "DENY",
      // Set below, only when the request really came over https.
      strictTransportSecurity: false,
      crossOriginResourcePolicy: "same-origin",
    }),
    async (c, next) => {
      await next();
      const proto = opts.trustProxy ? (c.req.header("x-forwarded-proto") ?? "") : "";
      if (c.req.url.startsWith("https:") || proto.split(",")[0]?.trim() === "https")
        c.header("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
    },
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) => problem(c, 413, "payload_too_large", `The body may be at most ${MAX_BODY_BYTES} bytes`),
    }),
  ];
  // No CORS at all unless origins are configured: the page is same-origin.
  if (opts.corsOrigins.length > 0)
    list.push(
      cors({
        origin: opts.corsOrigins,
        allowMethods: ["GET", "POST", "DELETE"],
        allowHeaders: ["Content-Type", "Authorization", "Idempotency-Key", "Last-Event-ID"],
        exposeHeaders: ["X-Request-Id", "Retry-After", "Location"],
        maxAge: 600,
      }),
    );
  return list;
}
