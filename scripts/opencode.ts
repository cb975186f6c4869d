/**
 * The real OpenCode releases the tests run, installed on demand. Running the portal needs no
 * OpenCode, and each release is a ~140 MB native binary, so they are not npm dependencies:
 * package.json's `opencode` field pins them (`current`, the release the stack image runs: a test
 * holds the Dockerfile to it; `previous`, the one the fleet is moving off) and this script puts
 * this platform's binary package of each into a cache once, the way scripts/chromium.ts finds
 * the browser.
 *
 *   bun scripts/opencode.ts --ensure    install the pinned releases that are missing
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { z } from "zod";

export const RELEASES = ["current", "previous"] as const;
export type OpenCodeRelease = (typeof RELEASES)[number];

export interface InstalledOpenCode {
  release: OpenCodeRelease;
  /** As OpenCode reports it, e.g. on /global/health. */
  version: string;
  /** The native executable: not a Node wrapper, whose child would outlive a kill. */
  command: string;
}

const ROOT = resolve(import.meta.dir, "..");
const pins = z.object({ opencode: z.record(z.enum(RELEASES), z.string().regex(/^\d+\.\d+\.\d+$/)) });

/** The pinned version of each release (package.json's `opencode` field). */
export function pinnedOpenCode(root = ROOT): Record<OpenCodeRelease, string> {
  return pins.parse(JSON.parse(readFileSync(join(root, "package.json"), "utf8"))).opencode;
}

/** OPENCODE_CACHE, else ai-stack-deployer/opencode under XDG_CACHE_HOME or ~/.cache. */
export function openCodeCache(env: Record<string, string | undefined> = process.env): string {
  return env.OPENCODE_CACHE || join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "ai-stack-deployer", "opencode");
}

/**
 * The npm package holding this machine's binary, as opencode-ai's own launcher picks it: the
 * `-baseline` build on an x64 CPU without AVX2.
 */
export function platformPackage(): string {
  const platform = process.platform === "win32" ? "windows" : process.platform;
  let name = `opencode-${platform}-${process.arch}`;
  if (process.arch === "x64" && process.platform === "linux") {
    const cpu = existsSync("/proc/cpuinfo") ? readFileSync("/proc/cpuinfo", "utf8") : "";
    if (!/\bavx2\b/.test(cpu)) name += "-baseline";
  }
  return name;
}

function binaryAt(cache: string, version: string): string {
  return join(cache, version, "node_modules", platformPackage(), "bin", process.platform === "win32" ? "opencode.exe" : "opencode");
}

/** A release as the cache holds it, or null. */
export function installedOpenCode(release: OpenCodeRelease, cache = openCodeCache()): InstalledOpenCode | null {
  const version = pinnedOpenCode()[release];
  const command = binaryAt(cache, version);
  return existsSync(command) ? { release, version, command } : null;
}

/** The release, installed first (npm, from the registry npm uses) when the cache lacks it. */
export function ensureOpenCode(release: OpenCodeRelease, cache = openCodeCache(), log = (line: string) => console.error(line)): InstalledOpenCode {
  const found = installedOpenCode(release, cache);
  if (found) return found;
  const version = pinnedOpenCode()[release];
  const spec = `${platformPackage()}@${version}`;
  log(`OpenCode ${version} (${release}) for the tests: installing ${spec} once into ${cache}…`);
  // Into a folder of this process, then renamed into place: two test files asking at once never
  // see half an install, and the second rename just finds the first one's.
  mkdirSync(cache, { recursive: true });
  const staging = mkdtempSync(join(cache, `.${version}-`));
  try {
    const npm = Bun.spawnSync(["npm", "install", "--prefix", staging, "--no-save", "--no-package-lock", "--no-audit", "--no-fund", spec], {
      stdout: "ignore",
      stderr: "pipe",
    });
    if (npm.exitCode !== 0) throw new Error(`npm install ${spec} failed (exit ${npm.exitCode}): ${npm.stderr.toString().trim().split("\n").at(-1)}`);
    try {
      renameSync(staging, join(cache, version));
    } catch (err) {
      if (!installedOpenCode(release, cache)) throw err;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  const installed = installedOpenCode(release, cache);
  if (!installed) throw new Error(`npm installed ${spec}, yet ${binaryAt(cache, version)} is missing`);
  return installed;
}

if (import.meta.main) {
  if (!process.argv.includes("--ensure")) {
    console.error("usage: bun scripts/opencode.ts --ensure");
    process.exit(2);
  }
  try {
    for (const release of RELEASES) ensureOpenCode(release);
  } catch (err) {
    // Not fatal here: every other test still runs, and the ones needing OpenCode fail naming it.
    console.error(err instanceof Error ? err.message : err);
  }
}
