import { describe, expect, test } from "bun:test";
import { forecastIdle, idleStopDue, idleWarningDue } from "../../src/stacks/upkeep/idle-forecast.ts";

const M = 60_000;
const rules = { stopAfterMs: 240 * M, keepAwakeMaxMs: 480 * M, warningBeforeMs: 30 * M };
const t0 = Date.parse("2026-12-07T10:00:00Z");
const at = (min: number) => t0 + min * M;
const iso = (min: number) => new Date(at(min)).toISOString();
const input = (over: Partial<Parameters<typeof forecastIdle>[1]> = {}) => ({
  activity: { busy: false, lastUpdated: null },
  startedAt: t0,
  keepAwakeUntil: null,
  warnedAt: null,
  now: at(10),
  ...over,
});

describe("when an idle stack stops", () => {
  test("idle since its start or its last use, whichever is later: stops IDLE_STOP_AFTER after", () => {
    expect(forecastIdle(rules, input())).toMatchObject({ state: "idle", lastActivityAt: iso(0), stopsAt: iso(240), warned: false });
    const used = forecastIdle(rules, input({ activity: { busy: false, lastUpdated: at(5) } }));
    expect(used).toMatchObject({ lastActivityAt: iso(5), stopsAt: iso(245) });
  });

  test("busy, or not readable: no stop is said, and none comes", () => {
    const busy = forecastIdle(rules, input({ activity: { busy: true, lastUpdated: at(-600) }, now: at(600) }));
    expect(busy).toMatchObject({ state: "busy", stopsAt: null });
    expect(idleStopDue(busy, at(600))).toBe(false);
    const unknown = forecastIdle(rules, input({ activity: null, now: at(600) }));
    expect(unknown).toMatchObject({ state: "unknown", stopsAt: null });
    expect(idleStopDue(unknown, at(600))).toBe(false);
  });

  test("kept awake: not before the keep-awake ends; a keep-awake in the past is none", () => {
    const kept = forecastIdle(rules, input({ keepAwakeUntil: at(400) }));
    expect(kept).toMatchObject({ state: "kept_awake", keepAwakeUntil: iso(400), stopsAt: iso(400) });
    expect(forecastIdle(rules, input({ keepAwakeUntil: at(5) }))).toMatchObject({ state: "idle", keepAwakeUntil: null });
  });

  test("warned once within the warning time, and stopped no sooner than that long after the warning", () => {
    const near = forecastIdle(rules, input({ now: at(220) }));
    expect(idleWarningDue(near, at(220))).toBe(true);
    expect(idleStopDue(near, at(220))).toBe(false);
    // Over the idle time without a warning (a keep-awake just ended): warned now, stopped 30 min later.
    const late = forecastIdle(rules, input({ now: at(300) }));
    expect(late.stopsAt).toBe(iso(330));
    expect(idleStopDue(late, at(300))).toBe(false);
    expect(idleWarningDue(late, at(300))).toBe(true);
    const warned = forecastIdle(rules, input({ now: at(331), warnedAt: at(300) }));
    expect(warned).toMatchObject({ warned: true, stopsAt: iso(330) });
    expect(idleWarningDue(warned, at(331))).toBe(false);
    expect(idleStopDue(warned, at(331))).toBe(true);
    // Used after the warning: a new spell, a new warning later.
    const again = forecastIdle(rules, input({ activity: { busy: false, lastUpdated: at(320) }, now: at(321), warnedAt: at(300) }));
    expect(again).toMatchObject({ warned: false, stopsAt: iso(560) });
  });

  test("without a warning time the stop comes when the idle time is over", () => {
    const none = { ...rules, warningBeforeMs: 0 };
    const f = forecastIdle(none, input({ now: at(241) }));
    expect(f.stopsAt).toBe(iso(240));
    expect(idleStopDue(f, at(241))).toBe(true);
    expect(idleWarningDue(f, at(241))).toBe(false);
  });
});
