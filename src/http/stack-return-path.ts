/** The path on a stack's host where the portal's one-time ticket arrives (never reaches OpenCode). */
export const TICKET_PATH = "/.portal-sso";
const MAX_RETURN = 2000;

/** A path as a person's link may carry it: `/` first (not `//` or `/\`), printable ASCII, no backslash anywhere. */
const PLAIN_PATH = /^\/(?![/\\])[\x21-\x5b\x5d-\x7e]*$/;

/**
 * Where the stack gate may send a browser back to on the stack: `wanted` if it is a path
 * that, resolved against the stack's origin as a browser would, stays on that origin, else
 * the stack's root. Control characters are refused outright: a tab or newline is dropped by
 * browsers (so `/\t/evil.example` reads as `//evil.example`) and CR/LF cannot be a header.
 */
export function stackReturnPath(wanted: string | undefined, origin: string): string {
  if (!wanted || wanted.length > MAX_RETURN || !PLAIN_PATH.test(wanted)) return "/";
  let resolved: URL;
  try {
    resolved = new URL(wanted, origin);
  } catch {
    return "/";
  }
  const path = `${resolved.pathname}${resolved.search}${resolved.hash}`;
  // Dot segments can fold a path into `//host`: what is sent is what was checked.
  if (resolved.origin !== origin || !PLAIN_PATH.test(path) || new URL(path, origin).origin !== origin) return "/";
  if (resolved.pathname.toLowerCase().startsWith(TICKET_PATH)) return "/";
  return path;
}
