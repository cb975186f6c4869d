import { describe, expect, test } from "bun:test";
import { nameCandidates } from "../../src/stacks/model/name-suggestions.ts";

/** What the name field offers instead of a taken or invalid name (before asking which are free). */

describe("name suggestions", () => {
  test("a taken name: the same with a number, never past 32 characters", () => {
    expect(nameCandidates("alice", "taken", []).slice(0, 3)).toEqual(["alice-2", "alice-3", "alice-4"]);
    // Not alice-2-2: the number moves on.
    expect(nameCandidates("alice-2", "taken", [])[0]).toBe("alice-3");
    const long = "a".repeat(32);
    for (const name of nameCandidates(long, "recently_deleted", [])) expect(name.length).toBeLessThanOrEqual(32);
  });

  test("an invalid name: made valid as far as it can be, else my-stack", () => {
    expect(nameCandidates("Alice Smith!", "invalid_characters", [])[0]).toBe("alice-smith");
    expect(nameCandidates("José", "invalid_characters", [])[0]).toBe("jose");
    expect(nameCandidates("3d", "must_start_with_letter", [])[0]).toBe("stack-3d");
    expect(nameCandidates("a--b", "consecutive_hyphens", [])[0]).toBe("a-b");
    expect(nameCandidates("ab!", "invalid_characters", [])[0]).toBe("ab-stack");
    expect(nameCandidates("日本", "invalid_characters", [])[0]).toBe("my-stack");
    expect(nameCandidates("bob-", "invalid_end", [])[0]).toBe("bob");
  });

  test("reserved names are never offered", () => {
    expect(nameCandidates("ADMIN", "reserved", ["admin"])).not.toContain("admin");
    expect(nameCandidates("ADMIN", "reserved", ["admin"])[0]).toBe("admin-2");
  });
});
