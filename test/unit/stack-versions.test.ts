import { describe, expect, test } from "bun:test";
import { type Pin, compare, compareVersions, newest, readPins, table } from "../../scripts/stack-versions.ts";

/** `npm run versions`: the repository's pins against what the registry answers (here: a fixture). */

describe("stack-versions", () => {
  test("reads every pin of the image and the tests, and they agree today", async () => {
    const pins = await readPins();
    const opencode = pins.filter((p) => p.name === "opencode-ai" && !p.where.includes("previous"));
    const plugin = pins.filter((p) => p.name === "oh-my-openagent");
    expect(opencode).toHaveLength(2);
    expect(new Set(opencode.map((p) => p.version)).size).toBe(1);
    expect(plugin).toHaveLength(2);
    expect(new Set(plugin.map((p) => p.version)).size).toBe(1);
    for (const pin of pins) expect(pin.version).toMatch(/^\d+\.\d+\.\d+$/);
  });

  test("compares versions by number and finds the newest plain release of a line", () => {
    expect(compareVersions("1.18.33", "1.9.0")).toBeGreaterThan(0);
    expect(compareVersions("1.1.34", "1.1.34")).toBe(0);
    const versions = ["1.1.34", "1.9.2", "1.18.33", "1.19.0-beta.1", "2.0.3", "0.0.0-dev-2026"];
    expect(newest(versions, 1)).toBe("1.18.33");
    expect(newest(versions)).toBe("2.0.3");
    expect(newest(["abc"], 1)).toBeNull();
  });

  test("a pin behind the newest release of its line says so; the old fleet's release is never behind", () => {
    const pins: Pin[] = [
      { name: "opencode-ai", where: "stack-image/Dockerfile OPENCODE_VERSION", version: "1.18.33", line: 1 },
      { name: "oh-my-openagent", where: "plugin", version: "4.19.3", line: null },
      { name: "opencode-ai", where: "package.json opencode.previous (the old fleet)", version: "1.1.34", line: null },
    ];
    const registry = new Map([
      ["opencode-ai", { versions: ["1.1.34", "1.18.33", "1.18.34", "2.0.1"], "dist-tags": { latest: "1.18.34" } }],
      ["oh-my-openagent", { versions: ["4.19.3", "4.19.4"], "dist-tags": { latest: "4.19.4" } }],
    ]);
    const rows = compare(pins, registry);
    expect(rows.map((r) => [r.version, r.newest, r.behind])).toEqual([
      ["1.18.33", "1.18.34", true],
      ["4.19.3", "4.19.4", true],
      ["1.1.34", "2.0.1", false],
    ]);
    const text = table(rows);
    expect(text.split("\n")).toHaveLength(4);
    expect(text.match(/BEHIND/g)).toHaveLength(2);
  });
});
