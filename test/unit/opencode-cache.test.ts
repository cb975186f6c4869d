import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { installedOpenCode, openCodeCache, pinnedOpenCode, platformPackage } from "../../scripts/opencode.ts";

/** scripts/opencode.ts: where the tests' OpenCode releases live, so that npm install carries none. */

const cache = mkdtempSync(join(tmpdir(), "opencode-cache-"));
afterAll(() => rmSync(cache, { recursive: true, force: true }));

describe("the tests' OpenCode cache", () => {
  test("pins both releases as exact versions in package.json, not as npm dependencies", async () => {
    const pins = pinnedOpenCode();
    expect(pins.current).toMatch(/^\d+\.\d+\.\d+$/);
    expect(pins.previous).toMatch(/^\d+\.\d+\.\d+$/);
    const pkg = await Bun.file(join(import.meta.dir, "../../package.json")).json();
    const deps = { ...pkg.dependencies, ...pkg.devDependencies };
    expect(Object.values(deps).some((spec) => String(spec).includes("opencode-ai"))).toBe(false);
    expect(Object.keys(deps).filter((name) => name.startsWith("opencode"))).toEqual([]);
  });

  test("lives under OPENCODE_CACHE, else XDG_CACHE_HOME, else ~/.cache", () => {
    expect(openCodeCache({ OPENCODE_CACHE: "/x/oc" })).toBe("/x/oc");
    expect(openCodeCache({ XDG_CACHE_HOME: "/x/cache" })).toBe("/x/cache/ai-stack-deployer/opencode");
    expect(openCodeCache({})).toEndWith("/.cache/ai-stack-deployer/opencode");
  });

  test("finds a release only where its pinned version's binary package put the executable", () => {
    expect(installedOpenCode("current", cache)).toBeNull();
    const { current } = pinnedOpenCode();
    const bin = join(cache, current, "node_modules", platformPackage(), "bin");
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, "opencode"), "#!/bin/sh\n");
    chmodSync(join(bin, "opencode"), 0o755);
    expect(installedOpenCode("current", cache)).toEqual({ release: "current", version: current, command: join(bin, "opencode") });
    // Another version's folder is not this release.
    expect(installedOpenCode("previous", cache)).toBeNull();
  });
});
