import type { Stack } from "../model/vocabulary.ts";
import { readActivity } from "../probe/opencode-api.ts";
import type { Ports } from "../runs/ports.ts";
import { type IdleForecast, type IdleRules, forecastIdle } from "./idle-forecast.ts";

/**
 * A running stack's idle forecast now: its OpenCode asked for its sessions (with the stack's
 * password, through the probe's targets), its last start and the owner's keep-awake. `at` is
 * when OpenCode was asked, so a slow answer does not age the activity it reports.
 */
/** `env`: the stack's environment in Dokploy, when the caller has read it already. */
export async function idleForecastNow(
  deps: Pick<Ports, "client" | "store" | "config">,
  stack: Stack,
  rules: IdleRules,
  env?: string,
): Promise<{ forecast: IdleForecast; at: number }> {
  const run = deps.store.lifecycle.runState(stack.id);
  // A stack just started (or deployed) counts as used then.
  const startedAt = Date.parse(run.startedAt ?? stack.readyAt ?? stack.createdAt);
  const at = Date.now();
  const activity = await readActivity(deps, stack, deps.config.PROBE_ATTEMPT_TIMEOUT, env);
  const ms = (iso: string | null) => (iso ? Date.parse(iso) : null);
  return {
    forecast: forecastIdle(rules, { activity, startedAt, keepAwakeUntil: ms(run.keepAwakeUntil), warnedAt: ms(run.idleWarnedAt), now: at }),
    at,
  };
}
