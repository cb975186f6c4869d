import { type Result, fail } from "../model/result.ts";
import type { Stack } from "../model/vocabulary.ts";
import type { Ports } from "../runs/ports.ts";
import { now } from "../runs/saga.ts";
import type { IdleRules } from "../upkeep/idle-forecast.ts";

/**
 * The owner keeps a running stack awake: no idle stop until then, whatever its activity, for at
 * most IDLE_KEEP_AWAKE_MAX from now (asked again, it starts from now again). `hours` absent: the
 * maximum; 0: no longer kept awake. A stop ends it.
 */
export function keepAwake(
  deps: Pick<Ports, "store">,
  stack: Stack,
  rules: IdleRules,
  hours: number | undefined,
): Result<{ name: string; keepAwakeUntil: string | null }> {
  if (rules.stopAfterMs <= 0 || rules.keepAwakeMaxMs <= 0)
    return fail("keep_awake_off", "This portal does not stop idle stacks, or does not let them be kept awake");
  const maxHours = rules.keepAwakeMaxMs / 3_600_000;
  if (hours !== undefined && (!Number.isFinite(hours) || hours < 0 || hours > maxHours))
    return fail("invalid_request", `hours must be from 0 to ${maxHours} (IDLE_KEEP_AWAKE_MAX)`);
  if (stack.status !== "ready" || deps.store.lifecycle.runState(stack.id).state !== "running")
    return fail("stack_not_running", `"${stack.name}" is not running; start it first`);
  const ms = hours === undefined ? rules.keepAwakeMaxMs : hours * 3_600_000;
  const until = ms > 0 ? new Date(Date.now() + ms).toISOString() : null;
  deps.store.lifecycle.keepAwake(stack.id, until, now());
  return { ok: true, name: stack.name, keepAwakeUntil: until };
}
