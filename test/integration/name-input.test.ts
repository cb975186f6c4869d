import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ADMIN_TOKEN, type Harness, deploy, sandboxState, startHarness } from "../support/harness.ts";

/** Non-ASCII names are refused as typed, never folded into a Latin name by lowercasing. */

describe("names with non-ASCII characters", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.stop());

  // Each of these lowercases (or trims) to a valid ASCII name.
  const lookalikes = [
    ["\u212Aelvin", "Kelvin sign: lowercases to kelvin"],
    ["\u0130stanbul", "dotted capital I: lowercases to i + combining dot"],
    ["alice\u00a0", "no-break space: String.trim strips it"],
    ["\u3000alice", "ideographic space: String.trim strips it"],
  ] as const;

  for (const [name, why] of lookalikes) {
    test(`${JSON.stringify(name)} (${why}): invalid_characters on /api/check (200) and on deploy (400)`, async () => {
      const check = await fetch(`${h.url}/api/check/${encodeURIComponent(name)}`);
      expect(check.status).toBe(200);
      const verdict = (await check.json()) as any;
      expect(verdict).toMatchObject({ valid: false, available: false, reason: "invalid_characters" });
      const res = await deploy(h, name);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("invalid_characters");
    });
  }

  test("nothing reached Dokploy, and the ASCII name is still free", async () => {
    const state = await sandboxState(h);
    expect(state.projects.map((p: any) => p.name).filter((n: string) => /kelvin|stanbul|alice/.test(n))).toEqual([]);
    expect((await (await fetch(`${h.url}/api/check/kelvin`)).json()) as any).toMatchObject({ valid: true, available: true });
  });

  test("a stack is not reachable under a look-alike of its name", async () => {
    const accepted = await deploy(h, "kelvin");
    expect(accepted.status).toBe(202);
    expect((await fetch(`${h.url}/api/stacks/${encodeURIComponent("\u212Aelvin")}`)).status).toBe(404);
    const del = await fetch(`${h.url}/api/stack/${encodeURIComponent("\u212Aelvin")}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(del.status).toBe(404);
  });

  test("/api/check stays 200 for any input, broken escapes and huge names included", async () => {
    for (const path of ["%E2%84", "%FF%FE", encodeURIComponent("\u212A".repeat(1000)), "%00abc", "%ED%A0%80x"]) {
      const res = await fetch(`${h.url}/api/check/${path}`);
      expect(res.status).toBe(200);
      expect(((await res.json()) as any).valid).toBe(false);
    }
  });
});
