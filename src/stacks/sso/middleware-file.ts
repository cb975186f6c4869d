/**
 * The portal's forwardAuth middleware inside Traefik's global middlewares.yml, edited as text:
 * the file belongs to the Dokploy admin, so everything outside the portal's marked block stays
 * byte for byte, and removing the block gives back exactly the file it was added to.
 */

export const SSO_MIDDLEWARE = "ai-stack-sso";
const BEGIN = "# ai-stack-deployer: stack sign-in (STACK_SSO), written by the portal; do not edit";
const END = "# ai-stack-deployer: end of stack sign-in";
/** The per-stack cookie's names (https: `__Host-`, plain http on loopback: without). */
export const STACK_COOKIE_NAMES = ["__Host-asd-stack", "asd-stack"] as const;

export class MiddlewareFileError extends Error {}

const indentOf = (line: string) => line.length - line.trimStart().length;
const meaningful = (line: string) => line.trim() !== "" && !line.trimStart().startsWith("#");

/** The file without the portal's block (unchanged when it has none). */
export function withoutSsoMiddleware(file: string): string {
  const lines = file.split("\n");
  const begin = lines.findIndex((l) => l.trim() === BEGIN);
  if (begin < 0) return file;
  const end = lines.findIndex((l, i) => i > begin && l.trim() === END);
  if (end < 0) throw new MiddlewareFileError("the portal's block in middlewares.yml has no end marker");
  return [...lines.slice(0, begin), ...lines.slice(end + 1)].join("\n");
}

function entry(indent: string, address: string): string[] {
  const i = (n: number) => indent + "  ".repeat(n);
  return [
    `${i(0)}${SSO_MIDDLEWARE}:`,
    `${i(1)}forwardAuth:`,
    `${i(2)}address: ${JSON.stringify(address)}`,
    `${i(2)}authResponseHeaders:`,
    `${i(3)}- Authorization`,
    `${i(2)}addAuthCookiesToResponse:`,
    ...STACK_COOKIE_NAMES.map((n) => `${i(3)}- ${n}`),
  ];
}

/** The file with the portal's middleware pointing at `address` (idempotent). */
export function withSsoMiddleware(original: string | null, address: string): string {
  const file = withoutSsoMiddleware(original ?? "");
  const lines = file === "" ? [] : file.split("\n");
  const http = lines.findIndex((l) => /^http:\s*(#.*)?$/.test(l));
  let out: string[];
  if (http < 0) {
    if (lines.some((l) => /^http:/.test(l))) throw new MiddlewareFileError("middlewares.yml writes `http` in flow style; add the middleware by hand");
    const block = [BEGIN, "http:", "  middlewares:", ...entry("    ", address), END];
    // Appended so that taking the block out again gives the same bytes, final newline or not.
    out = lines.length === 0 ? [...block, ""] : lines.at(-1) === "" ? [...lines.slice(0, -1), ...block, ""] : [...lines, ...block];
  } else {
    let stop = lines.findIndex((l, i) => i > http && meaningful(l) && indentOf(l) === 0);
    if (stop < 0) stop = lines.length;
    const child = lines.slice(http + 1, stop).find(meaningful);
    const childIndent = child ? " ".repeat(indentOf(child)) : "  ";
    const mw = lines.findIndex((l, i) => i > http && i < stop && l.startsWith(`${childIndent}middlewares:`) && indentOf(l) === childIndent.length);
    if (mw < 0) {
      out = [
        ...lines.slice(0, http + 1),
        BEGIN,
        `${childIndent}middlewares:`,
        ...entry(childIndent.repeat(2), address),
        END,
        ...lines.slice(http + 1),
      ];
    } else {
      if (!/^\s*middlewares:\s*(#.*)?$/.test(lines[mw] ?? ""))
        throw new MiddlewareFileError("middlewares.yml writes `middlewares` in flow style; add the middleware by hand");
      const first = lines.slice(mw + 1, stop).find(meaningful);
      const inner = first && indentOf(first) > childIndent.length ? " ".repeat(indentOf(first)) : childIndent.repeat(2);
      out = [...lines.slice(0, mw + 1), BEGIN, ...entry(inner, address), END, ...lines.slice(mw + 1)];
    }
  }
  const merged = out.join("\n");
  check(file, merged, address);
  return merged;
}

/** Refuses a merge that would not parse, lose the portal's entry, or change anything else. */
function check(before: string, after: string, address: string): void {
  const parse = (text: string) => {
    try {
      return (Bun.YAML.parse(text) ?? {}) as { http?: { middlewares?: Record<string, unknown> } };
    } catch {
      throw new MiddlewareFileError("middlewares.yml is not valid YAML; fix it in Dokploy first");
    }
  };
  const old = parse(before);
  if (old.http?.middlewares && SSO_MIDDLEWARE in old.http.middlewares)
    throw new MiddlewareFileError(`middlewares.yml already defines ${SSO_MIDDLEWARE} outside the portal's block`);
  const now = parse(after);
  const mine = now.http?.middlewares?.[SSO_MIDDLEWARE] as { forwardAuth?: { address?: string } } | undefined;
  if (mine?.forwardAuth?.address !== address) throw new MiddlewareFileError("the middleware could not be merged into middlewares.yml");
  if (now.http?.middlewares) delete now.http.middlewares[SSO_MIDDLEWARE];
  if (now.http?.middlewares && Object.keys(now.http.middlewares).length === 0 && !old.http?.middlewares) delete now.http.middlewares;
  if (now.http && Object.keys(now.http).length === 0 && !old.http) delete now.http;
  if (JSON.stringify(now) !== JSON.stringify(old)) throw new MiddlewareFileError("merging would change other parts of middlewares.yml");
}
