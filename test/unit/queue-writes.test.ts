import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EventBus } from "../../src/stacks/runs/event-bus.ts";
import { QueueBoard } from "../../src/stacks/runs/queue-board.ts";
import { DeploySlots } from "../../src/stacks/runs/deploy-slots.ts";
import { snapshotOf } from "../../src/stacks/model/snapshot.ts";
import { Store } from "../../src/store/index.ts";

/**
 * The portal's deploy queue writes in a line: every move of the line reaches the live
 * watchers, but a waiting deploy persists at most two queue events (where it joined, and
 * "next in line"), so a burst of N waiting deploys writes O(N) rows, not one per move.
 * Real parts: the queue (DeploySlots), the event bus, and the store on a SQLite file.
 */

const now = () => new Date().toISOString();
const SLOTS = 10;
const WAITING = 200;
let dir: string;
let store: Store;
let events: EventBus;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "queue-writes-"));
  store = Store.open(dir);
  events = new EventBus(store.deployments);
});
afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Persisted "waiting" events, per deployment. */
function persistedWaits(ids: string[]): number[] {
  return ids.map(
    (id) =>
      (
        store.db
          .query(
            "SELECT COUNT(*) AS n FROM deployment_events WHERE deployment_id = ? AND type = 'status' AND json_extract(data, '$.status') = 'waiting'",
          )
          .get(id) as { n: number }
      ).n,
  );
}

describe("a burst of waiting deploys", () => {
  test(`${WAITING} deploys waiting for ${SLOTS} slots write at most 2 queue rows each; the line's every move still reaches live watchers`, async () => {
    const slots = new DeploySlots(SLOTS);
    const board = new QueueBoard(events);
    const ids: string[] = [];
    const positionsSeen = new Map<string, number[]>();
    const releases: Promise<() => void>[] = [];
    for (let i = 0; i < SLOTS + WAITING; i++) {
      const stack = store.stacks.insert(`burst-${i}`, `https://burst-${i}.stacks.test`, "hash", now())!;
      const d = store.deployments.insert(crypto.randomUUID(), stack.id, "deploy", now());
      ids.push(d.id);
      const seen: number[] = [];
      positionsSeen.set(d.id, seen);
      // A watcher following live, as the page does over SSE.
      events.subscribe(
        d.id,
        (e) => {
          if (e.type === "status" && e.data.status === "waiting") seen.push(e.data.position!);
        },
        (e) => {
          if (e.type === "status" && e.data.status === "waiting") seen.push(e.data.position!);
        },
      );
      const place = board.enter(d.id);
      releases.push(slots.acquire(place.onPosition).finally(place.done));
    }
    expect(slots.queued).toBe(WAITING);
    // The line moves one deploy at a time: each finished deploy lets the next one in.
    for (const release of releases) (await release)();

    const waits = persistedWaits(ids);
    const waiters = ids.slice(SLOTS);
    expect(waits.slice(0, SLOTS).every((n) => n === 0)).toBe(true);
    expect(Math.max(...waits)).toBeLessThanOrEqual(2);
    const total = waits.reduce((a, b) => a + b, 0);
    expect(total).toBeLessThanOrEqual(2 * WAITING);
    // The one that waited longest saw every place from 200 down to 1, live.
    expect(positionsSeen.get(waiters.at(-1)!)).toEqual(Array.from({ length: WAITING }, (_, i) => WAITING - i));
    const moves = [...positionsSeen.values()].reduce((n, seen) => n + seen.length, 0);
    // What the old queue wrote: one row per move (N(N+1)/2 = 20,100 here).
    expect(moves).toBe((WAITING * (WAITING + 1)) / 2);
    expect(total).toBeLessThan(moves / 50);
    // Stored, each waiter's line reads: where it joined, then next in line.
    const last = store.deployments.events(waiters.at(-1)!).filter((e) => e.type === "status" && e.data.status === "waiting");
    expect(last.map((e) => (e.type === "status" ? e.data.position : null))).toEqual([WAITING, 1]);
  });

  test("the snapshot shows a waiting deploy's place now, although that move was not stored", async () => {
    const slots = new DeploySlots(1);
    const board = new QueueBoard(events);
    const ids: string[] = [];
    const holds: Promise<() => void>[] = [];
    for (let i = 0; i < 4; i++) {
      const stack = store.stacks.insert(`snap-${i}`, `https://snap-${i}.stacks.test`, "hash", now())!;
      const d = store.deployments.insert(crypto.randomUUID(), stack.id, "deploy", now());
      ids.push(d.id);
      const place = board.enter(d.id);
      holds.push(slots.acquire(place.onPosition).finally(place.done));
    }
    const snapshot = (id: string) => snapshotOf(store.deployments.byId(id)!, store.deployments.events(id), board.positionOf(id));
    expect(snapshot(ids[3]!).queuePosition).toBe(3);
    (await holds[0]!)();
    // Moved from 3 to 2: announced, not stored; the snapshot says 2.
    expect(persistedWaits([ids[3]!])).toEqual([1]);
    expect(snapshot(ids[3]!).queuePosition).toBe(2);
    (await holds[1]!)();
    expect(snapshot(ids[3]!).queuePosition).toBe(1);
    (await holds[2]!)();
    await holds[3];
    // In a slot: no place in line any more.
    expect(snapshot(ids[3]!).queuePosition).toBeNull();
    expect(snapshot(ids[0]!).queuePosition).toBeNull();
  });
});
