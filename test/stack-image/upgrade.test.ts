// What the image's OpenCode makes of its config and of an old stack's data volume, with the
// real releases (package.json's opencode field: current is the image's, previous the fleet's
// old one). No Docker: the data volume is a directory, as it is to OpenCode.
import { afterAll, describe, expect, test } from "bun:test";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openCode, serveOpenCode, sessionWithMessage } from "../support/opencode.ts";
import { CONFIG_DIR, IMAGE_DIR } from "./helpers.ts";

const current = openCode("current");
const previous = openCode("previous");
const root = mkdtempSync(join(tmpdir(), "stack-upgrade-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function run(cmd: string[], env: Record<string, string>, cwd = root) {
  const proc = Bun.spawn(cmd, {
    cwd,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", OPENCODE_DISABLE_MODELS_FETCH: "true", ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  return { stdout, stderr, code };
}

describe("the image's OpenCode and its config", () => {
  test("OpenCode accepts the baked config, and offers every model it names without an API key", async () => {
    const home = join(root, "config-home");
    mkdirSync(join(home, ".config", "opencode"), { recursive: true });
    mkdirSync(join(home, ".omo"), { recursive: true });
    for (const name of ["opencode.json", "opencode.jsonc"]) cpSync(join(CONFIG_DIR, name), join(home, ".config", "opencode", name));
    cpSync(join(CONFIG_DIR, "omo.jsonc"), join(home, ".omo", "omo.jsonc"));
    // --pure: the config is read and checked; the plugin (installed in the image) is not fetched.
    const config = await run([current.command, "debug", "config", "--pure"], { HOME: home });
    expect(config.stderr).not.toContain("invalid");
    expect(config.code).toBe(0);
    const resolved = JSON.parse(config.stdout) as { model: string; small_model: string; permission: Record<string, unknown> };
    expect(resolved.model).toBe("opencode/big-pickle");
    expect(resolved.permission.external_directory).toBe("ask");

    const offered = (await run([current.command, "models", "opencode", "--pure"], { HOME: home })).stdout.split("\n");
    const texts = [join(CONFIG_DIR, "opencode.json"), join(CONFIG_DIR, "omo.jsonc")].map((file) => Bun.file(file).text());
    const named = new Set((await Promise.all(texts)).flatMap((text) => [...text.matchAll(/"(opencode\/[a-z0-9.-]+)"/g)].map((m) => m[1]!)));
    expect(named.size).toBeGreaterThanOrEqual(4);
    for (const model of named) expect({ model, offered: offered.includes(model) }).toEqual({ model, offered: true });
    // The strategy's own models are what this OpenCode no longer offers (README.md).
    for (const model of ["opencode/glm-4.7-free", "opencode/gpt-5-nano", "opencode/minimax-m2.1-free", "opencode/grok-code"]) {
      expect(offered).not.toContain(model);
    }
  }, 60_000);
});

describe(`an OpenCode ${previous.version} data volume opened by OpenCode ${current.version}`, () => {
  test("lists none of its sessions as it is; after import-sessions.ts all of them, with their messages, and the old release still reads the volume", async () => {
    const dataHome = join(root, "volume");
    const home = join(root, "home");
    const workspace = join(root, "workspace");
    const elsewhere = join(root, "elsewhere");
    mkdirSync(elsewhere, { recursive: true });
    const dirs = { home, dataHome, cwd: workspace };

    // An old stack: sessions in its workspace and in another directory, each with a message.
    const old = await serveOpenCode(previous.command, dirs);
    const made = [
      await sessionWithMessage(old, "first", "kept line one"),
      await sessionWithMessage(old, "second", "kept line two"),
      await sessionWithMessage(old, "third", "kept line three", elsewhere),
    ];
    const oldList = (await old.get("/session")) as { id: string }[];
    await old.stop();
    expect(oldList.map((s) => s.id).sort()).toEqual(made.map((s) => s.id).sort());
    expect(existsSync(join(dataHome, "opencode", "storage", "session"))).toBe(true);

    // The new release alone: the files are there, the sessions are not.
    const bare = await serveOpenCode(current.command, dirs);
    expect(await bare.get("/session?limit=1000")).toEqual([]);
    await bare.stop();

    const imported = await run([process.execPath, join(IMAGE_DIR, "import-sessions.ts")], {
      HOME: home,
      XDG_DATA_HOME: dataHome,
      OPENCODE_BIN: current.command,
      STACK_WORKSPACE: workspace,
    });
    expect(imported.stderr).toContain("3 session(s) in OpenCode 1.1's files, 3 to import");
    expect(imported.stderr).toContain("imported 3 session(s)");
    expect(imported.code).toBe(0);

    const upgraded = await serveOpenCode(current.command, dirs);
    const health = await upgraded.get("/global/health");
    expect(health.version).toBe(current.version);
    const listed = (await upgraded.get("/session?limit=1000")) as { id: string; title: string; directory: string }[];
    expect(listed.map((s) => s.id).sort()).toEqual(made.map((s) => s.id).sort());
    // Each keeps its title and directory, so it is listed where it was.
    expect(listed.find((s) => s.id === made[2]!.id)).toMatchObject({ title: "third", directory: elsewhere });
    expect(((await upgraded.get(`/session?directory=${encodeURIComponent(elsewhere)}`)) as { id: string }[]).map((s) => s.id)).toEqual([made[2]!.id]);
    const messages = (await upgraded.get(`/session/${made[0]!.id}/message`)) as { parts: { text?: string }[] }[];
    expect(messages.flatMap((m) => m.parts.map((p) => p.text))).toContain("kept line one");
    // A session made on the new release lives in its database.
    const fresh = await sessionWithMessage(upgraded, "made after the upgrade", "new line");
    await upgraded.stop();
    expect(existsSync(join(dataHome, "opencode", "opencode.db"))).toBe(true);

    // A second start has nothing to do (the marker), and says nothing.
    const again = await run([process.execPath, join(IMAGE_DIR, "import-sessions.ts")], {
      HOME: home,
      XDG_DATA_HOME: dataHome,
      OPENCODE_BIN: current.command,
    });
    expect({ code: again.code, stderr: again.stderr }).toEqual({ code: 0, stderr: "" });

    // Put back on the old release (a rollback), the volume still holds every old session.
    const back = await serveOpenCode(previous.command, dirs);
    const backList = ((await back.get("/session")) as { id: string }[]).map((s) => s.id);
    await back.stop();
    expect(backList).toEqual(expect.arrayContaining(made.map((s) => s.id)));
    expect(backList).not.toContain(fresh.id);
  }, 180_000);
});
