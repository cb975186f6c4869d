import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ADMIN_TOKEN, type Harness, deploy, deployAndWait, readEvents, startHarness } from "../support/harness.ts";

/**
 * The admin view's live list (GET /api/admin/stack-events) and its filtered audit log: what an
 * admin watching 200 stacks needs instead of a Refresh button.
 */

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
let h: Harness;
beforeAll(async () => {
  // A deploy long enough to be seen while it is made.
  h = await startHarness({ sandbox: { deployDurationMs: 1000 } });
});
afterAll(() => h.stop());

const stream = (query = "") => `${h.url}/api/admin/stack-events${query}`;
const post = (path: string) => fetch(`${h.url}${path}`, { method: "POST", headers: admin });
const rowOf = (e: any, name: string) => e.data.changed.find((r: any) => r.name === name);

describe("the admin's live list", () => {
  test("is the admin's: 401 without the token", async () => {
    expect((await fetch(stream())).status).toBe(401);
  });

  test("every row first, then the rows that change: a deploy, a stop, a delete", async () => {
    await deployAndWait(h, "live-old");
    const first = await readEvents(stream(), { headers: admin, until: () => true });
    expect(first[0]!.event).toBe("stacks");
    expect(first[0]!.data.first).toBe(true);
    expect(first[0]!.data.changed.map((r: any) => r.name)).toEqual(["live-old"]);
    expect(rowOf(first[0], "live-old")).toMatchObject({ status: "ready", runState: "running", running: null });

    // A new deploy shows up as it is made, then ready; the unchanged row is not sent again.
    const watching = readEvents(stream(), { headers: admin, until: (e) => rowOf(e, "live-a")?.status === "ready" });
    await Bun.sleep(50);
    const accepted = await deploy(h, "live-a");
    expect(accepted.status).toBe(202);
    const events = await watching;
    const later = events.slice(1);
    expect(later.length).toBeGreaterThan(0);
    expect(later.some((e) => rowOf(e, "live-old"))).toBe(false);
    expect(later.some((e) => rowOf(e, "live-a")?.status === "deploying")).toBe(true);

    // A stop: its row says it runs an operation, then that it is stopped.
    const stopped = readEvents(stream(), { headers: admin, until: (e) => rowOf(e, "live-a")?.runState === "stopped" && !rowOf(e, "live-a").running });
    await Bun.sleep(50);
    expect((await post("/api/stacks/live-a/stop")).status).toBe(202);
    expect((await stopped).length).toBeGreaterThan(1);

    // A delete: gone from the live list (without `all`), kept with `all=true`.
    const id = rowOf(first[0], "live-old").id;
    const gone = readEvents(stream(), { headers: admin, until: (e) => e.data.removed.includes(id) });
    const kept = readEvents(stream("?all=true"), { headers: admin, until: (e) => rowOf(e, "live-old")?.status === "deleted" });
    await Bun.sleep(50);
    expect((await fetch(`${h.url}/api/stacks/live-old`, { method: "DELETE", headers: admin })).status).toBe(202);
    expect((await gone).at(-1)!.data.removed).toEqual([id]);
    expect(rowOf((await kept).at(-1), "live-old").status).toBe("deleted");
  }, 20_000);
});

describe("the audit log's filters", () => {
  test("by stack, by action, by actor; the next page keeps them", async () => {
    const audit = async (query: string) => (await (await fetch(`${h.url}/api/admin/audit?${query}`, { headers: admin })).json()) as any;
    const forA = await audit("stack=live-a");
    expect(forA.entries.length).toBeGreaterThan(1);
    for (const e of forA.entries) expect(e.stackName).toBe("live-a");
    const stops = await audit("stack=live-a&action=stop");
    expect(stops.entries.map((e: any) => [e.action, e.actor])).toEqual([["stop", "admin"]]);
    expect((await audit("stack=nobody")).entries).toEqual([]);
    const paged = await audit("stack=live-a&limit=1");
    expect(paged.entries).toHaveLength(1);
    expect(paged.next).toContain("stack=live-a");
    const second = (await (await fetch(`${h.url}${paged.next}`, { headers: admin })).json()) as any;
    expect(second.entries[0].stackName).toBe("live-a");
    expect(second.entries[0].id).toBeLessThan(paged.entries[0].id);
  });
});
