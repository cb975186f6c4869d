// The OpenCode releases the tests run for real. package.json is the one place that names their
// versions: `opencode-ai` is the release the stack image runs (a test holds the Dockerfile to
// it), `opencode-ai-previous` (an npm alias) the one the fleet is moving off. Both are read
// from what npm installed, so a bump is one line in package.json and an `npm install`.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";

export const OPENCODE_PACKAGES = { current: "opencode-ai", previous: "opencode-ai-previous" } as const;
export type OpenCodeRelease = keyof typeof OPENCODE_PACKAGES;

export interface InstalledOpenCode {
  release: OpenCodeRelease;
  /** As OpenCode reports it, e.g. on /global/health. */
  version: string;
  /** The native executable (see findOpenCodeBinary). */
  command: string;
}

const packageJson = z.object({ version: z.string() });

function versionAt(dir: string): string | null {
  try {
    return packageJson.parse(JSON.parse(readFileSync(join(dir, "package.json"), "utf8"))).version;
  } catch {
    return null;
  }
}

/**
 * The native binary of the opencode-ai package (opencode-<platform>-<arch>[-baseline]) under
 * `nodeModules`, of `version` if given. Not node_modules/.bin/opencode: that is a Node wrapper
 * whose child would outlive a kill.
 */
export function findOpenCodeBinary(nodeModules: string, version?: string): string | null {
  const platform = process.platform === "win32" ? "windows" : process.platform;
  const arch = process.arch === "x64" ? "x64" : process.arch;
  for (const variant of ["", "-baseline", "-musl", "-baseline-musl"]) {
    const dir = join(nodeModules, `opencode-${platform}-${arch}${variant}`);
    const path = join(dir, "bin", "opencode");
    if (existsSync(path) && (version === undefined || versionAt(dir) === version)) return path;
  }
  return null;
}

/**
 * A release as npm installed it under `nodeModules`, or null. npm nests the aliased package's
 * platform binary under it (its version differs from the top-level one), so that is looked
 * for first.
 */
export function installedOpenCode(nodeModules: string, release: OpenCodeRelease): InstalledOpenCode | null {
  const dir = join(nodeModules, OPENCODE_PACKAGES[release]);
  const version = versionAt(dir);
  if (!version) return null;
  const command = findOpenCodeBinary(join(dir, "node_modules"), version) ?? findOpenCodeBinary(nodeModules, version);
  return command ? { release, version, command } : null;
}
