import { describe, expect, test } from "bun:test";
import { MiddlewareFileError, withSsoMiddleware, withoutSsoMiddleware } from "../../src/stacks/sso/middleware-file.ts";

/** STACK_SSO's edit of Traefik's middlewares.yml: merged in, idempotent, removed byte for byte. */

const DOKPLOY_DEFAULT = "http:\n  middlewares:\n    redirect-to-https:\n      redirectScheme:\n        scheme: https\n        permanent: true\n";
const ADDRESS = "http://portal:3000/auth/stack";

const files: Record<string, string> = {
  "Dokploy's default": DOKPLOY_DEFAULT,
  empty: "",
  "only a comment, no final newline": "# nothing yet",
  "http with routers but no middlewares": "http:\n  routers:\n    x:\n      rule: Host(`a.test`)\n      service: s\n",
  "four-space indent and comments":
    '# admin\nhttp:\n    # mine\n    middlewares:\n        # first\n        a:\n            headers:\n                customRequestHeaders:\n                    X-A: "1"\ntcp:\n    routers: {}\n',
  "no http section": "tcp:\n  routers: {}\n",
};

describe("the portal's middleware in middlewares.yml", () => {
  for (const [label, file] of Object.entries(files)) {
    test(`${label}: merged, parsed by Traefik's rules, idempotent, removed byte for byte`, () => {
      const merged = withSsoMiddleware(file, ADDRESS);
      const parsed = Bun.YAML.parse(merged) as any;
      expect(parsed.http.middlewares["ai-stack-sso"]).toEqual({
        forwardAuth: { address: ADDRESS, authResponseHeaders: ["Authorization"], addAuthCookiesToResponse: ["__Host-asd-stack", "asd-stack"] },
      });
      expect(withSsoMiddleware(merged, ADDRESS)).toBe(merged);
      expect(withoutSsoMiddleware(merged)).toBe(file);
      // A new address replaces the old one in place.
      expect(withoutSsoMiddleware(withSsoMiddleware(merged, "http://other:3000/auth/stack"))).toBe(file);
    });
  }

  test("refuses files it cannot edit safely, rather than rewriting them", () => {
    expect(() => withSsoMiddleware("http: {middlewares: {}}\n", ADDRESS)).toThrow(MiddlewareFileError);
    expect(() => withSsoMiddleware("http:\n  middlewares: {}\n", ADDRESS)).toThrow(MiddlewareFileError);
    expect(() => withSsoMiddleware("http:\n  middlewares:\n    ai-stack-sso:\n      headers: {}\n", ADDRESS)).toThrow(MiddlewareFileError);
    expect(() => withSsoMiddleware("http:\n  middlewares:\n   - [unclosed\n", ADDRESS)).toThrow(MiddlewareFileError);
  });

  test("a file without the portal's block is left as it is", () => {
    expect(withoutSsoMiddleware(DOKPLOY_DEFAULT)).toBe(DOKPLOY_DEFAULT);
  });
});
