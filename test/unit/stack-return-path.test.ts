import { describe, expect, test } from "bun:test";
import { stackReturnPath } from "../../src/http/stack-return-path.ts";

const ORIGIN = "https://alice.stacks.example";

/** Where a browser on the stack ends up after `Location: <path>`. */
const landing = (path: string) => new URL(path, ORIGIN);

describe("stackReturnPath: the stack gate sends people only back to the stack", () => {
  test("ordinary paths come back as they were", () => {
    for (const path of ["/", "/session", "/project/abc?tab=files#line-3", "/a%20b", "/%E2%9C%93"]) expect(stackReturnPath(path, ORIGIN)).toBe(path);
  });

  test("anything that could leave the origin, or break the header, is the stack's root", () => {
    const hostile = [
      undefined,
      "",
      "evil.example",
      "//evil.example/phish",
      "/\t/evil.example/phish",
      "/\n/evil.example",
      "/\r\nSet-Cookie: x=1",
      "/x\r\nLocation: https://evil.example",
      "/\\evil.example",
      "/\\/evil.example",
      "/x/\\..\\..\\\\evil.example",
      "\\\\evil.example",
      "/ /evil.example",
      "https://evil.example/",
      "http://alice.stacks.example/",
      "HTTPS://alice.stacks.example.evil.example/",
      "javascript:alert(1)",
      "/a/..//evil.example",
      "/a/../..//evil.example",
      "/././/evil.example",
      "/%09/evil.example",
      "/\u2028/evil.example",
      "/\u0000",
      "/.portal-sso?ticket=abc",
      "/.PORTAL-SSO?ticket=abc",
      `/${"a".repeat(2001)}`,
    ];
    for (const path of hostile) {
      const back = stackReturnPath(path, ORIGIN);
      expect({ path, back, origin: landing(back).origin }).toEqual({ path, back: expect.any(String), origin: ORIGIN });
      expect(back).toMatch(/^\/(?![/\\])[\x21-\x7e]*$/);
    }
    for (const path of ["//evil.example/phish", "/\t/evil.example/phish", "/\r\nSet-Cookie: x=1", "/\\evil.example", "/a/../..//evil.example"])
      expect(stackReturnPath(path, ORIGIN)).toBe("/");
  });

  test("encoded slashes and dots stay what they are: a path on the stack", () => {
    for (const path of ["/%2F%2Fevil.example", "/%2e%2e/%2e%2e//evil.example", "/%5C%5Cevil.example"]) {
      const back = stackReturnPath(path, ORIGIN);
      expect(landing(back).origin).toBe(ORIGIN);
      expect(back.startsWith("//")).toBe(false);
    }
  });
});
