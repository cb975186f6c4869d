import { afterAll, beforeAll, expect, test } from "bun:test";
import { ADMIN_TOKEN, type Harness, deployAndWait, startHarness, waitFor } from "../support/harness.ts";
import { type Launched, launch, msg, normalise, openAdmin, overflow, text } from "./support.ts";

/**
 * The admin view's capacity card in a real browser, in Dutch and then Arabic: per server its
 * health in words, stacks, memory and CPU against the server's, its room, and the stacks a
 * server that is down takes out; the fleet by status and by image.
 */

// A limit catches a hang, not slowness: a flow that takes 10 s alone may take four times that on a busy machine.
const T = 90_000;
const GiB = 1024 ** 3;
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

let h: Harness;
let chrome: Launched;
let worker = "";

beforeAll(async () => {
  [h, chrome] = await Promise.all([
    startHarness({ env: { STACK_MEMORY_RESERVATION: "1g", STACK_CPU_RESERVATION: "0.5", MAX_STACKS_PER_NODE: "2" } }),
    launch(),
  ]);
  const manager = h.sandbox.state().nodes.find((n: any) => n.role === "manager")!;
  h.sandbox.updateNode(manager.id, { memoryBytes: 4 * GiB });
  worker = h.sandbox.addNode({ hostname: "worker-a", memoryBytes: 8 * GiB, nanoCpus: 4e9 }).id;
  // worker-a has the most free reservation: it gets two (its limit), the manager the third.
  for (const name of ["cap-b1", "cap-b2", "cap-b3"]) expect((await deployAndWait(h, name)).done.data.status).toBe("ready");
  h.sandbox.updateNode(worker, { state: "down" });
  // The portal reuses Dokploy's node list for a moment: wait until it sees the node down.
  await waitFor(
    async () => (await (await fetch(`${h.url}/api/admin/capacity`, { headers: admin })).json()) as any,
    (report) => report.nodes?.find((n: any) => n.hostname === "worker-a")?.health === "down",
    "worker-a to show as down",
  );
}, T);

afterAll(async () => {
  await chrome?.close();
  await h?.stop();
}, T);

test(
  "per server: health, stacks, memory and CPU, room and the affected stacks; in Dutch, then Arabic",
  async () => {
    const { context, page, problems } = await openAdmin(chrome.browser, h.url, "nl-NL", ADMIN_TOKEN);
    await page.waitForSelector('#capacity-nodes li[data-node="worker-a"]');
    expect(await text(page, "#capacity-heading")).toBe(msg("nl", "capacity.heading"));

    const fact = async (host: string, name: string) =>
      normalise(await text(page, `#capacity-nodes li[data-node="${host}"] [data-fact="${name}"] dd`));
    // The server that is down: said in words, full, and the stacks it takes out by name.
    expect(await page.getAttribute('#capacity-nodes li[data-node="worker-a"]', "data-health")).toBe("down");
    expect(await text(page, '#capacity-nodes li[data-node="worker-a"] .stack-status')).toBe(msg("nl", "capacity.health_down"));
    expect(await fact("worker-a", "affected")).toBe("cap-b1, cap-b2");
    expect(await fact("worker-a", "room")).toBe(msg("nl", "capacity.room_full"));
    expect(await fact("worker-a", "stacks")).toBe(msg("nl", "capacity.stacks_value", { count: "2", running: "2" }));
    // Two stacks: 1 GiB and 0.5 CPU reserved each, 4 GiB and 2 CPUs at most (the defaults), on 8 GiB and 4 CPUs.
    expect(await fact("worker-a", "memory")).toBe(msg("nl", "capacity.amounts", { reserved: "2 GiB", limited: "8 GiB", total: "8 GiB" }));
    expect(await fact("worker-a", "cpu")).toBe(
      msg("nl", "capacity.amounts", {
        reserved: msg("nl", "capacity.cpus", { n: "1" }),
        limited: msg("nl", "capacity.cpus", { n: "4" }),
        total: msg("nl", "capacity.cpus", { n: "4" }),
      }),
    );
    // The manager is fine: 1 of 2 stacks, 3 GiB free.
    expect(await text(page, '#capacity-nodes li[data-node="dokploy-manager"] .stack-status')).toBe(msg("nl", "capacity.health_ready"));
    expect(await fact("dokploy-manager", "room")).toBe(msg("nl", "capacity.room", { count: "1" }));
    expect(await fact("dokploy-manager", "affected")).toBe(msg("nl", "capacity.affected_none"));
    expect(await fact("dokploy-manager", "role")).toBe(msg("nl", "capacity.role_manager"));
    expect(await fact("dokploy-manager", "cpu")).toBe(
      msg("nl", "capacity.amounts", {
        reserved: msg("nl", "capacity.cpus", { n: "0,5" }),
        limited: msg("nl", "capacity.cpus", { n: "2" }),
        total: msg("nl", "capacity.cpus", { n: "16" }),
      }),
    );
    // The fleet: by status and by image, the image new stacks and upgrades get marked (before any
    // rollout the configured one, so it is not marked twice).
    expect(normalise(await text(page, '#capacity-fleet li[data-status="ready"]'))).toBe(`${msg("nl", "admin.status_ready")}: 3`);
    expect(await page.locator("#capacity-images li[data-image] [data-current]").count()).toBe(1);
    expect(await page.locator("#capacity-images li[data-image] [data-default]").count()).toBe(0);
    expect(normalise(await text(page, '#capacity-fleet [data-count="running"] dd'))).toBe("3");

    // A language switch redraws the card (Arabic, right to left).
    await page.selectOption("#lang-select", "ar");
    await page.waitForFunction(() => document.documentElement.dir === "rtl");
    expect(await text(page, "#capacity-heading")).toBe(msg("ar", "capacity.heading"));
    expect(await text(page, '#capacity-nodes li[data-node="worker-a"] .stack-status')).toBe(msg("ar", "capacity.health_down"));
    expect(await fact("worker-a", "room")).toBe(msg("ar", "capacity.room_full"));
    expect(await fact("worker-a", "affected")).toBe("cap-b1, cap-b2");
    expect(await overflow(page)).toBe(0);
    expect(problems).toEqual([]);
    await context.close();
  },
  T,
);
