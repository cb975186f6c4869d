import { KEYS_STEPS } from "../model/steps.ts";
import { deployAndWait, saveStackEnv } from "../operations/redeploy.ts";
import { type OperationInput, from, runOperation } from "../runs/operation-steps.ts";
import type { Ports } from "../runs/ports.ts";
import { SagaError } from "../runs/saga.ts";
import { MODEL_PROVIDERS } from "./providers.ts";
import { AGENT_MODELS_VAR, type StackAgentId, formatAgentModels, parseAgentModels } from "./agent-models.ts";

/**
 * The owner's model provider keys into the stack: set, replaced or removed in Dokploy's
 * environment of its application (the portal keeps no copy), then redeployed so that OpenCode
 * reads them, as a new password is. The keys live only in the run's memory: a restart before
 * they were saved ends the run, and the owner enters them again.
 */
export function setModelKeys(deps: Ports, input: OperationInput): Promise<void> {
  const resume = input.resumeFrom === "ready" ? "wait_healthy" : input.resumeFrom;
  const steps = from(KEYS_STEPS, resume);
  return runOperation(deps, input, async (step) => {
    if (steps.has("set_keys")) {
      const { keys = {}, models = {} } = input;
      if (!input.keys && !input.models) throw new SagaError("interrupted", "The portal restarted before the keys were saved; enter them again");
      await step(
        "set_keys",
        () =>
          saveStackEnv(deps, input, ({ password, owner }) => {
            if (!password) throw new SagaError("dokploy_rejected", "The stack's environment in Dokploy has no OpenCode password to keep");
            for (const provider of MODEL_PROVIDERS) {
              const key = keys[provider.id];
              if (key === null) owner.delete(provider.envVar);
              else if (key !== undefined) owner.set(provider.envVar, key);
            }
            const chosen = { ...parseAgentModels(owner.get(AGENT_MODELS_VAR)) };
            for (const [agent, model] of Object.entries(models) as [StackAgentId, string | null][]) {
              if (model === null) delete chosen[agent];
              else chosen[agent] = model;
            }
            const value = formatAgentModels(chosen);
            if (value) owner.set(AGENT_MODELS_VAR, value);
            else owner.delete(AGENT_MODELS_VAR);
            return { password, owner };
          }),
        // Which providers and agents, never a key.
        () => [input.keys && `Keys: ${describe(keys)}`, input.models && `Models: ${Object.keys(models).join(", ")}`].filter(Boolean).join("; "),
      );
    }
    await deployAndWait(deps, input, step, steps, "redeploy");
    return { status: "ready", message: "The stack runs with its model keys." };
  });
}

function describe(keys: NonNullable<OperationInput["keys"]>): string {
  const of = (removed: boolean) => MODEL_PROVIDERS.filter((p) => keys[p.id] !== undefined && (keys[p.id] === null) === removed).map((p) => p.name);
  const set = of(false);
  const removed = of(true);
  return [set.length ? `set ${set.join(", ")}` : "", removed.length ? `removed ${removed.join(", ")}` : ""].filter(Boolean).join("; ");
}
