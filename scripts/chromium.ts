/**
 * Finds the Chromium the browser tests drive, and on a fresh Debian machine installs Debian's own
 * package first, so that `npm install && npm test` needs no other step. Never downloads a browser
 * from anywhere but the system's package manager.
 *
 *   bun scripts/chromium.ts --ensure    find it, or install it (root with apt-get), or say what to run
 */
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

/** Debian's package first; the other names are what other distributions and Google ship. */
export const DEBIAN_CHROMIUM = "/usr/bin/chromium";
const COMMANDS = ["chromium-browser", "google-chrome"];

export interface Lookup {
  env: Record<string, string | undefined>;
  /** Absolute paths tried after CHROMIUM_PATH (tests point these elsewhere). */
  fixedPaths?: string[];
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(command: string, path: string | undefined): string | null {
  for (const dir of (path ?? "").split(delimiter)) {
    if (dir && executable(join(dir, command))) return join(dir, command);
  }
  return null;
}

export class NoBrowser extends Error {}

/** CHROMIUM_PATH, then Debian's /usr/bin/chromium, then chromium-browser and google-chrome on PATH. */
export function findChromium({ env, fixedPaths = [DEBIAN_CHROMIUM] }: Lookup): string | null {
  const chosen = env.CHROMIUM_PATH;
  if (chosen) {
    if (!executable(chosen)) throw new NoBrowser(`CHROMIUM_PATH=${chosen} is not an executable file`);
    return chosen;
  }
  for (const path of fixedPaths) if (executable(path)) return path;
  for (const command of COMMANDS) {
    const found = onPath(command, env.PATH);
    if (found) return found;
  }
  return null;
}

export const INSTALL_HINT = "no Chromium for the browser tests: run `apt-get install -y chromium` as root (Debian), or set CHROMIUM_PATH";

export interface Installer {
  /** apt-get's path, or null where there is none. */
  aptGet: string | null;
  isRoot: boolean;
  log: (line: string) => void;
}

function systemInstaller(env: Record<string, string | undefined>): Installer {
  return {
    aptGet: onPath("apt-get", env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin"),
    isRoot: process.getuid?.() === 0,
    log: (line) => process.stderr.write(`${line}\n`),
  };
}

function run(argv: string[], env: Record<string, string | undefined>): void {
  const result = Bun.spawnSync(argv, { env: { ...env, DEBIAN_FRONTEND: "noninteractive" }, stdout: "ignore", stderr: "pipe" });
  if (result.exitCode !== 0)
    throw new NoBrowser(`${argv.join(" ")} failed (exit ${result.exitCode}): ${result.stderr.toString().trim().split("\n").at(-1)}`);
}

/** The browser's path: found, or installed from Debian's packages where this machine can. */
export function ensureChromium(lookup: Lookup, installer: Installer = systemInstaller(lookup.env)): string {
  const found = findChromium(lookup);
  if (found) return found;
  if (!installer.aptGet || !installer.isRoot) throw new NoBrowser(INSTALL_HINT);
  installer.log("No Chromium found: installing Debian's chromium package for the browser tests (once; apt-get, about a minute)…");
  run([installer.aptGet, "update", "-qq"], lookup.env);
  run([installer.aptGet, "install", "-y", "-qq", "--no-install-recommends", "chromium"], lookup.env);
  const installed = findChromium(lookup);
  if (!installed) throw new NoBrowser(`apt-get installed chromium, yet no browser was found afterwards; ${INSTALL_HINT}`);
  installer.log(`Chromium installed at ${installed}.`);
  return installed;
}

if (import.meta.main) {
  if (!process.argv.includes("--ensure")) {
    console.error("usage: bun scripts/chromium.ts --ensure");
    process.exit(2);
  }
  try {
    ensureChromium({ env: process.env });
  } catch (err) {
    if (!(err instanceof NoBrowser)) throw err;
    // Not fatal here: every other test still runs, and the browser tests fail with this line.
    console.error(err.message);
  }
}
