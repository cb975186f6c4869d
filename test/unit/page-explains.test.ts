import { describe, expect, test } from "bun:test";
import { scrubLogTail } from "../../src/stacks/operations/log-scrub.ts";
import { typicalDuration } from "../../src/stacks/deploy/typical-duration.ts";

/** The pieces behind the page's explanations: a log tail fit for the owner, a typical time. */

describe("scrubLogTail", () => {
  test("keeps the last lines, drops colour codes, and hides secrets known and guessed", () => {
    const log = [
      "line 1",
      "\u001b[31mError response from daemon: pull access denied\u001b[0m",
      "OPENCODE_SERVER_PASSWORD=Abcdefgh23456789 set",
      "docker login -u bob -p hunter2hunter2 registry.example",
      "fetch https://bob:s3cr3t-pass@registry.example/v2/",
      "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig",
      'config {"apiKey": "sk-live-0123456789abcdef"}',
      "token mt_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789",
      "",
      "the stack password is KnownSecret987654 here",
    ].join("\r\n");
    const lines = scrubLogTail(log, ["KnownSecret987654", "hunter2hunter2", undefined, "abc"], 8);
    expect(lines).toHaveLength(8);
    const text = lines.join("\n");
    expect(text).not.toContain("line 1");
    expect(text).toContain("Error response from daemon: pull access denied");
    expect(text).not.toContain("\u001b[");
    for (const secret of [
      "Abcdefgh23456789",
      "hunter2hunter2",
      "s3cr3t-pass",
      "eyJhbGciOiJIUzI1NiJ9",
      "sk-live-0123456789abcdef",
      "mt_AbCdEf",
      "KnownSecret987654",
    ])
      expect(text).not.toContain(secret);
    expect(text).toContain("registry.example");
  });

  test("cuts very long lines", () => {
    const [line] = scrubLogTail("x".repeat(5000), [], 20);
    expect(line!.length).toBeLessThanOrEqual(301);
  });
});

describe("typicalDuration", () => {
  test("the median, and nothing with too few deploys to say", () => {
    expect(typicalDuration([])).toBeNull();
    expect(typicalDuration([1000, 2000])).toBeNull();
    expect(typicalDuration([3000, 1000, 2000])).toBe(2000);
    expect(typicalDuration([4000, 1000, 3000, 2000])).toBe(2500);
    expect(typicalDuration([60_000, 61_000, 59_000, 600_000])).toBe(60_500);
  });
});
