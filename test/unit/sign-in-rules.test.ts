import { describe, expect, test } from "bun:test";
import { isAllowed, personFrom } from "../../src/auth/access.ts";
import { loadConfig } from "../../src/config.ts";
import { suggestName } from "../../src/stacks/owners/suggest-name.ts";

describe("suggested name from the username", () => {
  test.each([
    ["Oussama.Douhou", "oussama-douhou"],
    ["bob", "bob"],
    ["José_Núñez", "jose-nunez"],
    ["42-answers", "answers"],
    ["a.b", "a-b"],
    ["x", null],
    ["名前", null],
    ["a-very-long-username-that-goes-on-and-on-and-on", "a-very-long-username-that-goes-o"],
    ["trailing---", "trailing"],
    [null, null],
  ])("%p -> %p", (username, expected) => {
    expect(suggestName(username)).toBe(expected);
  });
});

describe("who may sign in", () => {
  const rules = { groupsClaim: "groups", allowedGroups: ["staff"], allowedEmailDomains: ["example.org"], adminGroups: ["ops"] };
  const person = (claims: Record<string, unknown>) => personFrom("https://idp.example", { sub: "s1", ...claims }, rules);

  test("a member of an allowed group, or of an allowed e-mail domain, or an admin", () => {
    expect(isAllowed(person({ groups: ["staff"] }), rules)).toBe(true);
    expect(isAllowed(person({ groups: ["/staff"] }), rules)).toBe(true); // Keycloak's full group path
    expect(isAllowed(person({ email: "a@example.org" }), rules)).toBe(true);
    expect(isAllowed(person({ email: "a@EXAMPLE.org" }), rules)).toBe(true);
    expect(isAllowed(person({ groups: ["ops"] }), rules)).toBe(true);
    expect(person({ groups: ["ops"] }).admin).toBe(true);
  });

  test("nobody else; an unverified e-mail address does not count", () => {
    expect(isAllowed(person({ groups: ["guests"], email: "a@elsewhere.test" }), rules)).toBe(false);
    expect(isAllowed(person({ email: "a@example.org", email_verified: false }), rules)).toBe(false);
    expect(isAllowed(person({ email: "a@sub.example.org" }), rules)).toBe(false);
  });

  test("with no rules, everyone the provider signs in", () => {
    const open = { ...rules, allowedGroups: [], allowedEmailDomains: [] };
    expect(isAllowed(personFrom("i", { sub: "s" }, open), open)).toBe(true);
  });
});

describe("sign-in configuration", () => {
  const base = {
    AUTH_MODE: "oidc",
    PUBLIC_URL: "https://portal.example",
    OIDC_ISSUER: "https://git.example",
    OIDC_CLIENT_ID: "c",
    OIDC_CLIENT_SECRET: "s",
  };

  test("open is the default and needs nothing", () => {
    expect(loadConfig({}).AUTH_MODE).toBe("open");
  });

  test("oidc needs the issuer, client and public URL, and https outside loopback", () => {
    expect(loadConfig(base).MAX_STACKS_PER_USER).toBe(1);
    expect(() => loadConfig({ ...base, OIDC_CLIENT_SECRET: "" })).toThrow(/OIDC_CLIENT_SECRET: is required when AUTH_MODE=oidc/);
    expect(() => loadConfig({ ...base, PUBLIC_URL: "http://portal.example" })).toThrow(/PUBLIC_URL: expected https/);
    expect(loadConfig({ ...base, PUBLIC_URL: "http://localhost:3000" }).PUBLIC_URL).toBe("http://localhost:3000");
    expect(() => loadConfig({ ...base, OIDC_SCOPES: "profile email" })).toThrow(/OIDC_SCOPES: must include "openid"/);
    expect(() => loadConfig({ ...base, SESSION_IDLE_TIMEOUT: "10h", SESSION_MAX_AGE: "1h" })).toThrow(/SESSION_IDLE_TIMEOUT/);
  });

  test("the client secret is never echoed", () => {
    try {
      loadConfig({ ...base, PUBLIC_URL: "ftp://x", OIDC_CLIENT_SECRET: "very-secret-value" });
    } catch (err) {
      expect(String(err)).not.toContain("very-secret-value");
    }
  });
});
