// The stack image's Dockerfile, read as text (there is no Docker engine here).
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { IMAGE_DIR, argDefault, copyInstructions, includedByDockerignore, parseDockerfile, readText, type Instruction } from "./helpers.ts";

const dockerfileText = await readText(join(IMAGE_DIR, "Dockerfile"));
const instructions = parseDockerfile(dockerfileText);
const dockerignore = (await readText(join(IMAGE_DIR, ".dockerignore")))
  .split("\n")
  .map((line) => line.trim())
  .filter((line) => line !== "" && !line.startsWith("#"));

function all(keyword: string): Instruction[] {
  return instructions.filter((ins) => ins.keyword === keyword);
}

function only(keyword: string): Instruction {
  const found = all(keyword);
  expect(found).toHaveLength(1);
  return found[0]!;
}

function filesUnder(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path).flatMap((entry) => filesUnder(join(path, entry)));
}

describe("Dockerfile", () => {
  test("parses into instructions", () => {
    expect(instructions.length).toBeGreaterThan(10);
    for (const ins of instructions) expect(ins.keyword).toMatch(/^[A-Z]+$/);
  });

  test("builds on oven/bun:debian", () => {
    const from = only("FROM");
    expect(from.args).toBe("${BUN_IMAGE}");
    expect(argDefault(instructions, "BUN_IMAGE")).toBe("oven/bun:debian");
  });

  test("pins OpenCode and oh-my-opencode to exact versions", () => {
    expect(argDefault(instructions, "OPENCODE_VERSION")).toMatch(/^\d+\.\d+\.\d+$/);
    expect(argDefault(instructions, "OH_MY_OPENCODE_VERSION")).toMatch(/^\d+\.\d+\.\d+$/);
    const runs = all("RUN")
      .map((ins) => ins.args)
      .join("\n");
    expect(runs).toContain('"opencode-ai@${OPENCODE_VERSION}"');
    expect(runs).toContain('"oh-my-opencode@${OH_MY_OPENCODE_VERSION}"');
    expect(dockerfileText).not.toMatch(/@latest/);
  });

  test("every file it copies exists and is in the build context", () => {
    const copies = copyInstructions(instructions);
    expect(copies.length).toBeGreaterThan(0);
    for (const copy of copies) {
      expect(copy.from).toBeUndefined();
      for (const source of copy.sources) {
        const path = join(IMAGE_DIR, source);
        expect(existsSync(path)).toBe(true);
        for (const file of filesUnder(path)) {
          expect(includedByDockerignore(dockerignore, relative(IMAGE_DIR, file))).toBe(true);
        }
      }
    }
  });

  test("bakes the three configs into /shared/config/", () => {
    const copy = copyInstructions(instructions).find((c) => c.dest === "/shared/config/");
    expect(copy?.sources).toEqual(["config/"]);
    for (const name of ["opencode.json", "opencode.jsonc", "oh-my-opencode.json"]) {
      expect(existsSync(join(IMAGE_DIR, "config", name))).toBe(true);
    }
  });

  test("runs as a non-root user in /workspace on port 8080", () => {
    const users = all("USER");
    const last = users[users.length - 1]!;
    expect(last.args).not.toMatch(/^(root|0)(:|$)/);
    expect(last.args).toBe("bun");
    const entrypoint = only("ENTRYPOINT");
    expect(last.line).toBeLessThan(entrypoint.line);
    expect(only("WORKDIR").args).toBe("/workspace");
    expect(only("EXPOSE").args).toBe("8080");
  });

  test("starts through tini and entrypoint.sh, both installed by the image", () => {
    const entrypoint = JSON.parse(only("ENTRYPOINT").args) as string[];
    expect(entrypoint).toEqual(["/usr/bin/tini", "--", "/usr/local/bin/entrypoint.sh"]);
    const scripts = copyInstructions(instructions).find((c) => c.dest === "/usr/local/bin/");
    expect(scripts?.sources).toContain("entrypoint.sh");
    expect(dockerfileText).toMatch(/apt-get install[^\n]*(\n[^\n]*)*?\btini\b/);
  });

  test("has a HEALTHCHECK that runs healthcheck.sh", () => {
    const health = only("HEALTHCHECK");
    expect(health.args).toMatch(/--interval=\d+s/);
    expect(health.args).toContain('CMD ["/usr/local/bin/healthcheck.sh"]');
    const scripts = copyInstructions(instructions).find((c) => c.dest === "/usr/local/bin/");
    expect(scripts?.sources).toContain("healthcheck.sh");
  });

  test("fills OpenCode's plugin cache after OpenCode has written its cache marker", () => {
    const seed = all("RUN").find((ins) => ins.args.includes("opencode add"));
    expect(seed).toBeDefined();
    const args = seed!.args;
    const marker = args.indexOf("opencode --version");
    const install = args.indexOf("BUN_BE_BUN=1 opencode add --exact");
    expect(marker).toBeGreaterThanOrEqual(0);
    expect(install).toBeGreaterThan(marker);
    expect(args).toContain("cd /home/bun/.cache/opencode");
    // The seeding runs as the runtime user, so the cache belongs to it.
    const userBefore = all("USER")
      .filter((u) => u.line < seed!.line)
      .pop();
    expect(userBefore?.args).toBe("bun");
  });
});
