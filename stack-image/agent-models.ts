// STACK_AGENT_MODELS (`<agent>=<provider>/<model>,…`, set by the portal from the owner's
// choice) written into oh-my-openagent's ~/.omo/omo.jsonc, over the image's free defaults: an
// agent's model under "[opencode]".agents, a task category's under "[opencode]".categories.
// The entrypoint runs it at every start, after the baked file is in place; anything it does
// not understand is left out with a line saying so, and the server starts either way.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const AGENTS = new Set(["sisyphus", "oracle", "librarian", "explore", "sisyphus-junior"]);
const CATEGORIES = new Set(["visual-engineering", "writing"]);
const MODEL = /^[a-z0-9][a-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._:/@-]*$/;

const log = (line: string) => console.error(`[stack-image] ${line}`);
const file = join(process.env.OMO_CONFIG_HOME ?? join(process.env.HOME ?? "/home/bun", ".omo"), "omo.jsonc");

type Section = Record<string, Record<string, unknown>>;
const config = Bun.JSONC.parse(readFileSync(file, "utf8")) as { "[opencode]"?: { agents?: Section; categories?: Section } };
const settings = config["[opencode]"] ?? {};
config["[opencode]"] = settings;
/** The section an agent's or a category's settings live in (made when missing), or null for another name. */
function sectionOf(name: string): Section | null {
  const key = AGENTS.has(name) ? "agents" : CATEGORIES.has(name) ? "categories" : null;
  if (!key) return null;
  settings[key] = settings[key] ?? {};
  return settings[key];
}
let applied = 0;
for (const entry of (process.env.STACK_AGENT_MODELS ?? "").split(",").filter((e) => e.trim() !== "")) {
  const [name = "", model = ""] = entry.split(/=(.*)/s).map((s) => s.trim());
  const section = sectionOf(name);
  if (!section || !MODEL.test(model)) {
    log(`WARNING: STACK_AGENT_MODELS entry "${entry}" is not <agent>=<provider>/<model> for a known agent; left out`);
    continue;
  }
  section[name] = { ...section[name], model };
  delete section[name]?.disable;
  applied += 1;
}
writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
log(`models chosen for ${applied} agent(s) written to ${file}`);
