/**
 * What the stack image pins against what the npm registry offers now (stack-image/README.md,
 * "Versions"): one line per package, and which pins are behind.
 *
 *   npm run versions            prints the table
 *   npm run versions -- --check also exits 1 when a pin is behind
 *
 * It asks the registry with the ordinary client (`npm view <package> versions dist-tags`),
 * one question per package the image uses.
 */
import { join, resolve } from "node:path";
import { z } from "zod";
import { pinnedOpenCode } from "./opencode.ts";

const ROOT = resolve(import.meta.dir, "..");

export interface Pin {
  /** The npm package. */
  name: string;
  /** Where the pin is written. */
  where: string;
  version: string;
  /** The major line the image stays on (OpenCode 2 is another package and another contract). */
  line: number | null;
}

/** The pins of the repository: the Dockerfile, the plugin entry, and the tests' OpenCode releases. */
export async function readPins(root = ROOT): Promise<Pin[]> {
  const dockerfile = await Bun.file(join(root, "stack-image", "Dockerfile")).text();
  const arg = (name: string) => new RegExp(`^ARG ${name}=(\\S+)$`, "m").exec(dockerfile)?.[1] ?? "?";
  const tests = pinnedOpenCode(root);
  const plugin = /"oh-my-openagent@([^"]+)"/.exec(await Bun.file(join(root, "stack-image", "config", "opencode.json")).text())?.[1] ?? "?";
  return [
    { name: "opencode-ai", where: "stack-image/Dockerfile OPENCODE_VERSION", version: arg("OPENCODE_VERSION"), line: 1 },
    { name: "opencode-ai", where: "package.json opencode.current (the tests)", version: tests.current, line: 1 },
    { name: "oh-my-openagent", where: "stack-image/Dockerfile OH_MY_OPENAGENT_VERSION", version: arg("OH_MY_OPENAGENT_VERSION"), line: null },
    { name: "oh-my-openagent", where: "stack-image/config/opencode.json plugin", version: plugin, line: null },
    // Not a pin to move: the release the fleet is moving off, kept for the upgrade tests.
    { name: "opencode-ai", where: "package.json opencode.previous (the old fleet)", version: tests.previous, line: null },
  ];
}

/** Numeric parts of a plain x.y.z version; null for anything else (pre-releases included). */
function parts(version: string): number[] | null {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(version);
  return m ? m.slice(1).map(Number) : null;
}

export function compareVersions(a: string, b: string): number {
  const [x, y] = [parts(a) ?? [], parts(b) ?? []];
  for (let i = 0; i < 3; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}

/** The newest plain release, of one major line if given. */
export function newest(versions: string[], line: number | null = null): string | null {
  const plain = versions.filter((v) => {
    const major = parts(v)?.[0];
    return major !== undefined && (line === null || major === line);
  });
  return plain.sort(compareVersions).at(-1) ?? null;
}

const registryAnswer = z.object({ versions: z.array(z.string()), "dist-tags": z.record(z.string(), z.string()) });
export type RegistryAnswer = z.infer<typeof registryAnswer>;

async function ask(name: string): Promise<RegistryAnswer> {
  const proc = Bun.spawn(["npm", "view", name, "versions", "dist-tags", "--json"], { stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  if (code !== 0) throw new Error(`npm view ${name}: ${err.trim() || `exit ${code}`}`);
  return registryAnswer.parse(JSON.parse(out));
}

export interface Row extends Pin {
  latest: string | null;
  /** The newest release of the pin's line (of any line when it has none). */
  newest: string | null;
  behind: boolean;
}

export function compare(pins: Pin[], registry: Map<string, RegistryAnswer>): Row[] {
  return pins.map((pin) => {
    const answer = registry.get(pin.name);
    const best = answer ? newest(answer.versions, pin.line) : null;
    const tracked = !pin.where.includes("opencode.previous");
    return {
      ...pin,
      latest: answer?.["dist-tags"].latest ?? null,
      newest: best,
      behind: tracked && best !== null && compareVersions(pin.version, best) < 0,
    };
  });
}

export function table(rows: Row[]): string {
  const header = ["package", "pinned", "where", "newest of its line", "latest", ""];
  const lines = [header, ...rows.map((r) => [r.name, r.version, r.where, r.newest ?? "?", r.latest ?? "?", r.behind ? "BEHIND" : ""])];
  const widths = header.map((_, i) => Math.max(...lines.map((l) => l[i]?.length ?? 0)));
  return lines
    .map((l) =>
      l
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

if (import.meta.main) {
  const pins = await readPins();
  const names = [...new Set(pins.map((p) => p.name))];
  const registry = new Map(await Promise.all(names.map(async (name) => [name, await ask(name)] as const)));
  const rows = compare(pins, registry);
  console.log(table(rows));
  const behind = rows.filter((r) => r.behind);
  console.log(
    behind.length === 0
      ? "\nEvery pin is on the newest release of its line."
      : `\n${behind.length} pin(s) behind: see stack-image/README.md, "Moving to a newer release".`,
  );
  if (behind.length > 0 && process.argv.includes("--check")) process.exitCode = 1;
}
