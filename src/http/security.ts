import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
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

/** Hono's secureHeaders with the options below, as fixed name/value pairs (kebab-case CSP). */
function cspValue(policy: Record<string, string[]>): string {
  return Object.entries(policy)
    .map(([directive, values]) => [directive.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`), ...values].join(" "))
    .join("; ");
}

export const SECURITY_HEADERS: readonly (readonly [string, string])[] = [
  ["Cross-Origin-Resource-Policy", "same-origin"],
  ["Cross-Origin-Opener-Policy", "same-origin"],
  ["Origin-Agent-Cluster", "?1"],
  ["Referrer-Policy", "no-referrer"],
  ["X-Content-Type-Options", "nosniff"],
  ["X-DNS-Prefetch-Control", "off"],
  ["X-Download-Options", "noopen"],
  ["X-Frame-Options", "DENY"],
  ["X-Permitted-Cross-Domain-Policies", "none"],
  ["X-XSS-Protection", "0"],
  ["Content-Security-Policy", cspValue(CONTENT_SECURITY_POLICY)],
];

const HSTS = "max-age=31536000; includeSubDomains";

export function securityMiddleware(opts: { corsOrigins: string[]; trustProxy: boolean }): MiddlewareHandler<AppEnv>[] {
  const list: MiddlewareHandler<AppEnv>[] = [
    // One frame for every response header (values computed once, set over whatever the
    // handler set); HSTS only when the request really came over https.
    async (c, next) => {
      await next();
      const headers = c.res.headers;
      for (const [name, value] of SECURITY_HEADERS) headers.set(name, value);
      headers.delete("X-Powered-By");
      const proto = opts.trustProxy ? (c.req.header("x-forwarded-proto") ?? "") : "";
      if (c.req.url.startsWith("https:") || proto.split(",")[0]?.trim() === "https") headers.set("Strict-Transport-Security", HSTS);
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
