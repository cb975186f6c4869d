// Traefik's global middleware file (/etc/dokploy/traefik/dynamic/middlewares.yml) and the
// middlewares a domain's router lists, as Traefik v3 applies them. Only forwardAuth does
// anything here; the other kinds pass the request on (the sandbox has no entry points or TLS).
import { textResponse } from "./errors.ts";

/** What Dokploy writes at install (createDefaultMiddlewares, `yaml` stringify). */
export const DEFAULT_MIDDLEWARE_FILE =
  "http:\n  middlewares:\n    redirect-to-https:\n      redirectScheme:\n        scheme: https\n        permanent: true\n";

interface ForwardAuth {
  address: string;
  trustForwardHeader?: boolean;
  authResponseHeaders?: string[];
  addAuthCookiesToResponse?: string[];
}

type Definitions = Record<string, { forwardAuth?: ForwardAuth } & Record<string, unknown>>;

/** The file's middlewares; null when it does not parse (Traefik then keeps none of them). */
export function middlewareDefinitions(file: string | null): Definitions | null {
  if (file === null) return {};
  try {
    const parsed = Bun.YAML.parse(file) as { http?: { middlewares?: Definitions } } | null;
    return parsed?.http?.middlewares ?? {};
  } catch {
    return null;
  }
}

/** Hop-by-hop headers Traefik removes before asking the auth server. */
const HOP = ["connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade"];

/**
 * Runs the router's middlewares in order, then `next` with the request as changed by them.
 * A name Traefik cannot resolve disables the router: 404, as when no router matches.
 */
export async function applyMiddlewares(
  req: Request,
  names: readonly string[],
  file: string | null,
  next: (req: Request, extraCookies: string[]) => Promise<Response>,
): Promise<Response> {
  if (names.length === 0) return next(req, []);
  const defs = middlewareDefinitions(file);
  let current = req;
  const cookies: string[] = [];
  for (const raw of names) {
    const name = raw.replace(/@file$/, "");
    const def = defs?.[name];
    if (!def) return textResponse(404, "404 page not found\n");
    if (!def.forwardAuth) continue;
    const outcome = await forwardAuth(current, def.forwardAuth);
    if (outcome instanceof Response) return outcome;
    current = outcome.req;
    cookies.push(...outcome.cookies);
  }
  const res = await next(current, cookies);
  if (cookies.length === 0) return res;
  const headers = new Headers(res.headers);
  for (const c of cookies) headers.append("set-cookie", c);
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
}

async function forwardAuth(req: Request, fa: ForwardAuth): Promise<Response | { req: Request; cookies: string[] }> {
  const url = new URL(req.url);
  const headers = new Headers(req.headers);
  for (const h of HOP) headers.delete(h);
  // trustForwardHeader off (the default): Traefik's own X-Forwarded-* replace the client's.
  if (!fa.trustForwardHeader) for (const h of [...headers.keys()]) if (h.startsWith("x-forwarded-")) headers.delete(h);
  headers.set("x-forwarded-method", req.method);
  headers.set("x-forwarded-proto", url.protocol.replace(":", ""));
  headers.set("x-forwarded-host", req.headers.get("host") ?? url.host);
  headers.set("x-forwarded-uri", `${url.pathname}${url.search}`);
  headers.set("x-forwarded-for", "127.0.0.1");
  headers.delete("host");
  headers.delete("content-length");
  let answer: Response;
  try {
    answer = await fetch(fa.address, { method: "GET", headers, redirect: "manual" });
  } catch {
    return textResponse(500, "Internal Server Error");
  }
  if (answer.status < 200 || answer.status > 299) {
    // Any other answer goes back to the client as it is: status, headers (Set-Cookie too), body.
    const out = new Headers(answer.headers);
    out.delete("content-encoding");
    out.delete("content-length");
    return new Response(await answer.arrayBuffer(), { status: answer.status, headers: out });
  }
  await answer.arrayBuffer();
  const forwarded = new Headers(req.headers);
  for (const name of fa.authResponseHeaders ?? []) {
    // Traefik removes the client's value first, so only the auth server's can arrive.
    forwarded.delete(name);
    const value = answer.headers.get(name);
    if (value !== null) forwarded.set(name, value);
  }
  const wanted = new Set(fa.addAuthCookiesToResponse ?? []);
  const cookies = answer.headers.getSetCookie().filter((c) => wanted.has(c.slice(0, c.indexOf("=")).trim()));
  const body = req.method === "GET" || req.method === "HEAD" ? undefined : await req.arrayBuffer();
  return { req: new Request(req.url, { method: req.method, headers: forwarded, body, redirect: "manual" }), cookies };
}
