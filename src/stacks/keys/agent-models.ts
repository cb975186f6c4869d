import { z } from "zod";

/**
 * The model each agent of the stack image uses, when the owner picks one (with their own key)
 * instead of the image's free default. The agents are oh-my-openagent's as the image sets
 * them up (stack-image/config/omo.jsonc: its agents, and the task categories that stand for
 * the strategy's Frontend and Document Writer). The choice travels in the stack's environment
 * as STACK_AGENT_MODELS=`<agent>=<provider>/<model>,…`, which the image's entrypoint writes
 * into ~/.omo/omo.jsonc at each start (stack-image/agent-models.ts).
 */

export const STACK_AGENTS = [
  { id: "sisyphus", kind: "agent", role: "main" },
  { id: "oracle", kind: "agent", role: "architecture" },
  { id: "librarian", kind: "agent", role: "documentation" },
  { id: "explore", kind: "agent", role: "search" },
  { id: "sisyphus-junior", kind: "agent", role: "tasks" },
  { id: "visual-engineering", kind: "category", role: "frontend" },
  { id: "writing", kind: "category", role: "writing" },
] as const;

export type StackAgentId = (typeof STACK_AGENTS)[number]["id"];
export const stackAgentId = z.enum(STACK_AGENTS.map((a) => a.id) as [StackAgentId, ...StackAgentId[]]);

export const AGENT_MODELS_VAR = "STACK_AGENT_MODELS";

/** A model as OpenCode names it, `<provider>/<model>`: nothing that could break the dotenv line or the list. */
export const modelRef = z
  .string()
  .max(200)
  .regex(/^[a-z0-9][a-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._:/@-]*$/, "a model is <provider>/<model>, as OpenCode names it");

/** STACK_AGENT_MODELS's value read back: unknown agents and malformed entries are dropped. */
export function parseAgentModels(value: string | undefined): Partial<Record<StackAgentId, string>> {
  const out: Partial<Record<StackAgentId, string>> = {};
  for (const entry of (value ?? "").split(",")) {
    const eq = entry.indexOf("=");
    const agent = stackAgentId.safeParse(entry.slice(0, eq).trim());
    const model = modelRef.safeParse(entry.slice(eq + 1).trim());
    if (eq > 0 && agent.success && model.success) out[agent.data] = model.data;
  }
  return out;
}

/** The value to store, in the agents' order; null when every agent keeps its default. */
export function formatAgentModels(models: Partial<Record<StackAgentId, string>>): string | null {
  const entries = STACK_AGENTS.flatMap((a) => (models[a.id] ? [`${a.id}=${models[a.id]}`] : []));
  return entries.length ? entries.join(",") : null;
}
