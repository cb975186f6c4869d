import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { ProbeOutcome } from "../../src/stacks/probe/probe-once.ts";
import type { ProbeTarget } from "../../src/stacks/probe/targets.ts";
import { type WaitOptions, waitUntilUp } from "../../src/stacks/probe/wait-until-up.ts";
import { deadPort, hasOpenssl, makeCerts, startFlaky, startHttp, startRaw, type HttpFixture, type RawFixture } from "./fixtures.ts";

// Small intervals keep the suite fast; only generous upper bounds on time are asserted.
const fast = { attemptTimeoutMs: 1000, intervalMs: 10, maxIntervalMs: 40, timeoutMs: 3000 } satisfies Omit<WaitOptions, "targets">;

let http: HttpFixture;
let hang: RawFixture;

beforeAll(async () => {
  http = startHttp();
  hang = await startRaw("hang");
});
afterAll(() => {
  http.stop();
  hang.stop();
});

describe("waitUntilUp", () => {
  test("a stack that answers at once is up in one round", async () => {
    const target = { url: `${http.url}/` };
    const result = await waitUntilUp({ ...fast, targets: [target] });
    expect(result).toMatchObject({ up: true, target, status: 200, attempts: 1 });
    expect(result.up && "trusted" in result).toBe(false);
  });

  test("502 then 200: succeeds after several rounds, reporting each attempt", async () => {
    const flaky = startFlaky(3);
    try {
      const seen: Array<[string, number]> = [];
      const result = await waitUntilUp({
        ...fast,
        targets: [{ url: flaky.url }],
        onAttempt: (_t, outcome, attempt) => seen.push([outcome.up ? "up" : outcome.reason, attempt]),
      });
      expect(result).toMatchObject({ up: true, status: 200, attempts: 4 });
      expect(seen).toEqual([
        ["status_502", 1],
        ["status_502", 2],
        ["status_502", 3],
        ["up", 4],
      ]);
      expect(flaky.requests()).toBe(4);
    } finally {
      flaky.stop();
    }
  });

  /** A target that fails `failures` times, probed with a 10 s interval and a first pause of 20 ms. */
  async function upAfter(failures: number, opts: Partial<WaitOptions>) {
    const flaky = startFlaky(failures);
    try {
      return await waitUntilUp({
        attemptTimeoutMs: 1000,
        intervalMs: 10_000,
        maxIntervalMs: 10_000,
        firstIntervalMs: 20,
        timeoutMs: 3000,
        ...opts,
        targets: [{ url: flaky.url }],
      });
    } finally {
      flaky.stop();
    }
  }

  test("firstIntervalMs: the first pause is short even with a long interval (a stack that comes up soon is seen soon)", async () => {
    // Without the short first pause the second round would come after 10 s, past the timeout.
    expect(await upAfter(1, {})).toMatchObject({ up: true, status: 200, attempts: 2 });
  });

  test("fastWindowMs: the pause stays short for the window instead of doubling (a stack that comes up between rounds is seen soon)", async () => {
    // Doubling from 20 ms, the ninth round would come 20 + 40 + ... + 2,560 ms in, past the timeout.
    expect(await upAfter(8, { fastWindowMs: 2000, timeoutMs: 1500 })).toMatchObject({ up: true, status: 200, attempts: 9 });
  });

  test("firstIntervalMs must be a number >= 1", async () => {
    await expect(waitUntilUp({ ...fast, firstIntervalMs: 0, targets: [{ url: `${http.url}/` }] })).rejects.toThrow(RangeError);
  });

  test("the target that is up wins among failing ones", async () => {
    const targets: ProbeTarget[] = [
      { url: `http://127.0.0.1:${deadPort()}/` },
      { url: `${http.url}/only/alice.example`, hostHeader: "bob.example" },
      { url: `${http.url}/only/alice.example`, hostHeader: "alice.example" },
    ];
    const outcomes: Array<[number, string]> = [];
    const result = await waitUntilUp({
      ...fast,
      targets,
      onAttempt: (t, o) => outcomes.push([targets.indexOf(t), o.up ? "up" : o.reason]),
    });
    expect(result).toMatchObject({ up: true, target: targets[2], status: 200, attempts: 1 });
    expect(outcomes).toContainEqual([2, "up"]);
  });

  test("the first up target wins without waiting for a hanging one", async () => {
    const started = performance.now();
    const result = await waitUntilUp({
      ...fast,
      attemptTimeoutMs: 5000,
      targets: [{ url: hang.url }, { url: `${http.url}/status/401` }],
    });
    expect(result).toMatchObject({ up: true, status: 401, attempts: 1 });
    expect(performance.now() - started).toBeLessThan(2000);
  });

  test("a request the server takes and never answers does not hold up the next rounds", async () => {
    // OpenCode binds its port a moment before it serves, and never answers what it took meanwhile.
    let requests = 0;
    const starting = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: () => (++requests === 1 ? new Promise<Response>(() => {}) : new Response("", { status: 401 })),
    });
    try {
      const started = performance.now();
      const result = await waitUntilUp({ ...fast, attemptTimeoutMs: 5000, targets: [{ url: `http://127.0.0.1:${starting.port}/` }] });
      expect(result).toMatchObject({ up: true, status: 401, attempts: 2 });
      expect(performance.now() - started).toBeLessThan(2000);
    } finally {
      starting.stop(true);
    }
  });

  test("overall timeout: up:false with the last outcome of every target", async () => {
    const targets = [{ url: `${http.url}/status/502` }, { url: `http://127.0.0.1:${deadPort()}/` }, { url: `${http.url}/status/404` }];
    let reports = 0;
    const result = await waitUntilUp({ ...fast, timeoutMs: 300, targets, onAttempt: () => reports++ });
    expect(result.up).toBe(false);
    if (result.up) return;
    expect(result.aborted).toBe(false);
    expect(result.attempts).toBeGreaterThan(1);
    expect(result.elapsedMs).toBeGreaterThanOrEqual(250);
    expect(result.elapsedMs).toBeLessThan(2000);
    expect(result.last.map((o: ProbeOutcome) => (o.up ? "up" : o.reason))).toEqual(["status_502", "refused", "status_404"]);
    expect(result.last[0]).toMatchObject({ status: 502 });
    // Every target is probed (and reported) in every round.
    expect(reports).toBe(result.attempts * targets.length);
  });

  test("the per-attempt timeout is cut to the overall timeout", async () => {
    const started = performance.now();
    const result = await waitUntilUp({ ...fast, attemptTimeoutMs: 10_000, timeoutMs: 200, targets: [{ url: hang.url }] });
    expect(result).toMatchObject({ up: false, aborted: false, attempts: 1, last: [{ up: false, reason: "timeout" }] });
    expect(performance.now() - started).toBeLessThan(2000);
  });

  test("backoff grows from intervalMs and is capped by maxIntervalMs", async () => {
    const target = { url: `${http.url}/status/503` };
    // The pauses as waitUntilUp takes them, so that a busy machine (slow rounds) cannot change what is seen.
    const pauses = { growing: [] as number[], capped: [] as number[] };
    const wait = (maxIntervalMs: number, seen: number[]) =>
      waitUntilUp({ ...fast, intervalMs: 20, maxIntervalMs, timeoutMs: 1_500, targets: [target], onPause: (ms) => seen.push(ms) });
    const growing = await wait(60_000, pauses.growing);
    await wait(20, pauses.capped);
    // Doubling from 20 ms fits a handful of rounds in 1.5 s; a fixed 20 ms pause would fit dozens.
    expect(pauses.growing.slice(0, 3)).toEqual([20, 40, 80]);
    expect(growing.attempts).toBeLessThanOrEqual(10);
    // Capped: 20 ms again and again, never longer (the deadline may cut the last one shorter).
    expect(pauses.capped.slice(0, 3)).toEqual([20, 20, 20]);
    expect(pauses.capped.every((ms) => ms <= 20)).toBe(true);
    // Never past the overall timeout (by more than scheduling slack), even with a huge pause pending.
    expect(growing.elapsedMs).toBeLessThan(1_500 + 500);
  });

  test("abort during an attempt stops at once", async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 80);
    const started = performance.now();
    const result = await waitUntilUp({ ...fast, attemptTimeoutMs: 10_000, timeoutMs: 20_000, targets: [{ url: hang.url }], signal: ac.signal });
    expect(result).toMatchObject({ up: false, aborted: true, attempts: 1 });
    // The abort is not an observation of the target.
    expect(result.up === false && result.last).toEqual([{ up: false, reason: "not_attempted" }]);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  test("abort during the pause between rounds stops at once", async () => {
    const ac = new AbortController();
    const result = await waitUntilUp({
      ...fast,
      intervalMs: 10_000,
      maxIntervalMs: 10_000,
      timeoutMs: 20_000,
      targets: [{ url: `${http.url}/status/502` }],
      signal: ac.signal,
      onAttempt: () => setTimeout(() => ac.abort(), 30),
    });
    expect(result).toMatchObject({ up: false, aborted: true, attempts: 1, last: [{ reason: "status_502" }] });
    expect(result.elapsedMs).toBeLessThan(2000);
  });

  test("an already aborted signal returns without probing", async () => {
    const before = http.paths.length;
    const result = await waitUntilUp({ ...fast, targets: [{ url: `${http.url}/` }], signal: AbortSignal.abort() });
    expect(result).toMatchObject({ up: false, aborted: true, attempts: 0 });
    expect(http.paths.length).toBe(before);
  });

  test("a throwing onAttempt does not break the wait", async () => {
    const result = await waitUntilUp({
      ...fast,
      targets: [{ url: `${http.url}/` }],
      onAttempt: () => {
        throw new Error("observer bug");
      },
    });
    expect(result).toMatchObject({ up: true, status: 200 });
  });

  test("invalid options are rejected", async () => {
    await expect(waitUntilUp({ ...fast, targets: [] })).rejects.toThrow(/no probe targets/);
    await expect(waitUntilUp({ ...fast, targets: [{ url: `${http.url}/` }], attemptTimeoutMs: 0 })).rejects.toThrow(RangeError);
    await expect(waitUntilUp({ ...fast, targets: [{ url: `${http.url}/` }], maxIntervalMs: 1 })).rejects.toThrow(/maxIntervalMs/);
    await expect(waitUntilUp({ ...fast, targets: [{ url: `${http.url}/` }], intervalMs: 0 })).rejects.toThrow(/intervalMs/);
  });
});

describe.skipIf(!hasOpenssl)("waitUntilUp over https", () => {
  test("a self-signed stack behind a Host-routed address is up with trusted:false", async () => {
    const tls = startHttp(makeCerts().selfSigned);
    try {
      const target = { url: `${tls.url}/`, hostHeader: "alice.stacks.example" };
      const result = await waitUntilUp({ ...fast, targets: [target] });
      expect(result).toEqual({ up: true, target, status: 200, trusted: false, attempts: 1, elapsedMs: expect.any(Number) });
    } finally {
      tls.stop();
    }
  });
});
