import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config.ts";
import { createLogger } from "../../src/log.ts";
import { type Portal, startPortal } from "../../src/portal.ts";
import { startSandbox } from "../../src/sandbox/index.ts";
import { SANDBOX_KEY, dokployPost, portalEnv, readEvents } from "../support/harness.ts";

/**
 * A stack created by an older portal (one volume, Dokploy's start-first default, no limits)
 * is brought up to date by the owner's redeploy after the operator changed STACK_IMAGE:
 * the new image, the data volume, the limits and stop-first, and never two tasks at once.
 */

let sandbox: Awaited<ReturnType<typeof startSandbox>>;
const dataDir = mkdtempSync(join(tmpdir(), "portal-upgrade-"));
beforeAll(async () => {
  sandbox = await startSandbox({ apiKey: SANDBOX_KEY, deployDurationMs: 60, stackStartMs: 20, stackStopMs: 100 });
});
afterAll(async () => {
  await sandbox.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function portalWith(extra: Record<string, string>): Promise<Portal> {
  const config = loadConfig(portalEnv(sandbox.url, dataDir, extra));
  return startPortal({
    config,
    log: createLogger({ level: "silent", secrets: [] }),
    mode: "dokploy",
    dokployUrl: sandbox.url,
    dokployApiKey: SANDBOX_KEY,
    cleanup: { attempts: 2, baseDelayMs: 20 },
  });
}

const dokploy = (procedure: string, body: unknown) => dokployPost(sandbox.url, procedure, body);
const service = () => sandbox.sandbox.state().services.find((s) => s.hosts.includes("uma.stacks.test"))!;

describe("redeploy brings an older stack up to date", () => {
  test("new image, data volume, limits and stop-first; the sandbox shows what start-first would have done", async () => {
    let portal = await portalWith({ STACK_IMAGE: "registry.test/opencode:1", STACK_MOUNTS: "workspace:/workspace" });
    let accepted: any;
    try {
      const res = await fetch(`${portal.url}/api/deploy`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "uma" }),
      });
      accepted = await res.json();
      expect((await readEvents(`${portal.url}${accepted.eventsUrl}`)).at(-1)!.data.status).toBe("ready");
      await portal.runner.settle();
    } finally {
      await portal.stop();
    }
    // As an older portal left it: Dokploy's defaults for the update order and no limits.
    const app = sandbox.sandbox.state().applications.find((a) => a.name === "ai-stack-uma")!;
    expect(
      (
        await dokploy("application.update", {
          applicationId: app.applicationId,
          updateConfigSwarm: null,
          memoryLimit: null,
          memoryReservation: null,
          cpuLimit: null,
        })
      ).status,
    ).toBe(200);
    // Dokploy's default start-first: a redeploy runs the new task beside the old one.
    await dokploy("application.redeploy", { applicationId: app.applicationId });
    for (let i = 0; i < 100 && service().updates.length < 1; i++) await Bun.sleep(20);
    expect(service().updates.map((u) => [u.order, u.overlapped])).toEqual([["start-first", true]]);
    expect(service().maxTasks).toBe(2);
    await Bun.sleep(200);

    portal = await portalWith({ STACK_IMAGE: "registry.test/opencode:2" });
    try {
      const res = await fetch(`${portal.url}/api/stacks/uma/redeploy`, {
        method: "POST",
        headers: { authorization: `Bearer ${accepted.managementToken}` },
      });
      expect(res.status).toBe(202);
      const events = await readEvents(`${portal.url}${((await res.json()) as any).eventsUrl}`);
      expect(events.at(-1)!.data.status).toBe("ready");
      const svc = service();
      expect(svc.image).toBe("registry.test/opencode:2");
      expect(svc.updateConfig).toEqual({ Parallelism: 1, Order: "stop-first", FailureAction: "rollback" });
      expect(svc.updates.at(-1)).toMatchObject({ order: "stop-first", overlapped: false });
      expect(svc.volumes).toEqual(["portal-ai-workspace-uma", "portal-ai-data-uma"]);
      expect(svc.resources.Limits).toEqual({ MemoryBytes: 4 * 1024 ** 3, NanoCPUs: 2e9 });
      const details = (await (
        await fetch(`${portal.url}/api/stacks/uma/details`, { headers: { authorization: `Bearer ${accepted.managementToken}` } })
      ).json()) as any;
      expect(details.dokploy).toMatchObject({
        image: "registry.test/opencode:2",
        updateOrder: "stop-first",
        limits: { memoryBytes: 4 * 1024 ** 3, memoryReservationBytes: 512 * 1024 ** 2, nanoCpus: 2e9, nanoCpusReservation: null },
      });
      expect(details.dokploy.volumes).toEqual([
        { name: "portal-ai-workspace-uma", mountPath: "/workspace" },
        { name: "portal-ai-data-uma", mountPath: "/home/bun/.local/share/opencode" },
      ]);
      await portal.runner.settle();
    } finally {
      await portal.stop();
    }
  });
});
