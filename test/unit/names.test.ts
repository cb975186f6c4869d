import { describe, expect, test } from "bun:test";
import { checkName } from "../../src/stacks/model/names.ts";

const RESERVED = ["admin", "api", "www", "root", "system", "test", "demo", "portal", "deploy"];

describe("name rules", () => {
  const table: [string, string, string | null][] = [
    ["alice", "alice", null],
    ["  Alice  ", "alice", null],
    ["a1-b2", "a1-b2", null],
    ["abc", "abc", null],
    ["a".repeat(32), "a".repeat(32), null],
    ["ab", "ab", "too_short"],
    ["", "", "too_short"],
    ["   ", "", "too_short"],
    ["a".repeat(33), "a".repeat(33), "too_long"],
    ["alice_bob", "alice_bob", "invalid_characters"],
    ["alice.bob", "alice.bob", "invalid_characters"],
    ["al ice", "al ice", "invalid_characters"],
    ["1alice", "1alice", "must_start_with_letter"],
    ["-alice", "-alice", "must_start_with_letter"],
    ["alice-", "alice-", "invalid_end"],
    ["al--ice", "al--ice", "consecutive_hyphens"],
    ["xn--80ak6aa92e", "xn--80ak6aa92e", "consecutive_hyphens"],
    ["admin", "admin", "reserved"],
    ["ADMIN", "admin", "reserved"],
    ["Deploy", "deploy", "reserved"],
    // Order: length is checked before characters.
    ["a_", "a_", "too_short"],
    ["_".repeat(40), "_".repeat(40), "too_long"],
    // Non-ASCII is refused as typed: lowercasing the Kelvin sign gives "k", trim() eats U+00A0.
    ["\u212Aelvin", "\u212Aelvin", "invalid_characters"],
    ["  \u212AELVIN ", "\u212AELVIN", "invalid_characters"],
    ["alice\u00a0", "alice\u00a0", "invalid_characters"],
    ["\u212A\u212A", "\u212A\u212A", "too_short"],
  ];
  for (const [input, name, reason] of table) {
    test(`${JSON.stringify(input)} -> ${reason ?? "valid"}`, () => {
      const v = checkName(input, RESERVED);
      expect(v.name).toBe(name);
      expect(v.valid ? null : (v.reason as string)).toBe(reason);
    });
  }

  test("hostile inputs are rejected, never normalised into a valid name", () => {
    const hostile = [
      "аlice", // Cyrillic а
      "alicе", // Cyrillic е
      "ａｌｉｃｅ", // fullwidth
      "alice\u200b", // zero-width space
      "ali\u0000ce",
      "../etc",
      "alice/../../bob",
      "alice%2fbob",
      "<script>",
      "alice\nbob",
      "🙂🙂🙂",
      "ＡＬＩＣＥ",
      "a\u0301lice",
    ];
    for (const input of hostile) {
      const v = checkName(input, RESERVED);
      expect(v.valid).toBe(false);
    }
  });
});
