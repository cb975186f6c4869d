import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSandbox } from "../../src/sandbox/index.ts";
import { ADMIN_TOKEN, SANDBOX_KEY, deploy, poolEnv, portalEnv, readEvents, sandboxState, waitFor } from "../support/harness.ts";
import { type PortalProcess, spawnPortal } from "../support/process.ts";

/**
 * The portal is killed with SIGKILL while the warm pool makes a stack and while a deploy takes
 * one, then started again on the same data. Afterwards every Dokploy application belongs to
 * exactly one stack, owned or pooled, each claimed stack has one owner, and the pool is full.
 */

async function poolSandbox() {
  const sandbox = await startSandbox({ apiKey: SANDBOX_KEY, deployDurationMs: 60, stackStartMs: 20 });
  const h = { sandboxUrl: sandbox.url };
  const control = (path: string, body?: unknown) => fetch(`${sandbox.url}/__sandbox/${path}`, { method: "POST", body: JSON.stringify(body) });
  const dataDir = mkdtempSync(join(tmpdir(), "portal-crash-pool-"));
  const env = portalEnv(sandbox.url, dataDir, {
    ...poolEnv(sandbox.url),
    DOKPLOY_TIMEOUT: "3s",
    ADMIN_TOKEN,
  });
  const deadPortalsCallsDone = () =>
    waitFor(
      () => sandboxState(h),
      (s) => s.inFlight === 0,
      "the dead portal's calls to end",
    );
  return {
    h,
    env,
    control,
    /** SIGKILL, then a new portal on the same data once the dead one's calls have ended in Dokploy. */
    async restart(portal: PortalProcess): Promise<PortalProcess> {
      await portal.kill("SIGKILL");
      await deadPortalsCallsDone();
      return spawnPortal(env);
    },
    async stop() {
      await sandbox.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const poolApps = async (h: { sandboxUrl: string }) => (await sandboxState(h)).applications.filter((a: any) => a.name.startsWith("ai-stack-pool--"));

/** Two pooled stacks that answer, and every application in Dokploy is one stack's: owned (by name) or pooled. */
async function expectWholePool(portalUrl: string, h: { sandboxUrl: string }, owned: string[]) {
  const gauge = (text: string, state: string) => Number(new RegExp(`portal_pool_stacks\\{state="${state}"\\} (\\d+)`).exec(text)?.[1]);
  await waitFor(
    async () => {
      const text = await (await fetch(`${portalUrl}/metrics`)).text();
      return { ready: gauge(text, "ready"), warming: gauge(text, "warming") };
    },
    (p) => p.ready === 2 && p.warming === 0,
    "a full pool",
    15_000,
  );
  const state = await sandboxState(h);
  const names = state.applications.map((a: any) => a.name).sort();
  expect(names.filter((n: string) => !n.startsWith("ai-stack-pool--"))).toEqual(owned.map((n) => `ai-stack-${n}`).sort());
  expect(names.filter((n: string) => n.startsWith("ai-stack-pool--"))).toHaveLength(2);
  // A project per application, none left behind.
  expect(state.projects).toHaveLength(state.applications.length);
  for (const app of await poolApps(h)) {
    expect((await fetch(`${h.sandboxUrl}/global/health`, { headers: { host: app.appName } })).status).toBe(401);
  }
}

describe("crash recovery of the warm pool", () => {
  test.concurrent("SIGKILL while the pool makes a stack: it is removed at restart and the pool made whole", async () => {
    const s = await poolSandbox();
    try {
      // Hold the pool's second stack in Dokploy's deploy call.
      await s.control("faults", { procedure: "application.deploy", kind: "latency", ms: 1500, times: 2 });
      let portal = await spawnPortal(s.env);
      const first = await waitFor(
        () => sandboxState(s.h),
        (st) => st.applications.length >= 1,
        "the pool to start making a stack",
      );
      await Bun.sleep(200);
      portal = await s.restart(portal);
      try {
        await expectWholePool(portal.url, s.h, []);
        const halfMade = first.applications[0].applicationId;
        expect((await poolApps(s.h)).map((a: any) => a.applicationId)).not.toContain(halfMade);
      } finally {
        await portal.kill("SIGTERM");
      }
    } finally {
      await s.stop();
    }
  }, 40_000);

  test.concurrent("SIGKILL while a deploy takes a pooled stack: that stack is rolled back, never handed out again", async () => {
    const s = await poolSandbox();
    try {
      let portal = await spawnPortal(s.env);
      await expectWholePool(portal.url, s.h, []);
      const pooled = (await poolApps(s.h)).map((a: any) => a.applicationId);
      // The claim's domain.create is held; the kill lands inside the claim step.
      await s.control("faults", { procedure: "domain.create", kind: "latency", ms: 1500, times: 1 });
      const { status, body: accepted } = await deploy(portal, "erin");
      expect(status).toBe(202);
      await readEvents(`${portal.url}${accepted.eventsUrl}`, { until: (e) => e.event === "step" && e.data.step === "claim" });
      await Bun.sleep(100);
      portal = await s.restart(portal);
      try {
        const events = await readEvents(`${portal.url}${accepted.eventsUrl}`);
        expect(events.at(-1)!.data).toMatchObject({ status: "failed", error: { code: "interrupted" } });
        // The password erin was shown belongs to no stack any more, pooled or owned.
        await expectWholePool(portal.url, s.h, []);
        const state = await sandboxState(s.h);
        expect(state.applications.some((a: any) => a.env?.includes(accepted.credentials.password))).toBe(false);
        // The other pooled stack stayed in the pool, and the next deploy of the name takes a stack.
        expect(pooled.filter((id: string) => state.applications.some((a: any) => a.applicationId === id))).toHaveLength(1);
        const again = await deploy(portal, "erin");
        expect(again.status).toBe(202);
        const done = (await readEvents(`${portal.url}${again.body.eventsUrl}`)).at(-1)!;
        expect(done.data.status).toBe("ready");
      } finally {
        await portal.kill("SIGTERM");
      }
    } finally {
      await s.stop();
    }
  }, 40_000);

  test.concurrent("SIGKILL right after a burst of claims: each stack has one owner, each password one stack, and the pool is made whole", async () => {
    const s = await poolSandbox();
    try {
      let portal = await spawnPortal(s.env);
      await expectWholePool(portal.url, s.h, []);
      // Slow every claim's domain.create a little, so that the kill finds claims at different points.
      await s.control("faults", { procedure: "domain.create", kind: "latency", ms: 300, times: 4 });
      const names = ["burst-one", "burst-two", "burst-three", "burst-four"];
      const accepted = await Promise.all(names.map((n) => deploy(portal, n)));
      for (const a of accepted) expect(a.status).toBe(202);
      await Bun.sleep(150);
      portal = await s.restart(portal);
      try {
        const ends = await Promise.all(accepted.map(async (a) => (await readEvents(`${portal.url}${a.body.eventsUrl}`)).at(-1)!.data));
        for (const end of ends) expect(["ready", "failed"]).toContain(end.status);
        const ready = names.filter((_, i) => ends[i].status === "ready");
        await expectWholePool(portal.url, s.h, ready);
        const state = await sandboxState(s.h);
        // Every application is one stack's, and every password handed out is in one application at most.
        const appIds = state.applications.map((a: any) => a.applicationId);
        expect(new Set(appIds).size).toBe(appIds.length);
        for (const [i, a] of accepted.entries()) {
          const holders = state.applications.filter((app: any) => app.env?.includes(a.body.credentials.password));
          expect(holders.length).toBe(ends[i].status === "ready" ? 1 : 0);
          if (ends[i].status === "ready") expect(holders[0].name).toBe(`ai-stack-${names[i]}`);
        }
      } finally {
        await portal.kill("SIGTERM");
      }
    } finally {
      await s.stop();
    }
  }, 60_000);
});
