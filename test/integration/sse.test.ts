import { afterAll, beforeAll, expect, test } from "bun:test";
import { type Harness, deploy, readEvents, startHarness } from "../support/harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ heartbeatMs: 50, sandbox: { deployDurationMs: 400 } });
});
afterAll(() => h.stop());

const watchers = async () => {
  const text = await (await fetch(`${h.url}/metrics`)).text();
  return Number(/^portal_sse_connections (\d+)/m.exec(text)?.[1]);
};

test("a quiet stream gets heartbeat comments; a watcher that leaves is let go", async () => {
  const accepted = await deploy(h, "beat");
  const controller = new AbortController();
  const res = await fetch(`${h.url}${accepted.body.eventsUrl}`, { signal: controller.signal });
  expect(res.headers.get("content-type")).toBe("text/event-stream");
  expect(res.headers.get("cache-control")).toBe("no-store");
  const reader = res.body!.getReader();
  let text = "";
  while (!text.includes(": heartbeat")) text += new TextDecoder().decode((await reader.read()).value);
  expect(text).toStartWith("retry: 1000\n\n");
  expect(await watchers()).toBe(1);
  controller.abort();
  let left = 1;
  for (let i = 0; i < 50 && left !== 0; i++) {
    await Bun.sleep(20);
    left = await watchers();
  }
  expect(left).toBe(0);
  const events = await readEvents(`${h.url}${accepted.body.eventsUrl}`);
  expect(events.at(-1)!.data.status).toBe("ready");
  // Streams that ended after `done` are let go too.
  expect(await watchers()).toBe(0);
});

test("many watchers of one deploy each get every event once, in order", async () => {
  const accepted = await deploy(h, "crowd");
  const all = await Promise.all(Array.from({ length: 50 }, () => readEvents(`${h.url}${accepted.body.eventsUrl}`)));
  const ids = all[0]!.map((e) => e.id);
  expect(ids.length).toBeGreaterThan(10);
  for (const events of all) expect(events.map((e) => e.id)).toEqual(ids);
});
