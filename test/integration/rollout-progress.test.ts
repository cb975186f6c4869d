import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ADMIN_TOKEN, type Harness, deployAndWait, startHarness } from "../support/harness.ts";

/**
 * A rollout's progress stream at batch start: the batch's redeploys start together, and the
 * watchers get them as one view of the rollout, not one view per stack (each view carries
 * every stack of the rollout, so at fleet scale a view per change is most of the portal's
 * work; docs/performance.md, the rollout benchmark).
 */

const OLD = "registry.test/opencode:v1";
const NEW = "registry.test/opencode:v2";
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
const names = Array.from({ length: 6 }, (_, i) => `views-${i + 1}`);

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ env: { STACK_IMAGE: OLD, MAX_CONCURRENT_DEPLOYS: "5" }, sandbox: { buildConcurrency: 5 } });
  for (const name of names) expect((await deployAndWait(h, name)).done.data.status).toBe("ready");
}, 60_000);
afterAll(() => h.stop());

/** Every progress view until the stream's done event. */
async function views(eventsUrl: string): Promise<{ views: any[]; done: any }> {
  const res = await fetch(`${h.url}${eventsUrl}`, { headers: admin, signal: AbortSignal.timeout(15_000) });
  const text = await res.text();
  const out: any[] = [];
  let done: any = null;
  for (const block of text.split("\n\n")) {
    const data = block.split("\n").find((l) => l.startsWith("data: "));
    if (!data) continue;
    if (block.includes("event: progress")) out.push(JSON.parse(data.slice(6)));
    if (block.includes("event: done")) done = JSON.parse(data.slice(6));
  }
  return { views: out, done };
}

describe("rollout progress", () => {
  test("a batch's redeploys are announced together, in one view", async () => {
    const res = await fetch(`${h.url}/api/admin/rollouts`, {
      method: "POST",
      headers: { ...admin, "content-type": "application/json" },
      body: JSON.stringify({ image: NEW, batchSize: 5 }),
    });
    expect(res.status).toBe(202);
    const started = (await res.json()) as any;
    const { views: seen, done } = await views(started.eventsUrl);
    expect(done.status).toBe("finished");
    expect(done.counts.done).toBe(6);
    // The canary alone, then the other five in one batch.
    const last = seen.at(-1);
    expect(last.stacks.filter((s: any) => s.batch === 1)).toHaveLength(5);
    for (const view of seen) {
      for (const batch of [0, 1]) {
        const active = view.stacks.filter((s: any) => s.batch === batch && s.state === "active");
        const started = active.filter((s: any) => s.deploymentId !== null).length;
        // Never a batch half started: either none of its redeploys are known yet (a stack
        // being put back has none for a moment) or all of them.
        expect([0, active.length]).toContain(started);
      }
    }
    // The batch of five became active with its five redeploys in the same view.
    const batchStart = seen.find((v) => v.stacks.some((s: any) => s.batch === 1));
    expect(batchStart.stacks.filter((s: any) => s.batch === 1 && s.state === "active" && s.deploymentId !== null)).toHaveLength(5);
  });
});
