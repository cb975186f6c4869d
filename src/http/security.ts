import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";
import type { AppEnv } from "./env.ts";

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

/**
 * The security headers with a JSON content type, built once. In Bun 1.4 a response made with
 * a copy of a ready Headers costs about as much as one with a single header, while setting
 * the eleven one by one on a finished response costs about 15 µs more per request
 * (docs/performance.md, section 1): the name check, asked on every keystroke, answers this way.
 */
const SECURED_JSON = new Headers([...SECURITY_HEADERS.map(([name, value]): [string, string] => [name, value]), ["Content-Type", "application/json"]]);
const secured = new WeakSet<Response>();

/**
 * A JSON answer that already carries every security header, so the middleware below leaves
 * it as it is. Headers a middleware sets on the finished response (X-Request-Id, HSTS, the
 * rate limit's) still apply; Hono copies it into a new response, with them, only if some
 * middleware had already asked for the response before the handler ran (CORS).
 */
export function securedJson(body: unknown, status = 200): Response {
  const res = new Response(JSON.stringify(body), { status, headers: new Headers(SECURED_JSON) });
  secured.add(res);
  return res;
}

export function securityMiddleware(opts: { corsOrigins: string[]; trustProxy: boolean }): MiddlewareHandler<AppEnv>[] {
  const list: MiddlewareHandler<AppEnv>[] = [
    // One frame for every response header (values computed once, set over whatever the
    // handler set); HSTS only when the request really came over https.
    async (c, next) => {
      await next();
      const headers = c.res.headers;
      if (!secured.has(c.res)) {
        for (const [name, value] of SECURITY_HEADERS) headers.set(name, value);
        headers.delete("X-Powered-By");
      }
      const proto = opts.trustProxy ? (c.req.header("x-forwarded-proto") ?? "") : "";
      if (c.req.url.startsWith("https:") || proto.split(",")[0]?.trim() === "https") headers.set("Strict-Transport-Security", HSTS);
    },
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
