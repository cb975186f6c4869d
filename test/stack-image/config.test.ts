// The configuration baked into the stack image: it parses, and it says what the
// deployment strategy says.
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { CONFIG_DIR, IMAGE_DIR, argDefault, parseDockerfile, parseJsonc, readText, stripJsonc } from "./helpers.ts";

type Json = Record<string, unknown>;

// Agents -> models, from the deployment strategy. Keys are oh-my-opencode 2.x agent names.
const EXPECTED_AGENT_MODELS: Record<string, string> = {
  Sisyphus: "opencode/glm-4.7-free", // main, primary coding
  oracle: "opencode/gpt-5-nano", // architecture
  librarian: "opencode/minimax-m2.1-free", // documentation
  explore: "opencode/grok-code", // codebase search
  "frontend-ui-ux-engineer": "opencode/glm-4.7-free", // UI/UX
  "document-writer": "opencode/gpt-5-nano", // docs
};

// Top-level keys OpenCode 1.1's config schema accepts. The schema is strict: one
// unknown key and OpenCode refuses the whole config, so the stack would not start.
const OPENCODE_CONFIG_KEYS = new Set([
  "$schema",
  "agent",
  "autoshare",
  "autoupdate",
  "command",
  "compaction",
  "default_agent",
  "disabled_providers",
  "enabled_providers",
  "enterprise",
  "experimental",
  "formatter",
  "instructions",
  "keybinds",
  "layout",
  "logLevel",
  "lsp",
  "mcp",
  "mode",
  "model",
  "permission",
  "plugin",
  "provider",
  "server",
  "share",
  "small_model",
  "snapshot",
  "theme",
  "tools",
  "tui",
  "username",
  "watcher",
]);

const PERMISSION_ACTIONS = new Set(["allow", "ask", "deny"]);

async function load(name: string): Promise<{ text: string; value: Json }> {
  const text = await readText(join(CONFIG_DIR, name));
  const value = (name.endsWith(".jsonc") ? parseJsonc(text) : JSON.parse(text)) as Json;
  return { text, value };
}

describe("JSONC stripper", () => {
  test("keeps comment markers inside strings", () => {
    const text = `{
      // a line comment
      "url": "https://opencode.ai/config.json", /* block */ "glob": "src/**/*.ts",
      "quote": "she said \\"// not a comment\\"",
      "list": [1, 2,],
    }`;
    expect(parseJsonc(text)).toEqual({
      url: "https://opencode.ai/config.json",
      glob: "src/**/*.ts",
      quote: 'she said "// not a comment"',
      list: [1, 2],
    });
  });

  test("keeps line numbers across block comments", () => {
    expect(stripJsonc("/* a\nb */{}").split("\n")).toHaveLength(2);
  });

  test("rejects an unterminated block comment", () => {
    expect(() => stripJsonc("{ /* oops }")).toThrow();
  });
});

describe("config/opencode.json (OpenCode CLI config)", () => {
  test("is strict JSON with OpenCode's schema", async () => {
    const { value } = await load("opencode.json");
    expect(value.$schema).toBe("https://opencode.ai/config.json");
  });

  test("uses only keys OpenCode's config schema knows", async () => {
    const { value } = await load("opencode.json");
    for (const key of Object.keys(value)) expect(OPENCODE_CONFIG_KEYS.has(key)).toBe(true);
  });

  test("defaults to the primary free model and keeps OpenCode from updating itself", async () => {
    const { value } = await load("opencode.json");
    expect(value.model).toBe(EXPECTED_AGENT_MODELS.Sisyphus!);
    expect(String(value.small_model)).toStartWith("opencode/");
    expect(value.autoupdate).toBe(false);
  });

  test("loads the oh-my-opencode plugin at the version the Dockerfile installs", async () => {
    const { value } = await load("opencode.json");
    const plugins = value.plugin as string[];
    expect(Array.isArray(plugins)).toBe(true);
    const entries = plugins.filter((p) => p === "oh-my-opencode" || p.startsWith("oh-my-opencode@"));
    expect(entries).toHaveLength(1);

    const dockerfile = parseDockerfile(await readText(join(IMAGE_DIR, "Dockerfile")));
    const pinned = argDefault(dockerfile, "OH_MY_OPENCODE_VERSION");
    expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
    expect(entries[0]).toBe(`oh-my-opencode@${pinned}`);
  });
});

describe("config/opencode.jsonc (permissions)", () => {
  test("has comments, and Bun's JSONC parser agrees with ours", async () => {
    const { text, value } = await load("opencode.jsonc");
    expect(text).toContain("//");
    const bunJsonc = (Bun as unknown as { JSONC?: { parse(text: string): unknown } }).JSONC;
    if (bunJsonc) expect(bunJsonc.parse(text)).toEqual(value);
  });

  test("holds only permission settings, with valid actions", async () => {
    const { value } = await load("opencode.jsonc");
    expect(value.$schema).toBe("https://opencode.ai/config.json");
    expect(Object.keys(value).sort()).toEqual(["$schema", "permission"]);

    const permission = value.permission as Record<string, unknown>;
    expect(typeof permission).toBe("object");
    for (const [tool, rule] of Object.entries(permission)) {
      if (typeof rule === "string") {
        expect(PERMISSION_ACTIONS.has(rule)).toBe(true);
      } else {
        expect(typeof rule).toBe("object");
        for (const action of Object.values(rule as Record<string, unknown>)) {
          expect(PERMISSION_ACTIONS.has(action as string)).toBe(true);
        }
        // The catch-all must come first: OpenCode applies the last matching pattern.
        const patterns = Object.keys(rule as object);
        if (patterns.includes("*")) expect(patterns[0]).toBe("*");
      }
      expect(tool.length).toBeGreaterThan(0);
    }
  });

  test("asks before destroying or publishing work", async () => {
    const { value } = await load("opencode.jsonc");
    const bash = (value.permission as Json).bash as Record<string, string>;
    expect(bash["rm -rf *"]).toBe("ask");
    expect(bash["git push *"]).toBe("ask");
  });
});

describe("config/oh-my-opencode.json (agent models)", () => {
  test("assigns exactly the six agents their models", async () => {
    const { value } = await load("oh-my-opencode.json");
    const agents = value.agents as Record<string, { model?: string }>;
    const table = Object.fromEntries(Object.entries(agents).map(([name, cfg]) => [name, cfg.model]));
    expect(table).toEqual(EXPECTED_AGENT_MODELS);
  });

  test("every model is a free model of OpenCode's own provider", async () => {
    const { value } = await load("oh-my-opencode.json");
    for (const cfg of Object.values(value.agents as Record<string, { model: string }>)) {
      expect(cfg.model).toMatch(/^opencode\/[a-z0-9.-]+$/);
    }
  });

  test("keeps the plugin pinned and the non-free agent off", async () => {
    const { value } = await load("oh-my-opencode.json");
    expect(value.auto_update).toBe(false);
    expect(value.disabled_agents).toEqual(["multimodal-looker"]);
    expect(String(value.$schema)).toContain("oh-my-opencode.schema.json");
  });
});
