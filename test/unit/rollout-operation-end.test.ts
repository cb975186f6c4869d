import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EventBus } from "../../src/stacks/runs/event-bus.ts";
import { operationEnd } from "../../src/stacks/runs/run-end.ts";
import { Store } from "../../src/store/index.ts";

/**
 * How a rollout waits for one stack's redeploy: the redeploy's `done` event ends the wait,
 * not the next tick of a poll (a poll tick per batch was most of the rollout's overhead at
 * fleet scale, see docs/performance.md); the slow re-check still ends it without an event.
 */

const now = () => new Date().toISOString();
let dir: string;
let store: Store;
let events: EventBus;
let stackId: number;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "rollout-operation-end-"));
  store = Store.open(dir);
  events = new EventBus(store.deployments);
  stackId = store.stacks.insert("wait-end", "https://wait-end.stacks.test", "hash", now())!.id;
});
afterAll(() => {
  store.db.close();
  rmSync(dir, { recursive: true, force: true });
});

const redeploy = () => store.deployments.insert(crypto.randomUUID(), stackId, "redeploy", now());
/** Whether `promise` settles before `ms` passes. */
const settlesWithin = (promise: Promise<unknown>, ms: number) => Promise.race([promise.then(() => true), Bun.sleep(ms).then(() => false)]);

describe("operationEnd (a rollout's wait for one redeploy)", () => {
  test("the done event ends the wait although the next re-check is a minute away", async () => {
    const d = redeploy();
    const wait = operationEnd(store.deployments, events, d.id, { recheckMs: 60_000, stopped: () => false });
    await Bun.sleep(20);
    store.deployments.finish(d.id, "succeeded", null, now());
    events.emit(d.id, { type: "done", data: { status: "ready", at: now() } });
    expect(await settlesWithin(wait, 5_000)).toBe(true);
    expect((await wait)?.status).toBe("succeeded");
  });

  test("another deployment's done event does not end it; its own outcome in the store does, at the re-check", async () => {
    const mine = redeploy();
    const other = redeploy();
    let ended = false;
    const wait = operationEnd(store.deployments, events, mine.id, { recheckMs: 30, stopped: () => false }).then((d) => {
      ended = true;
      return d;
    });
    store.deployments.finish(other.id, "succeeded", null, now());
    events.emit(other.id, { type: "done", data: { status: "ready", at: now() } });
    await Bun.sleep(100);
    expect(ended).toBe(false);
    // Finished without an event: the re-check sees it.
    store.deployments.finish(mine.id, "failed", { code: "health_timeout", message: "no answer" }, now());
    expect((await wait)?.status).toBe("failed");
  });

  test("a deployment that already ended returns at once; a stopping portal ends the wait with it still running", async () => {
    const done = redeploy();
    store.deployments.finish(done.id, "succeeded", null, now());
    expect((await operationEnd(store.deployments, events, done.id, { recheckMs: 60_000, stopped: () => false }))?.status).toBe("succeeded");
    const running = redeploy();
    let stopped = false;
    const wait = operationEnd(store.deployments, events, running.id, { recheckMs: 20, stopped: () => stopped });
    stopped = true;
    expect((await wait)?.status).toBe("running");
  });
});
