/**
 * The portal's two cookies: the session, and the login attempt that lives from "Sign in"
 * until the provider sends the person back. Both are host-only, HttpOnly, SameSite=Lax and
 * Path=/. Behind https they are `__Host-` cookies with Secure. On plain http (allowed only
 * for localhost and loopback addresses, i.e. a developer's machine) a browser would drop a
 * `__Host-` or Secure cookie, so there they go without the prefix and without Secure.
 */

export interface CookieNames {
  session: string;
  login: string;
  secure: boolean;
}

export function cookieNames(publicUrl: string): CookieNames {
  const secure = publicUrl.startsWith("https:");
  const prefix = secure ? "__Host-" : "";
  return { session: `${prefix}asd-session`, login: `${prefix}asd-login`, secure };
}

/** A Set-Cookie value; `maxAgeSeconds` 0 removes the cookie. */
export function cookieHeader(name: string, value: string, secure: boolean, maxAgeSeconds: number): string {
  const parts = [`${name}=${value}`, "Path=/", `Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`, "HttpOnly", "SameSite=Lax"];
  if (secure) parts.push("Secure");
  return parts.join("; ");
}

/** One cookie's value from a Cookie header (cookie values here are base64url: no quoting). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || undefined;
  }
  return undefined;
}
