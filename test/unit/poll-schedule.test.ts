import { describe, expect, test } from "bun:test";
import { FAST_POLL_MS, FAST_WINDOW_MS, PollSchedule, QUEUED_FIRST_POLL_MS } from "../../src/stacks/runs/poll-schedule.ts";

/** Pauses the schedule asks for, with the clock advanced by each pause plus a round trip. */
function pauses(schedule: PollSchedule, clock: { t: number }, phases: ("queued" | "running")[], roundTripMs = 0): number[] {
  return phases.map((phase) => {
    const pause = schedule.next(phase);
    clock.t += pause + roundTripMs;
    return pause;
  });
}

describe("PollSchedule (adaptive waiting for Dokploy's deploy)", () => {
  test("right after the deploy starts it polls fast for the window, then backs off to the interval", () => {
    const clock = { t: 0 };
    const schedule = new PollSchedule(1_000, () => clock.t);
    const seen = pauses(schedule, clock, Array(60).fill("running"), 100);
    const fast = seen.filter((p) => p === FAST_POLL_MS).length;
    // Every poll within the window is fast (one per pause plus round trip).
    expect(fast).toBe(Math.ceil(FAST_WINDOW_MS / (FAST_POLL_MS + 100)));
    expect(seen.slice(fast, fast + 5)).toEqual([100, 200, 400, 800, 1_000]);
    expect(seen.at(-1)).toBe(1_000);
  });

  test("while queued it starts gently and backs off to twice the interval", () => {
    const clock = { t: 0 };
    const schedule = new PollSchedule(1_000, () => clock.t);
    expect(pauses(schedule, clock, Array(6).fill("queued"))).toEqual([QUEUED_FIRST_POLL_MS, 1_000, 2_000, 2_000, 2_000, 2_000]);
  });

  test("each transition starts over fast, even late in a long queue", () => {
    const clock = { t: 0 };
    const schedule = new PollSchedule(1_000, () => clock.t);
    pauses(schedule, clock, Array(10).fill("queued"));
    expect(schedule.next("running")).toBe(FAST_POLL_MS);
  });

  test("a POLL_INTERVAL below the fast pace is never exceeded", () => {
    const clock = { t: 0 };
    const schedule = new PollSchedule(25, () => clock.t);
    const seen = pauses(schedule, clock, [...Array(5).fill("queued"), ...Array(100).fill("running")], 10);
    expect(Math.max(...seen.slice(5))).toBe(25);
    expect(Math.max(...seen.slice(0, 5))).toBe(50);
  });
});
