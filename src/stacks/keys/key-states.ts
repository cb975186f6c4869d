import { z } from "zod";
import type { OperationInput } from "../runs/operation-steps.ts";
import { MODEL_PROVIDERS, lastFour } from "./providers.ts";
import { envValues, ownerVars } from "./stack-env.ts";
import { AGENT_MODELS_VAR, STACK_AGENTS, parseAgentModels } from "./agent-models.ts";

/** What the owner sees of their keys: which providers have one, and its last four characters only. */
export const modelKeyState = z.object({
  id: z.string(),
  name: z.string(),
  envVar: z.string(),
  set: z.boolean(),
  last4: z.string().nullable(),
});
export type ModelKeyState = z.infer<typeof modelKeyState>;

export function keyStates(env: string): ModelKeyState[] {
  const owner = ownerVars(env);
  return MODEL_PROVIDERS.map((p) => {
    const key = owner.get(p.envVar);
    return { id: p.id, name: p.name, envVar: p.envVar, set: key !== undefined, last4: key === undefined ? null : lastFour(key) };
  });
}

/** Each agent of the image, and the model the owner chose for it (null: the image's free default). */
export const agentModelState = z.object({
  id: z.string(),
  /** An oh-my-openagent agent, or a task category it hands work to. */
  kind: z.enum(["agent", "category"]),
  /** What it does: main, architecture, documentation, search, tasks, frontend, writing. */
  role: z.string(),
  model: z.string().nullable(),
});
export type AgentModelState = z.infer<typeof agentModelState>;

export function agentStates(env: string): AgentModelState[] {
  const chosen = parseAgentModels(envValues(env).get(AGENT_MODELS_VAR));
  return STACK_AGENTS.map((a) => ({ id: a.id, kind: a.kind, role: a.role, model: chosen[a.id] ?? null }));
}

/** For the audit log: which providers' keys were set and removed, never the keys. */
export function keyChanges(keys: NonNullable<OperationInput["keys"]>): { set: string[]; removed: string[] } {
  const entries = Object.entries(keys);
  return {
    set: entries.filter(([, v]) => typeof v === "string").map(([id]) => id),
    removed: entries.filter(([, v]) => v === null).map(([id]) => id),
  };
}
