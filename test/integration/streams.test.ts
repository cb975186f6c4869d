import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect } from "node:net";
import { type Harness, deployAndWait, startHarness } from "../support/harness.ts";

/** Event streams that end, and request bodies that must arrive in time. */

describe("the event stream of a finished deployment", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.stop());

  test("Last-Event-ID at or beyond its last event: 204, nothing replayed, no stream left open", async () => {
    const result = await deployAndWait(h, "ended");
    const last = Number(result.done.id);
    for (const id of [last, last + 5]) {
      const res = await fetch(`${h.url}${result.eventsUrl}`, { headers: { "Last-Event-ID": String(id) }, signal: AbortSignal.timeout(5_000) });
      expect(res.status).toBe(204);
      expect(await res.text()).toBe("");
    }
    const query = await fetch(`${h.url}${result.eventsUrl}?lastEventId=${last}`, { signal: AbortSignal.timeout(5_000) });
    expect(query.status).toBe(204);
    // One event short of the end still gets `done`, and the stream closes after it.
    const before = await fetch(`${h.url}${result.eventsUrl}`, { headers: { "Last-Event-ID": String(last - 1) }, signal: AbortSignal.timeout(5_000) });
    expect(before.status).toBe(200);
    const text = await before.text();
    expect(text).toContain(`id: ${last}\nevent: done`);
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    expect(metrics).toMatch(/portal_sse_connections 0/);
  });
});

/** Sends a request's head, then its body one byte at a time; resolves with the status line, or null. */
function slowRequest(url: string, opts: { length: number; everyMs: number; waitMs: number }): Promise<string | null> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    let received = "";
    let timer: ReturnType<typeof setInterval> | undefined;
    const end = (line: string | null) => {
      clearInterval(timer);
      clearTimeout(giveUp);
      socket.destroy();
      resolve(line);
    };
    const giveUp = setTimeout(() => end(null), opts.waitMs);
    socket.on("data", (chunk) => {
      received += chunk.toString();
      const cut = received.indexOf("\r\n\r\n");
      if (cut >= 0) end(`${received.split("\r\n")[0]} ${received.slice(cut + 4)}`);
    });
    socket.on("error", () => end(received || null));
    socket.on("connect", () => {
      socket.write(`POST /api/deploy HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\nContent-Length: ${opts.length}\r\n\r\n{`);
      timer = setInterval(() => socket.write(" "), opts.everyMs);
    });
  });
}

describe("slow request bodies", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { BODY_TIMEOUT: "3s" } });
  });
  afterAll(() => h.stop());

  const slow = (waitMs = 8_000) => slowRequest(h.url, { length: 200, everyMs: 100, waitMs });

  test("a body that trickles in is cut off at BODY_TIMEOUT with 408 request_timeout", async () => {
    // 200 bytes at one per 100 ms would take 20 s.
    const answer = await slow();
    expect(answer).toStartWith("HTTP/1.1 408");
    expect(answer).toContain('"code":"request_timeout"');
  });

  test("a client may have only 8 slow bodies in flight: more get 429 too_many_uploads", async () => {
    // Nine at once: the ninth is turned away when they all turn out to be slow.
    const answers = await Promise.all(Array.from({ length: 9 }, () => slow()));
    expect(answers.filter((a) => a?.startsWith("HTTP/1.1 408")).length).toBe(8);
    const refused = answers.filter((a) => a?.startsWith("HTTP/1.1 429"));
    expect(refused.length).toBe(1);
    expect(refused[0]).toContain('"code":"too_many_uploads"');
    // Eight under way: the next one is refused as it arrives.
    const held = Array.from({ length: 8 }, () => slow());
    await Bun.sleep(1_500);
    const extra = await slow(1_000);
    expect(extra).toStartWith("HTTP/1.1 429");
    for (const answer of await Promise.all(held)) expect(answer).toStartWith("HTTP/1.1 408");
  }, 20_000);

  test("ordinary bodies never count as slow, however many come at once", async () => {
    const post = () => fetch(`${h.url}/api/deploy`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"name":"-x"}' });
    const statuses = await Promise.all(Array.from({ length: 40 }, () => post().then((r) => r.status)));
    expect(statuses.every((s) => s === 400)).toBe(true);
  });
});
