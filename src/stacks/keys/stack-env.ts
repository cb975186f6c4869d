import type { StackPlan } from "../model/resource-plan.ts";
import { MODEL_PROVIDERS } from "./providers.ts";
import { AGENT_MODELS_VAR } from "./agent-models.ts";

/**
 * A stack's environment in Dokploy, as dotenv text: the portal's own lines (OpenCode's user and
 * password, the stack's name), and the owner's model provider keys (keys/providers.ts) and models
 * per agent (keys/agent-models.ts). Every
 * rewrite of the portal's lines (a new password, a redeploy, a claim) keeps the owner's.
 */

const OWNER_VARS: ReadonlySet<string> = new Set([...MODEL_PROVIDERS.map((p) => p.envVar), AGENT_MODELS_VAR]);
const LINE = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/;

/** The value of each `KEY=value` line (surrounding quotes removed); later lines win, as in dotenv. */
export function envValues(env: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const raw of env.split("\n")) {
    const [, key, rest] = LINE.exec(raw.trim()) ?? [];
    if (key === undefined || rest === undefined) continue;
    const value = rest.trim();
    values.set(key, /^(['"]).*\1$/.test(value) ? value.slice(1, -1) : value);
  }
  return values;
}

/** The owner's lines of an environment: their provider keys and models per agent, by variable. */
export function ownerVars(env: string): Map<string, string> {
  return new Map([...envValues(env)].filter(([key]) => OWNER_VARS.has(key)));
}

/** The stack's environment: the portal's lines, then the owner's. Values are plain (`apiKey`, `modelRef`): no quoting needed. */
export function stackEnv(plan: Pick<StackPlan, "name">, password: string, owner: ReadonlyMap<string, string> = new Map()): string {
  return [
    `OPENCODE_SERVER_USERNAME=opencode`,
    `OPENCODE_SERVER_PASSWORD=${password}`,
    `STACK_NAME=${plan.name}`,
    ...[...owner].filter(([key]) => OWNER_VARS.has(key)).map(([key, value]) => `${key}=${value}`),
  ].join("\n");
}
