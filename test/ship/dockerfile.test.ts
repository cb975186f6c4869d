// The portal's Dockerfile. There is no Docker engine here, so the image is checked as
// text and then rebuilt by hand: the dependency install it runs (offline, --dry-run), the
// files it copies (through .dockerignore) with only the production packages, and its
// command started exactly as CMD says, as an unprivileged user when the test runs as root.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, relative } from "node:path";
import { type StartedSandbox, startSandbox } from "../../src/sandbox/index.ts";
import { argDefault, copyInstructions, includedByDockerignore, type Instruction, parseDockerfile } from "../stack-image/helpers.ts";
import { BUN, REPO_ROOT, deadPort, waitFor } from "./helpers.ts";

const text = await Bun.file(join(REPO_ROOT, "Dockerfile")).text();
const instructions = parseDockerfile(text);
const dockerignore = (await Bun.file(join(REPO_ROOT, ".dockerignore")).text())
  .split("\n")
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith("#"));
const lock = (await Bun.file(join(REPO_ROOT, "package-lock.json")).json()) as {
  packages: Record<string, { version?: string; dev?: boolean; devOptional?: boolean }>;
};

/** The instructions of each stage, by stage name (the last one is the runtime). */
function stages(): { name: string; from: string; body: Instruction[] }[] {
  const out: { name: string; from: string; body: Instruction[] }[] = [];
  for (const ins of instructions) {
    if (ins.keyword === "FROM") {
      const [from, , name] = ins.args.split(/\s+/);
      out.push({ name: name ?? `stage${out.length}`, from: from!, body: [] });
    } else out.at(-1)?.body.push(ins);
  }
  return out;
}
const runtime = () => stages().at(-1)!;
const only = (body: Instruction[], keyword: string) => {
  const found = body.filter((i) => i.keyword === keyword);
  expect(found).toHaveLength(1);
  return found[0]!;
};

function filesUnder(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path).flatMap((entry) => filesUnder(join(path, entry)));
}

/** Packages of the lockfile a production install gets (path in node_modules -> version). */
const productionPackages = Object.entries(lock.packages)
  .filter(([path, p]) => path.startsWith("node_modules/") && !p.dev && !p.devOptional)
  .map(([path, p]) => ({ path, version: p.version! }));

const ENV = (() => {
  const out: Record<string, string> = {};
  for (const ins of runtime().body.filter((i) => i.keyword === "ENV")) for (const m of ins.args.matchAll(/([A-Z_]+)=(\S+)/g)) out[m[1]!] = m[2]!;
  return out;
})();

describe("Dockerfile as text", () => {
  test("two stages on Debian-based oven/bun images of the Bun this repository uses", () => {
    const s = stages();
    expect(s.map((x) => x.name)).toEqual(["deps", "runtime"]);
    const bun = JSON.parse(readFileSync(join(REPO_ROOT, "node_modules/bun/package.json"), "utf8")) as { version: string };
    const bunMinor = bun.version.split(".").slice(0, 2).join(".");
    expect(argDefault(instructions, "BUN_IMAGE")).toBe(`oven/bun:${bunMinor}-debian`);
    // "slim" is Debian too (bookworm-slim), without the extras of the full image.
    expect(argDefault(instructions, "BUN_RUNTIME_IMAGE")).toBe(`oven/bun:${bunMinor}-slim`);
    expect(s[0]!.from).toBe("${BUN_IMAGE}");
    expect(s[1]!.from).toBe("${BUN_RUNTIME_IMAGE}");
  });

  test("the dependency stage installs production packages only, from the npm lockfile, frozen", () => {
    const deps = stages()[0]!;
    const copy = copyInstructions(deps.body);
    expect(copy).toHaveLength(1);
    expect(copy[0]!.sources).toEqual(["package.json", "package-lock.json"]);
    const run = only(deps.body, "RUN").args;
    expect(run).toMatch(/bun install --production --frozen-lockfile/);
  });

  test("runs as the unprivileged bun user with NODE_ENV=production, DATA_DIR on a volume, port 3000", () => {
    const body = runtime().body;
    const user = body.filter((i) => i.keyword === "USER");
    expect(user.at(-1)!.args).toBe("bun");
    expect(user.at(-1)!.line).toBeLessThan(only(body, "CMD").line);
    expect(ENV).toMatchObject({ NODE_ENV: "production", PORT: "3000", HOST: "0.0.0.0", DATA_DIR: "/data" });
    // A DNS answer kept 30 s (Bun's default) sent the probe to a task that was gone after a restart.
    expect(ENV.BUN_CONFIG_DNS_TIME_TO_LIVE_SECONDS).toBe("1");
    expect(JSON.parse(only(body, "VOLUME").args)).toEqual(["/data"]);
    expect(only(body, "EXPOSE").args).toBe("3000");
    // The volume's directory belongs to that user, so a new named volume is writable.
    expect(only(body, "RUN").args).toContain("chown bun:bun /data");
  });

  test("a HEALTHCHECK on /health with Bun's fetch (no curl in the image)", () => {
    const health = only(runtime().body, "HEALTHCHECK").args;
    expect(health).toMatch(/--interval=\d+s/);
    const cmd = JSON.parse(health.slice(health.indexOf("CMD") + 3).trim()) as string[];
    expect(cmd.slice(0, 2)).toEqual(["bun", "-e"]);
    expect(cmd[2]).toContain("/health");
    for (const ins of instructions) expect(ins.args).not.toMatch(/\bcurl\b/);
  });

  test("every file it copies exists and passes .dockerignore; tests, data and git stay out", () => {
    for (const copy of copyInstructions(instructions).filter((c) => !c.from)) {
      for (const source of copy.sources) {
        const path = join(REPO_ROOT, source);
        expect(existsSync(path)).toBe(true);
        for (const file of filesUnder(path)) expect(includedByDockerignore(dockerignore, relative(REPO_ROOT, file))).toBe(true);
      }
    }
    for (const path of [
      "node_modules/hono/package.json",
      "test/ship/dockerfile.test.ts",
      ".git/HEAD",
      "data/portal.sqlite",
      "docs/deployment.md",
      "stack-image/Dockerfile",
      "web/dist/app.js",
      "src/x.sqlite-wal",
    ])
      expect({ path, included: includedByDockerignore(dockerignore, path) }).toEqual({ path, included: false });
  });
});

describe("the image rebuilt by hand", () => {
  let work: string;
  let app: string;
  let sandbox: StartedSandbox;
  const KEY = "dockerfile-test-key-0123456789";

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "portal-image-"));
    chmodSync(work, 0o755);
    app = join(work, "app");
    mkdirSync(app);
    sandbox = await startSandbox({ apiKey: KEY, deployDurationMs: 20 });
  });
  afterAll(async () => {
    await sandbox.stop();
    rmSync(work, { recursive: true, force: true });
  });

  test("its install command works on the npm lockfile, offline, and selects exactly the production packages", async () => {
    const dir = join(work, "deps");
    mkdirSync(dir);
    for (const file of copyInstructions(stages()[0]!.body)[0]!.sources) cpSync(join(REPO_ROOT, file), join(dir, file));
    const run = only(stages()[0]!.body, "RUN").args;
    const flags = /bun install ((?:--[a-z-]+ ?)+)/.exec(run)![1]!.trim().split(/\s+/);
    const proc = Bun.spawnSync([BUN, "install", ...flags, "--dry-run"], {
      cwd: dir,
      // No registry reachable: everything must come from the lockfile.
      env: {
        PATH: process.env.PATH ?? "",
        HOME: dir,
        BUN_INSTALL_CACHE_DIR: join(dir, ".cache"),
        BUN_CONFIG_REGISTRY: `http://127.0.0.1:${deadPort()}/`,
      },
    });
    const output = `${proc.stdout.toString()}${proc.stderr.toString()}`;
    expect(proc.exitCode).toBe(0);
    expect(output).toContain("migrated lockfile from package-lock.json");
    const listed = [...output.matchAll(/^ ([@a-z0-9][^@\s]*)@(\d[^\s]*)$/gm)].map((m) => `${m[1]}@${m[2]}`).sort();
    const expected = productionPackages.map((p) => `${p.path.split("node_modules/").at(-1)}@${p.version}`).sort();
    expect(listed).toEqual(expected);
    for (const dev of ["typescript", "playwright-core", "ajv", "bun"]) expect(listed.some((p) => p.startsWith(`${dev}@`))).toBe(false);
  });

  test("CMD starts the portal from the copied files with production packages only; /health, the page and the HEALTHCHECK work", async () => {
    // The runtime stage's COPY instructions, through .dockerignore, as `docker build` would.
    for (const copy of copyInstructions(runtime().body)) {
      if (copy.from) continue;
      for (const source of copy.sources) {
        const from = join(REPO_ROOT, source);
        if (statSync(from).isDirectory()) {
          // A directory's contents go into the destination.
          for (const file of filesUnder(from)) {
            if (!includedByDockerignore(dockerignore, relative(REPO_ROOT, file))) continue;
            const dest = join(app, copy.dest, relative(from, file));
            mkdirSync(dirname(dest), { recursive: true });
            cpSync(file, dest);
          }
        } else cpSync(from, copy.dest.endsWith("/") ? join(app, copy.dest, basename(source)) : join(app, copy.dest));
      }
    }
    // COPY --from=deps /app/node_modules: the production packages, nothing else.
    for (const p of productionPackages) cpSync(join(REPO_ROOT, p.path), join(app, p.path), { recursive: true });
    expect(existsSync(join(app, "node_modules/typescript"))).toBe(false);
    expect(existsSync(join(app, "src/main.ts"))).toBe(true);
    expect(existsSync(join(app, "web/index.html"))).toBe(true);
    expect(existsSync(join(app, "package.json"))).toBe(true);

    const data = join(work, "data");
    mkdirSync(data);
    const port = deadPort();
    const cmd = JSON.parse(only(runtime().body, "CMD").args) as string[];
    expect(cmd).toEqual(["bun", "src/main.ts"]);
    // The image's user owns only /data; the application files are not writable to it.
    // (Only possible as root with setpriv, and when that user may run this checkout's Bun.)
    const setpriv = Bun.which("setpriv");
    const drop = setpriv ? [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", "--"] : [];
    const unprivileged = process.getuid?.() === 0 && setpriv && Bun.spawnSync([...drop, BUN, "--version"], { cwd: app }).exitCode === 0 ? drop : [];
    if (unprivileged.length) chmodSync(data, 0o777);
    const env = {
      PATH: process.env.PATH ?? "",
      ...ENV,
      DATA_DIR: data,
      HOST: "127.0.0.1",
      PORT: String(port),
      DOKPLOY_URL: sandbox.url,
      DOKPLOY_API_TOKEN: KEY,
      LOG_LEVEL: "warn",
    };
    const proc = Bun.spawn([...unprivileged, BUN, ...cmd.slice(1)], { cwd: app, env, stdout: "pipe", stderr: "pipe" });
    try {
      const health = await waitFor(
        "/health",
        async () => {
          if (proc.exitCode !== null) throw new Error(`the portal exited with ${proc.exitCode}: ${await new Response(proc.stderr).text()}`);
          return fetch(`http://127.0.0.1:${port}/health`)
            .then((r) => r.json() as Promise<any>)
            .catch(() => undefined);
        },
        10_000,
      );
      expect(health).toMatchObject({ status: "healthy", mode: "dokploy" });
      const page = await fetch(`http://127.0.0.1:${port}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain("<title>AI Stack Deployer</title>");
      expect(existsSync(join(data, "portal.sqlite"))).toBe(true);
      // Written by the unprivileged user, which could write nowhere else.
      if (unprivileged.length) expect(statSync(join(data, "portal.sqlite")).uid).toBe(65534);

      const hc = only(runtime().body, "HEALTHCHECK").args;
      const hcCmd = JSON.parse(hc.slice(hc.indexOf("CMD") + 3).trim()) as string[];
      const probe = (p: number) => Bun.spawnSync([BUN, ...hcCmd.slice(1)], { env: { PATH: env.PATH, PORT: String(p) } }).exitCode;
      expect(probe(port)).toBe(0);
      expect(probe(deadPort())).toBe(1);
    } finally {
      proc.kill("SIGTERM");
      expect(await proc.exited).toBe(0);
    }
  });
});
