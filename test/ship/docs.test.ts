// docs/deployment.md and docs/operations.md stay true to the code: every variable of
// src/config.ts is documented, every error code the API and the sagas can return is
// explained, and every command, flag, variable and metric the docs mention exists.
import { describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { configSchema } from "../../src/config.ts";
import { errorCode } from "../../src/stacks/model/vocabulary.ts";
import { REPO_ROOT, runScript } from "./helpers.ts";

const read = (path: string) => Bun.file(join(REPO_ROOT, path)).text();
const deployment = await read("docs/deployment.md");
const operations = await read("docs/operations.md");
const docs = `${deployment}\n${operations}`;

function sources(dir: string): string[] {
  return readdirSync(join(REPO_ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts"))
    .map((e) => join(e.parentPath, e.name));
}

/** Codes the HTTP layer and the stacks layer answer with. */
async function apiCodes(): Promise<Set<string>> {
  const codes = new Set<string>();
  for (const file of sources("src/http")) {
    const text = await Bun.file(file).text();
    for (const m of text.matchAll(/problem\(\s*c,\s*\d{3},\s*"([a-z_]+)"/g)) codes.add(m[1]!);
  }
  for (const file of sources("src/stacks")) {
    const text = await Bun.file(file).text();
    for (const m of text.matchAll(/\bfail\(\s*"([a-z_]+)"/g)) codes.add(m[1]!);
  }
  const statuses = /const STATUS[^{]*\{([^}]*)\}/.exec(await read("src/http/problem.ts"))?.[1] ?? "";
  for (const m of statuses.matchAll(/^\s*([a-z_]+):/gm)) codes.add(m[1]!);
  return codes;
}

describe("docs are true to the code", () => {
  test("deployment.md's configuration table lists every variable of src/config.ts", () => {
    const table = deployment.slice(deployment.indexOf("## Configuration"), deployment.indexOf("## Network requirements"));
    const missing = Object.keys(configSchema.shape).filter((key) => !new RegExp(`^\\| \`${key}\` \\|`, "m").test(table));
    expect(missing).toEqual([]);
  });

  test("operations.md explains every error code of the API and of failed deploys and deletes", async () => {
    const section = operations.slice(operations.indexOf("## Troubleshooting by error code"), operations.indexOf("## Reconcile"));
    const codes = [...(await apiCodes()), ...errorCode.options];
    expect(codes.length).toBeGreaterThan(20);
    const missing = [...new Set(codes)].filter((code) => !section.includes(`\`${code}\``));
    expect(missing).toEqual([]);
  });

  test("every npm script the docs run exists", async () => {
    const pkg = (await read("package.json").then(JSON.parse)) as { scripts: Record<string, string> };
    const pending = new Set(readdirSync(join(REPO_ROOT, "scripts")).map((f) => f.replace(/\.ts$/, "")));
    const used = [...new Set([...docs.matchAll(/npm run ([a-z-]+)/g)].map((m) => m[1]!))];
    expect(used).toContain("self-deploy");
    expect(used).toContain("smoke");
    // self-deploy and smoke are the scripts/*.ts of the same name (package.json lines pending).
    expect(used.filter((name) => !pkg.scripts[name] && !pending.has(name))).toEqual([]);
  });

  test("every flag the docs mention is an option of self-deploy or smoke (or of docker and bun)", async () => {
    const help = (await Promise.all(["self-deploy.ts", "smoke.ts"].map((s) => runScript(s, ["--help"], {})))).map((r) => r.stdout).join("\n");
    const known = new Set([...help.matchAll(/--[a-z][a-z-]+/g)].map((m) => m[0]));
    const others = new Set(["--password-stdin", "--format", "--filter", "--production", "--frozen-lockfile", "--rm", "--label-add", "--detach"]);
    const unknown = [...new Set([...docs.matchAll(/--[a-z][a-z-]+/g)].map((m) => m[0]))].filter((f) => !known.has(f) && !others.has(f));
    expect(unknown).toEqual([]);
  });

  test("every variable the docs name exists in the code or the workflows", async () => {
    const corpus = [
      ...(await Promise.all([...sources("src"), ...sources("scripts")].map((f) => Bun.file(f).text()))),
      await read(".gitea/workflows/deploy.yml"),
      await read("Dockerfile"),
    ].join("\n");
    const named = [...new Set([...docs.matchAll(/`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)(?:=[^`]*)?`/g)].map((m) => m[1]!))];
    expect(named.length).toBeGreaterThan(40);
    expect(named.filter((name) => !corpus.includes(name))).toEqual([]);
  });

  test("every metric the docs name exists", async () => {
    const metrics = await read("src/metrics.ts");
    const named = [...new Set([...deployment.matchAll(/`(portal_[a-z_]+)`/g)].map((m) => m[1]!))];
    expect(named.length).toBeGreaterThan(5);
    expect(named.filter((name) => !metrics.includes(`"${name}"`))).toEqual([]);
  });

  test("the names the docs give the Dokploy resources are the ones self-deploy uses", async () => {
    const script = await read("scripts/self-deploy.ts");
    for (const value of [
      "ai-stack-deployer-portal",
      "deployer",
      "ai-stack-deployer-data",
      "/data",
      "git.app.flexinit.nl/oussamadouhou/ai-stack-deployer",
      "stop-first",
    ]) {
      expect(script).toContain(`"${value}"`);
      expect(docs).toContain(value);
    }
  });
});
