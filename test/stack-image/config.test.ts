// The configuration baked into the stack image: it parses, and it says what the
// deployment strategy says.
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { CONFIG_DIR, IMAGE_DIR, argDefault, parseDockerfile, parseJsonc, readText, stripJsonc } from "./helpers.ts";

type Json = Record<string, unknown>;

/**
 * The deployment strategy's six agents: where oh-my-openagent 4.19 keeps each (Frontend and
 * Document Writer became task categories) and the model each runs. OpenCode 1.18 no longer
 * offers the strategy's own models without an API key; README.md says what replaced which.
 */
const STRATEGY: Record<string, { at: [string, string]; model: string; strategy: string }> = {
  Sisyphus: { at: ["agents", "sisyphus"], model: "opencode/big-pickle", strategy: "opencode/glm-4.7-free" },
  Oracle: { at: ["agents", "oracle"], model: "opencode/nemotron-3-ultra-free", strategy: "opencode/gpt-5-nano" },
  Librarian: { at: ["agents", "librarian"], model: "opencode/mimo-v2.6-flash-free", strategy: "opencode/minimax-m2.1-free" },
  Explore: { at: ["agents", "explore"], model: "opencode/nemotron-3.5-lightning-free", strategy: "opencode/grok-code" },
  Frontend: { at: ["categories", "visual-engineering"], model: "opencode/big-pickle", strategy: "opencode/glm-4.7-free" },
  "Document Writer": { at: ["categories", "writing"], model: "opencode/nemotron-3-ultra-free", strategy: "opencode/gpt-5-nano" },
};

/** Top-level keys of omo.jsonc (oh-my-openagent 4.19's config schema, which is strict). */
const OMO_KEYS = new Set([
  "$schema",
  "categories",
  "agents",
  "codegraph",
  "task",
  "teams",
  "models",
  "[opencode]",
  "[senpi]",
  "[codex]",
  "profiles",
  "_migrations",
  "legacy_migrations",
]);

/** Keys of the OpenCode harness section, "[opencode]" (the settings oh-my-opencode.json had). */
const OPENCODE_HARNESS_KEYS = new Set([
  "$schema",
  "_migrations",
  "agent_definitions",
  "agent_order",
  "agents",
  "auto_update",
  "babysitting",
  "background_task",
  "browser_automation_engine",
  "categories",
  "claude_code",
  "codegraph",
  "comment_checker",
  "default_mode",
  "default_run_agent",
  "disabled_agents",
  "disabled_commands",
  "disabled_hooks",
  "disabled_mcps",
  "disabled_providers",
  "disabled_skills",
  "disabled_tools",
  "experimental",
  "git_master",
  "goal",
  "hashline_edit",
  "i18n",
  "keyword_detector",
  "mcp_env_allowlist",
  "model_capabilities",
  "model_fallback",
  "monitor",
  "new_task_system_enabled",
  "notification",
  "openclaw",
  "ralph_loop",
  "runtime_fallback",
  "sisyphus",
  "sisyphus_agent",
  "skills",
  "start_work",
  "team_mode",
  "telemetry",
  "tmux",
  "tui",
  "websearch",
]);

/** oh-my-openagent 4.19's built-in task categories. */
const CATEGORIES = ["visual-engineering", "ultrabrain", "deep", "artistry", "quick", "unspecified-low", "unspecified-high", "writing"];

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

  test("defaults to Sisyphus's model, a free small model, and keeps OpenCode from updating itself", async () => {
    const { value } = await load("opencode.json");
    expect(value.model).toBe(STRATEGY.Sisyphus!.model);
    expect(String(value.small_model)).toMatch(/^opencode\/[a-z0-9.-]+-free$/);
    expect(value.autoupdate).toBe(false);
  });

  test("loads the oh-my-openagent plugin at the version the Dockerfile installs", async () => {
    const { value } = await load("opencode.json");
    const plugins = value.plugin as string[];
    expect(Array.isArray(plugins)).toBe(true);
    const entries = plugins.filter((p) => /^oh-my-open(agent|code)(@|$)/.test(p));
    expect(entries).toHaveLength(1);

    const dockerfile = parseDockerfile(await readText(join(IMAGE_DIR, "Dockerfile")));
    const pinned = argDefault(dockerfile, "OH_MY_OPENAGENT_VERSION");
    expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
    // The renamed package: the old name still loads, with a warning.
    expect(entries[0]).toBe(`oh-my-openagent@${pinned}`);
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

describe("config/omo.jsonc (oh-my-openagent: agents and their models)", () => {
  const harness = async () => ((await load("omo.jsonc")).value["[opencode]"] ?? {}) as Json;
  const at = (section: Json, [group, name]: [string, string]) => ((section[group] as Json | undefined)?.[name] as Json | undefined)?.model;

  test("is JSONC in 4.19's single-file format, with only keys its schema knows", async () => {
    const { text, value } = await load("omo.jsonc");
    expect(text).toContain("//");
    expect(String(value.$schema)).toEndWith("/omo.schema.json");
    for (const key of Object.keys(value)) expect(OMO_KEYS.has(key)).toBe(true);
    for (const key of Object.keys(await harness())) expect(OPENCODE_HARNESS_KEYS.has(key)).toBe(true);
    // Marked as current, so the plugin does not rewrite it (and drop its comments) on first start.
    expect(value._migrations).toContain("2026-08-reasoning-unification");
  });

  test("gives each of the strategy's six agents its model", async () => {
    const section = await harness();
    const table = Object.fromEntries(Object.entries(STRATEGY).map(([agent, entry]) => [agent, at(section, entry.at)]));
    expect(table).toEqual(Object.fromEntries(Object.entries(STRATEGY).map(([agent, entry]) => [agent, entry.model])));
  });

  test("agents that shared a model in the strategy share its replacement", () => {
    const replacement = new Map<string, string>();
    for (const entry of Object.values(STRATEGY)) {
      expect(replacement.get(entry.strategy) ?? entry.model).toBe(entry.model);
      replacement.set(entry.strategy, entry.model);
    }
  });

  test("names only free models of OpenCode's own provider, none of those 1.18 no longer offers", async () => {
    const texts = await Promise.all(["opencode.json", "omo.jsonc"].map(async (name) => (await load(name)).text));
    const named = texts.flatMap((text) => [...text.matchAll(/"(opencode\/[a-z0-9.-]+)"/g)].map((m) => m[1]!));
    expect(named.length).toBeGreaterThan(6);
    for (const model of named) expect(model === "opencode/big-pickle" || model.endsWith("-free")).toBe(true);
    for (const { strategy } of Object.values(STRATEGY)) expect(named).not.toContain(strategy);
  });

  test("keeps everything else off a paid model: 4.x's other agents and categories are off", async () => {
    const section = await harness();
    const disabled = section.disabled_agents as string[];
    expect(disabled).toEqual(expect.arrayContaining(["multimodal-looker", "hephaestus", "prometheus", "metis", "momus", "atlas"]));
    for (const { at: where } of Object.values(STRATEGY)) expect(disabled).not.toContain(where[1]);
    const categories = section.categories as Record<string, Json>;
    const used = Object.values(STRATEGY).map((e) => e.at[1]);
    for (const name of CATEGORIES) expect(categories[name]?.disable === true).toBe(!used.includes(name));
  });

  test("keeps the plugin pinned and its telemetry off", async () => {
    const section = await harness();
    expect(section.auto_update).toBe(false);
    expect(section.telemetry).toBe(false);
  });
});

describe("the agents the portal offers a model for", () => {
  test("are the image's agents and task categories that have a model, and agent-models.ts writes each of them", async () => {
    const { STACK_AGENTS } = await import("../../src/stacks/keys/agent-models.ts");
    const omo = parseJsonc(await readText(join(CONFIG_DIR, "omo.jsonc"))) as { "[opencode]": { agents: Json; categories: Json } };
    const withModel = (section: Json) => Object.entries(section).flatMap(([id, v]) => ((v as Json).model ? [id] : []));
    const settings = omo["[opencode]"];
    expect(STACK_AGENTS.filter((a) => a.kind === "agent").map((a) => a.id)).toEqual(withModel(settings.agents) as never);
    expect(STACK_AGENTS.filter((a) => a.kind === "category").map((a) => a.id)).toEqual(withModel(settings.categories) as never);
    const script = await readText(join(IMAGE_DIR, "agent-models.ts"));
    for (const a of STACK_AGENTS) expect({ id: a.id, known: script.includes(`"${a.id}"`) }).toEqual({ id: a.id, known: true });
  });
});
