import { describe, expect, test } from "bun:test";
import { imageReferenceProblem } from "../../src/stacks/model/image-reference.ts";

describe("imageReferenceProblem: Docker's reference grammar", () => {
  test("references Docker takes are taken", () => {
    for (const ref of [
      "ubuntu",
      "library/ubuntu:24.04",
      "git.app.flexinit.nl/oussamadouhou/oh-my-opencode-free:latest",
      "registry.example.com:5000/team/sub/stack:v2.1_rc-1",
      "localhost:5000/stack",
      "localhost/stack:dev",
      "127.0.0.1:5000/stack",
      "[::1]:5000/stack:1",
      "Registry.Example.com/stack",
      "ghcr.io/a-b/c__d/e.f:tag",
      `stack@sha256:${"a".repeat(64)}`,
      `registry.example.com/stack:v2@sha256:${"0123456789abcdef".repeat(4)}`,
      `stack@sha512:${"f".repeat(128)}`,
    ])
      expect({ ref, problem: imageReferenceProblem(ref) }).toEqual({ ref, problem: null });
  });

  test("anything else is refused with the rule it broke", () => {
    const cases: [string, string][] = [
      ["", "empty"],
      ["evil.example/x:1;touch${IFS}pwned;$(id)", "the tag must be"],
      ["stack:latest && rm -rf /", "no spaces"],
      ["stack:v1\n", "no spaces"],
      ["stäck", "no spaces"],
      ["Stack", "path component"],
      ["team/Stack:v1", "path component"],
      ["stack:.hidden", "the tag must be"],
      [`stack:${"a".repeat(129)}`, "the tag must be"],
      ["stack@sha256:abc", "the digest must be"],
      [`stack@sha256:${"a".repeat(64)}@x`, "at most one @digest"],
      ["-stack", "path component"],
      ["stack-", "path component"],
      ["team//stack", "path component"],
      ["registry.example.com:port/stack", "the registry"],
      ["-registry.example.com/stack", "the registry"],
      ["registry.example.com/", "path component"],
      [":tag", "no name"],
      [`${"a".repeat(256)}`, "longer than 255"],
      ["$(id)", "path component"],
      ["`id`/x", "path component"],
    ];
    for (const [ref, rule] of cases) expect({ ref, problem: imageReferenceProblem(ref) }).toEqual({ ref, problem: expect.stringContaining(rule) });
  });
});
