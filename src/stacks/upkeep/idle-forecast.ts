import { z } from "zod";
import type { Activity } from "../probe/opencode-api.ts";

/**
 * When a running stack will be stopped for idleness, and why: one rule for the idle stop itself
 * (upkeep/idle-stop.ts), the owner's details and the warning before it, so that what the page
 * says is what will happen. Pure.
 *
 * Activity is what OpenCode says: a busy session, or the newest change of a session that has
 * had something in it (an empty session, opened and left, is not use). The last start or deploy
 * counts as activity too. An owner may keep the stack awake until a time of their choosing,
 * within the operator's maximum.
 *
 * The stop never comes as a surprise: the owner is warned (on the page, and through the
 * organisation's chat when IDLE_WARNING_WEBHOOK is set) once the stop is within
 * IDLE_WARNING_BEFORE, and it comes no sooner than that long after the warning, also when a
 * keep-awake ends or the idle time was already over.
 */

export const idleForecast = z.object({
  /**
   * `idle`: it stops at `stopsAt` unless used; `busy`: a session works now; `kept_awake`: the
   * owner keeps it running until `keepAwakeUntil`; `unknown`: its OpenCode could not be read
   * (it is not stopped while that lasts).
   */
  state: z.enum(["idle", "busy", "kept_awake", "unknown"]),
  /** The newest activity: a session's change, or the last start; null when unknown. */
  lastActivityAt: z.string().nullable(),
  /** When the idle stop comes, at the earliest (the check runs every IDLE_CHECK_INTERVAL). */
  stopsAt: z.string().nullable(),
  keepAwakeUntil: z.string().nullable(),
  /** The owner was warned of this stop (after the last activity). */
  warned: z.boolean(),
  /** IDLE_STOP_AFTER and the longest an owner may keep it awake at once (IDLE_KEEP_AWAKE_MAX), in ms. */
  stopAfterMs: z.number().int(),
  keepAwakeMaxMs: z.number().int(),
  /** From when before `stopsAt` the owner is warned (IDLE_WARNING_BEFORE), in ms. */
  warningBeforeMs: z.number().int(),
});
export type IdleForecast = z.infer<typeof idleForecast>;

export interface IdleRules {
  stopAfterMs: number;
  keepAwakeMaxMs: number;
  warningBeforeMs: number;
}

/** `warnedAt`: when the owner was last warned; a warning before the last activity belongs to an earlier spell. */
export function forecastIdle(
  rules: IdleRules,
  input: { activity: Activity | null; startedAt: number; keepAwakeUntil: number | null; warnedAt: number | null; now: number },
): IdleForecast {
  const { activity, startedAt, now } = input;
  const keepAwakeUntil = input.keepAwakeUntil !== null && input.keepAwakeUntil > now ? input.keepAwakeUntil : null;
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  const base = { ...rules, keepAwakeUntil: iso(keepAwakeUntil) };
  if (!activity) return { ...base, state: "unknown", lastActivityAt: null, stopsAt: null, warned: false };
  const last = Math.max(activity.lastUpdated ?? 0, startedAt);
  if (activity.busy) return { ...base, state: "busy", lastActivityAt: iso(now), stopsAt: null, warned: false };
  const warnedAt = input.warnedAt !== null && input.warnedAt >= last ? input.warnedAt : null;
  // Kept awake: it stops once that ends and it has been idle long enough by then, and in any
  // case no sooner than the warning time after the warning (not given yet: from now).
  const due = Math.max(last + rules.stopAfterMs, keepAwakeUntil ?? 0);
  const stopsAt = rules.warningBeforeMs > 0 ? Math.max(due, (warnedAt ?? now) + rules.warningBeforeMs) : due;
  return { ...base, state: keepAwakeUntil ? "kept_awake" : "idle", lastActivityAt: iso(last), stopsAt: iso(stopsAt), warned: warnedAt !== null };
}

/** Whether the idle stop is due now by a forecast. */
export const idleStopDue = (f: IdleForecast, now: number): boolean => f.state === "idle" && f.stopsAt !== null && Date.parse(f.stopsAt) <= now;

/** Whether the owner should be warned now: not yet, and the stop comes within the warning time. */
export const idleWarningDue = (f: IdleForecast, now: number): boolean =>
  f.state === "idle" && !f.warned && f.stopsAt !== null && f.warningBeforeMs > 0 && Date.parse(f.stopsAt) - now <= f.warningBeforeMs;
