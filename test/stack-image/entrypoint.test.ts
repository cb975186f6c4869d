// entrypoint.sh and healthcheck.sh, run for real against fake `opencode` and `curl`
// programs written into a temporary directory. Nothing listens, nothing is fetched.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CONFIG_DIR, IMAGE_DIR } from "./helpers.ts";

const ENTRYPOINT = join(IMAGE_DIR, "entrypoint.sh");
const HEALTHCHECK = join(IMAGE_DIR, "healthcheck.sh");
/** Each baked config file and where, under HOME, the entrypoint puts it. */
const CONFIG_TARGETS = { "opencode.json": ".config/opencode", "opencode.jsonc": ".config/opencode", "omo.jsonc": ".omo" };

let root: string;
let fakeBin: string;
let counter = 0;

// A fake `opencode` that reports how it was called, one `key=value` per line.
const FAKE_OPENCODE = `#!/bin/sh
printf 'cwd=%s\\n' "$(pwd)"
for a in "$@"; do printf 'arg=%s\\n' "$a"; done
printf 'env.OPENCODE_SERVER_PASSWORD=%s\\n' "\${OPENCODE_SERVER_PASSWORD-<unset>}"
printf 'env.OPENCODE_SERVER_USERNAME=%s\\n' "\${OPENCODE_SERVER_USERNAME-<unset>}"
printf 'env.OPENCODE_SERVER_PASSWORD_FILE=%s\\n' "\${OPENCODE_SERVER_PASSWORD_FILE-<unset>}"
exported=no
if env | grep -q '^OPENCODE_SERVER_PASSWORD='; then exported=yes; fi
printf 'exported.OPENCODE_SERVER_PASSWORD=%s\\n' "$exported"
`;

// A fake `bun` (the image runs import-sessions.ts with it) that reports how it was called.
const FAKE_BUN = `#!/bin/sh
for a in "$@"; do printf 'bun.arg=%s\\n' "$a"; done
printf 'bun.env.STACK_WORKSPACE=%s\\n' "\${STACK_WORKSPACE-<unset>}"
exit "\${FAKE_BUN_EXIT:-0}"
`;

// A fake `curl` that reports its arguments and what it read on stdin.
const FAKE_CURL = `#!/bin/sh
for a in "$@"; do printf 'arg=%s\\n' "$a"; done
case " $* " in
  *" --config - "*) while IFS= read -r line; do printf 'stdin=%s\\n' "$line"; done ;;
esac
exit "\${FAKE_CURL_EXIT:-0}"
`;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "stack-image-test-"));
  fakeBin = join(root, "bin");
  mkdirSync(fakeBin);
  writeFileSync(join(fakeBin, "opencode"), FAKE_OPENCODE);
  writeFileSync(join(fakeBin, "curl"), FAKE_CURL);
  writeFileSync(join(fakeBin, "bun"), FAKE_BUN);
  for (const name of ["opencode", "curl", "bun"]) chmodSync(join(fakeBin, name), 0o755);
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  home: string;
  workspace: string;
  report: Map<string, string[]>;
}

function parseReport(stdout: string): Map<string, string[]> {
  const report = new Map<string, string[]>();
  for (const line of stdout.split("\n")) {
    const eq = line.indexOf("=");
    if (eq <= 0) continue;
    const key = line.slice(0, eq);
    report.set(key, [...(report.get(key) ?? []), line.slice(eq + 1)]);
  }
  return report;
}

/** Runs a script with `sh` in a fresh HOME and workspace, fakes first on PATH. */
async function run(script: string, options: { env?: Record<string, string>; args?: string[]; home?: string } = {}): Promise<Run> {
  const dir = join(root, `run-${++counter}`);
  const home = options.home ?? join(dir, "home");
  const workspace = join(dir, "workspace");
  mkdirSync(home, { recursive: true });
  mkdirSync(workspace, { recursive: true });
  const proc = Bun.spawn(["sh", script, ...(options.args ?? [])], {
    cwd: dir,
    env: {
      PATH: `${fakeBin}:/usr/local/bin:/usr/bin:/bin`,
      HOME: home,
      STACK_CONFIG_SOURCE: CONFIG_DIR,
      STACK_WORKSPACE: workspace,
      ...options.env,
    },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { code, stdout, stderr, home, workspace, report: parseReport(stdout) };
}

async function syntaxCheck(shell: string, script: string): Promise<number | undefined> {
  if (!Bun.which(shell)) return undefined;
  const proc = Bun.spawn([shell, "-n", script], { stdout: "pipe", stderr: "pipe" });
  return await proc.exited;
}

describe("entrypoint.sh", () => {
  test("is valid POSIX shell", async () => {
    expect(readFileSync(ENTRYPOINT, "utf8").split("\n")[0]).toBe("#!/bin/sh");
    expect(await syntaxCheck("sh", ENTRYPOINT)).toBe(0);
    expect(await syntaxCheck("bash", ENTRYPOINT)).toBe(0);
    const dash = await syntaxCheck("dash", ENTRYPOINT);
    if (dash !== undefined) expect(dash).toBe(0);
  });

  test("serves on 0.0.0.0:8080 and passes the password through", async () => {
    const result = await run(ENTRYPOINT, { env: { OPENCODE_SERVER_PASSWORD: "s3cret pass!" } });
    expect(result.code).toBe(0);
    expect(result.report.get("arg")).toEqual(["serve", "--hostname", "0.0.0.0", "--port", "8080"]);
    expect(result.report.get("env.OPENCODE_SERVER_PASSWORD")).toEqual(["s3cret pass!"]);
    expect(result.report.get("exported.OPENCODE_SERVER_PASSWORD")).toEqual(["yes"]);
    expect(result.report.get("cwd")).toEqual([result.workspace]);
    expect(result.stderr).not.toContain("WARNING: OPENCODE_SERVER_PASSWORD is not set");
    expect(result.stderr).toContain("basic auth is on (user: opencode)");
    // The password itself is never logged.
    expect(result.stderr).not.toContain("s3cret");
  });

  test("passes a custom user name through", async () => {
    const result = await run(ENTRYPOINT, {
      env: { OPENCODE_SERVER_PASSWORD: "pw", OPENCODE_SERVER_USERNAME: "alice" },
    });
    expect(result.report.get("env.OPENCODE_SERVER_USERNAME")).toEqual(["alice"]);
    expect(result.stderr).toContain("(user: alice)");
  });

  test("warns loudly on stderr when the password is unset, and still serves", async () => {
    const result = await run(ENTRYPOINT);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("WARNING: OPENCODE_SERVER_PASSWORD is not set");
    expect(result.stderr).toContain("WITHOUT authentication");
    expect(result.stdout).not.toContain("WARNING");
    expect(result.report.get("arg")).toEqual(["serve", "--hostname", "0.0.0.0", "--port", "8080"]);
    expect(result.report.get("env.OPENCODE_SERVER_PASSWORD")).toEqual(["<unset>"]);
  });

  test("treats an empty password as unset", async () => {
    const result = await run(ENTRYPOINT, { env: { OPENCODE_SERVER_PASSWORD: "" } });
    expect(result.stderr).toContain("WARNING: OPENCODE_SERVER_PASSWORD is not set");
    expect(result.report.get("exported.OPENCODE_SERVER_PASSWORD")).toEqual(["no"]);
  });

  test("refuses to start without a password when STACK_REQUIRE_PASSWORD is set", async () => {
    const result = await run(ENTRYPOINT, { env: { STACK_REQUIRE_PASSWORD: "true" } });
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("refusing to start");
  });

  test("reads the password from OPENCODE_SERVER_PASSWORD_FILE", async () => {
    const file = join(root, "password-file");
    writeFileSync(file, "from-a-secret\n");
    const result = await run(ENTRYPOINT, { env: { OPENCODE_SERVER_PASSWORD_FILE: file } });
    expect(result.code).toBe(0);
    expect(result.report.get("env.OPENCODE_SERVER_PASSWORD")).toEqual(["from-a-secret"]);
    expect(result.report.get("env.OPENCODE_SERVER_PASSWORD_FILE")).toEqual(["<unset>"]);
    expect(result.stderr).not.toContain("WARNING: OPENCODE_SERVER_PASSWORD is not set");
  });

  test("refuses to start when the password file cannot be read", async () => {
    const result = await run(ENTRYPOINT, {
      env: { OPENCODE_SERVER_PASSWORD_FILE: join(root, "does-not-exist") },
    });
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("refusing to start");
  });

  test("copies the baked configs into ~/.config/opencode and oh-my-openagent's ~/.omo", async () => {
    const result = await run(ENTRYPOINT, { env: { OPENCODE_SERVER_PASSWORD: "pw" } });
    for (const [name, dir] of Object.entries(CONFIG_TARGETS)) {
      const copied = readFileSync(join(result.home, dir, name), "utf8");
      expect(copied).toBe(readFileSync(join(CONFIG_DIR, name), "utf8"));
    }
  });

  test("never overwrites a config file the user already has", async () => {
    const home = join(root, "existing-home");
    const configHome = join(home, ".config", "opencode");
    mkdirSync(configHome, { recursive: true });
    const mine = '{ "model": "my-provider/my-model" }\n';
    writeFileSync(join(configHome, "opencode.json"), mine);
    const result = await run(ENTRYPOINT, { home, env: { OPENCODE_SERVER_PASSWORD: "pw" } });
    expect(result.code).toBe(0);
    expect(readFileSync(join(configHome, "opencode.json"), "utf8")).toBe(mine);
    expect(result.stderr).toContain(`keeping existing ${join(configHome, "opencode.json")}`);
    // The files the user did not have are still installed.
    expect(readFileSync(join(home, ".omo", "omo.jsonc"), "utf8")).toBe(readFileSync(join(CONFIG_DIR, "omo.jsonc"), "utf8"));
  });

  test("honours XDG_CONFIG_HOME", async () => {
    const xdg = join(root, "xdg-config");
    await run(ENTRYPOINT, { env: { OPENCODE_SERVER_PASSWORD: "pw", XDG_CONFIG_HOME: xdg } });
    expect(readFileSync(join(xdg, "opencode", "opencode.jsonc"), "utf8")).toBe(readFileSync(join(CONFIG_DIR, "opencode.jsonc"), "utf8"));
  });

  test("imports an OpenCode 1.1 data directory's sessions before the server starts", async () => {
    const home = join(root, "old-data-home");
    mkdirSync(join(home, ".local", "share", "opencode", "storage", "session", "global"), { recursive: true });
    const result = await run(ENTRYPOINT, { home, env: { OPENCODE_SERVER_PASSWORD: "pw" } });
    expect(result.code).toBe(0);
    expect(result.report.get("bun.arg")).toEqual(["/usr/local/share/stack-image/import-sessions.ts"]);
    expect(result.report.get("bun.env.STACK_WORKSPACE")).toEqual([result.workspace]);
    // The import, then the server.
    expect(result.stdout.indexOf("bun.arg=")).toBeLessThan(result.stdout.indexOf("arg=serve"));
    expect(result.report.get("arg")).toEqual(["serve", "--hostname", "0.0.0.0", "--port", "8080"]);
  });

  test("starts the server even when some sessions could not be imported, and says so", async () => {
    const home = join(root, "failed-import-home");
    mkdirSync(join(home, ".local", "share", "opencode", "storage", "session"), { recursive: true });
    const result = await run(ENTRYPOINT, { home, env: { OPENCODE_SERVER_PASSWORD: "pw", FAKE_BUN_EXIT: "1" } });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("were not imported");
    expect(result.report.get("arg")).toEqual(["serve", "--hostname", "0.0.0.0", "--port", "8080"]);
  });

  test("imports nothing for a data directory without OpenCode 1.1 sessions, when switched off, or for another command", async () => {
    expect((await run(ENTRYPOINT, { env: { OPENCODE_SERVER_PASSWORD: "pw" } })).report.get("bun.arg")).toBeUndefined();
    const home = join(root, "import-off-home");
    mkdirSync(join(home, ".local", "share", "opencode", "storage", "session"), { recursive: true });
    const off = await run(ENTRYPOINT, { home, env: { OPENCODE_SERVER_PASSWORD: "pw", STACK_IMPORT_SESSIONS: "false" } });
    expect(off.report.get("bun.arg")).toBeUndefined();
    expect(off.report.get("arg")).toEqual(["serve", "--hostname", "0.0.0.0", "--port", "8080"]);
    const other = await run(ENTRYPOINT, { home, env: { OPENCODE_SERVER_PASSWORD: "pw" }, args: ["opencode", "--version"] });
    expect(other.report.get("bun.arg")).toBeUndefined();
  });

  test("adds extra flags to `opencode serve`", async () => {
    const result = await run(ENTRYPOINT, {
      env: { OPENCODE_SERVER_PASSWORD: "pw" },
      args: ["--log-level", "DEBUG"],
    });
    expect(result.report.get("arg")).toEqual(["serve", "--hostname", "0.0.0.0", "--port", "8080", "--log-level", "DEBUG"]);
  });

  test("runs another command instead of the server when given one", async () => {
    const result = await run(ENTRYPOINT, {
      env: { OPENCODE_SERVER_PASSWORD: "pw" },
      args: ["opencode", "--version"],
    });
    expect(result.report.get("arg")).toEqual(["--version"]);
  });
});

describe("healthcheck.sh", () => {
  test("is valid POSIX shell", async () => {
    expect(readFileSync(HEALTHCHECK, "utf8").split("\n")[0]).toBe("#!/bin/sh");
    expect(await syntaxCheck("sh", HEALTHCHECK)).toBe(0);
    expect(await syntaxCheck("bash", HEALTHCHECK)).toBe(0);
  });

  test("checks /global/health on port 8080 without credentials when there is no password", async () => {
    const result = await run(HEALTHCHECK);
    expect(result.code).toBe(0);
    const args = result.report.get("arg") ?? [];
    expect(args).toContain("--fail");
    expect(args[args.length - 1]).toBe("http://127.0.0.1:8080/global/health");
    expect(args).not.toContain("--config");
  });

  test("sends basic-auth credentials on stdin, never on the command line", async () => {
    const result = await run(HEALTHCHECK, {
      env: { OPENCODE_SERVER_PASSWORD: "hunter2", OPENCODE_SERVER_USERNAME: "alice" },
    });
    expect(result.code).toBe(0);
    const args = result.report.get("arg") ?? [];
    expect(args.join(" ")).not.toContain("hunter2");
    expect(args).toContain("--config");
    const token = Buffer.from("alice:hunter2").toString("base64");
    expect(result.report.get("stdin")).toEqual([`header = "Authorization: Basic ${token}"`]);
  });

  test("uses the password file and the default user name", async () => {
    const file = join(root, "health-password");
    writeFileSync(file, "from-file\n");
    const result = await run(HEALTHCHECK, { env: { OPENCODE_SERVER_PASSWORD_FILE: file } });
    const token = Buffer.from("opencode:from-file").toString("base64");
    expect(result.report.get("stdin")).toEqual([`header = "Authorization: Basic ${token}"`]);
  });

  test("fails when the server does not answer", async () => {
    const result = await run(HEALTHCHECK, { env: { FAKE_CURL_EXIT: "7" } });
    expect(result.code).toBe(7);
  });
});

describe("the owner's models per agent (STACK_AGENT_MODELS)", () => {
  /** The entrypoint with the real bun (not the fake) first on PATH, running the image's agent-models.ts. */
  const withRealBun = (env: Record<string, string>) => {
    const realBin = join(root, "real-bun-bin");
    mkdirSync(realBin, { recursive: true });
    writeFileSync(join(realBin, "bun"), `#!/bin/sh\nexec "${process.execPath}" "$@"\n`);
    chmodSync(join(realBin, "bun"), 0o755);
    return run(ENTRYPOINT, {
      env: {
        OPENCODE_SERVER_PASSWORD: "pw",
        PATH: `${realBin}:${fakeBin}:/usr/local/bin:/usr/bin:/bin`,
        STACK_AGENT_MODELS_SCRIPT: join(IMAGE_DIR, "agent-models.ts"),
        ...env,
      },
    });
  };
  const omo = (home: string) => Bun.JSONC.parse(readFileSync(join(home, ".omo", "omo.jsonc"), "utf8")) as any;

  test("are written over the free defaults at start: agents and task categories, the rest of the file as it was", async () => {
    const baked = Bun.JSONC.parse(readFileSync(join(CONFIG_DIR, "omo.jsonc"), "utf8")) as any;
    const result = await withRealBun({ STACK_AGENT_MODELS: "sisyphus=anthropic/claude-sonnet-4-5,writing=openrouter/mistralai/mistral-large" });
    expect(result.code).toBe(0);
    const config = omo(result.home);
    expect(config["[opencode]"].agents.sisyphus).toEqual({ model: "anthropic/claude-sonnet-4-5" });
    expect(config["[opencode]"].categories.writing).toEqual({ model: "openrouter/mistralai/mistral-large" });
    // Untouched: the other agents' free models, the disabled ones, the plugin's settings.
    expect(config["[opencode]"].agents.oracle).toEqual(baked["[opencode]"].agents.oracle);
    expect(config["[opencode]"].disabled_agents).toEqual(baked["[opencode]"].disabled_agents);
    expect(config._migrations).toEqual(baked._migrations);
    expect(result.stderr).toContain("models chosen for 2 agent(s)");
    expect(result.report.get("arg")).toEqual(["serve", "--hostname", "0.0.0.0", "--port", "8080"]);
  });

  test("an entry it does not understand is left out with a warning, and the server starts", async () => {
    const result = await withRealBun({ STACK_AGENT_MODELS: "sisyphus=anthropic/claude-sonnet-4-5,nobody=openai/gpt-5,oracle=not a model" });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('"nobody=openai/gpt-5" is not');
    expect(result.stderr).toContain('"oracle=not a model" is not');
    expect(omo(result.home)["[opencode]"].agents.sisyphus.model).toBe("anthropic/claude-sonnet-4-5");
    expect(omo(result.home)["[opencode]"].agents.nobody).toBeUndefined();
  });

  test("without it, omo.jsonc is the baked file byte for byte (comments and all)", async () => {
    const result = await withRealBun({});
    expect(readFileSync(join(result.home, ".omo", "omo.jsonc"), "utf8")).toBe(readFileSync(join(CONFIG_DIR, "omo.jsonc"), "utf8"));
  });
});
