import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { DokployClient } from "../../src/dokploy/client.ts";
import { startSandbox } from "../../src/sandbox/index.ts";
import { ClusterView } from "../../src/stacks/placement/nodes.ts";

/**
 * Placement reads Dokploy's node list at most once per quiet spell: a list read a moment ago
 * is used at once and a fresh one read behind it; an older one is read again first.
 */

const KEY = "cluster-view-key-0123456789";
let sandbox: Awaited<ReturnType<typeof startSandbox>>;
beforeAll(async () => {
  sandbox = await startSandbox({ apiKey: KEY });
});
afterAll(() => sandbox.stop());

const client = () =>
  new DokployClient({ baseUrl: sandbox.url, apiKey: KEY, timeoutMs: 2_000, maxConcurrency: 4, circuitFailures: 3, circuitCooldownMs: 200 });
const calls = async () => (((await (await fetch(`${sandbox.url}/__sandbox/state`)).json()) as any).calls["cluster.getNodes"] ?? 0) as number;

describe("the node list placement uses", () => {
  test("fresh: no call; a moment old: used at once, read again behind; old: read again first", async () => {
    const view = new ClusterView(client(), 100, 600);
    const worker = sandbox.sandbox.addNode({ hostname: "worker-a", memoryBytes: 8 * 1024 ** 3 }).id;
    const before = await calls();

    expect((await view.forPlacement()).find((n) => n.id === worker)?.health).toBe("ready");
    await view.forPlacement();
    expect(await calls()).toBe(before + 1);

    // Drained meanwhile: within the stale window the last list answers at once, and a read behind it catches up.
    sandbox.sandbox.updateNode(worker, { availability: "drain" });
    await Bun.sleep(150);
    expect((await view.forPlacement()).find((n) => n.id === worker)?.health).toBe("ready");
    for (let i = 0; i < 50 && (await calls()) < before + 2; i++) await Bun.sleep(10);
    expect(await calls()).toBe(before + 2);
    expect((await view.forPlacement()).find((n) => n.id === worker)?.health).toBe("drained");

    // Past the stale window the list is read before it is used.
    sandbox.sandbox.updateNode(worker, { availability: "active" });
    await Bun.sleep(700);
    expect((await view.forPlacement()).find((n) => n.id === worker)?.health).toBe("ready");
    expect(await calls()).toBe(before + 3);
  });

  test("a burst of deploys at a cold start asks Dokploy once", async () => {
    const view = new ClusterView(client());
    const before = await calls();
    const lists = await Promise.all(Array.from({ length: 20 }, () => view.forPlacement()));
    expect(new Set(lists).size).toBe(1);
    expect(await calls()).toBe(before + 1);
  });

  test("a caller that gives up on a shared read does not fail the others waiting for it", async () => {
    const view = new ClusterView(client());
    await fetch(`${sandbox.url}/__sandbox/settings`, { method: "POST", body: JSON.stringify({ latencyMs: 300 }) });
    try {
      const impatient = view.nodes(AbortSignal.timeout(50));
      const patient = view.nodes();
      await expect(impatient).rejects.toThrow();
      expect((await patient).length).toBeGreaterThan(0);
    } finally {
      await fetch(`${sandbox.url}/__sandbox/settings`, { method: "POST", body: JSON.stringify({ latencyMs: 0 }) });
    }
  });
});
