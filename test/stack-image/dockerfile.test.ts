// The stack image's Dockerfile, read as text (there is no Docker engine here).
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { pinnedOpenCode } from "../../scripts/opencode.ts";
import {
  IMAGE_DIR,
  REPO_ROOT,
  argDefault,
  copyInstructions,
  includedByDockerignore,
  parseDockerfile,
  readText,
  type Instruction,
} from "./helpers.ts";

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

  test("pins OpenCode and oh-my-openagent to exact versions", () => {
    expect(argDefault(instructions, "OPENCODE_VERSION")).toMatch(/^\d+\.\d+\.\d+$/);
    expect(argDefault(instructions, "OH_MY_OPENAGENT_VERSION")).toMatch(/^\d+\.\d+\.\d+$/);
    const runs = all("RUN")
      .map((ins) => ins.args)
      .join("\n");
    expect(runs).toContain('"opencode-ai@${OPENCODE_VERSION}"');
    expect(runs).toContain("oh-my-openagent@${OH_MY_OPENAGENT_VERSION}");
    expect(dockerfileText).not.toMatch(/@latest/);
  });

  test("runs the OpenCode the tests run: package.json's opencode.current moves with it", () => {
    expect(pinnedOpenCode(REPO_ROOT).current).toBe(argDefault(instructions, "OPENCODE_VERSION")!);
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

  test("bakes the three configs into /shared/config/, and the session import beside the scripts", () => {
    const copy = copyInstructions(instructions).find((c) => c.dest === "/shared/config/");
    expect(copy?.sources).toEqual(["config/"]);
    expect(readdirSync(join(IMAGE_DIR, "config")).sort()).toEqual(["omo.jsonc", "opencode.json", "opencode.jsonc"]);
    const script = copyInstructions(instructions).find((c) => c.sources.includes("import-sessions.ts"));
    expect(script?.dest).toBe("/usr/local/share/stack-image/");
    expect(readFileSync(join(IMAGE_DIR, "entrypoint.sh"), "utf8")).toContain("/usr/local/share/stack-image/import-sessions.ts");
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

  test("lets OpenCode install the plugin and its own dependencies at build time, as the runtime user, with the baked config", () => {
    const warm = all("RUN").find((ins) => ins.args.includes("opencode agent list"));
    expect(warm).toBeDefined();
    const args = warm!.args;
    // The baked config is in place first, and gone again after (a stack starts from /shared).
    expect(args.indexOf("cp /shared/config/opencode.json")).toBeLessThan(args.indexOf("opencode agent list"));
    expect(args.indexOf("cp /shared/config/omo.jsonc /home/bun/.omo/")).toBeLessThan(args.indexOf("opencode agent list"));
    expect(args).toContain("rm -f /home/bun/.config/opencode/opencode.json /home/bun/.config/opencode/opencode.jsonc /home/bun/.omo/omo.jsonc");
    // The plugin is where OpenCode looks for it, and every agent of the strategy loaded.
    expect(args).toContain("/home/bun/.cache/opencode/packages/oh-my-openagent@${OH_MY_OPENAGENT_VERSION}/node_modules");
    for (const agent of ["oracle", "librarian", "explore"]) expect(args).toContain(agent);
    // Every model the config names is one this OpenCode offers.
    expect(args).toContain("opencode models opencode");
    const userBefore = all("USER")
      .filter((u) => u.line < warm!.line)
      .pop();
    expect(userBefore?.args).toBe("bun");
  });
});
