import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  ADMIN_TOKEN,
  type Harness,
  deploy,
  deployAndWait,
  poolEnv,
  poolReady,
  readEvents,
  sandboxState,
  startAnotherPortal,
  startHarness,
  waitFor,
} from "../support/harness.ts";

/**
 * The warm pool (src/stacks/pool/): stacks made ahead with no owner, taken by a deploy. Against
 * the sandbox Dokploy over HTTP: what Dokploy holds before and after a claim, what the owner
 * gets, and that no pooled stack is ever handed out twice or on an old image.
 */

const withPool =
  (extra: Record<string, string> = {}) =>
  (sandboxUrl: string) => ({ ...poolEnv(sandboxUrl), ...extra });

const poolApps = async (h: Harness) => (await sandboxState(h)).applications.filter((a: any) => a.name.startsWith("ai-stack-pool--"));

const stepsOf = (events: { event: string; data: any }[]) =>
  events.filter((e) => e.event === "step" && e.data.state === "succeeded").map((e) => e.data.step);

describe("the warm pool", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: withPool() });
  });
  afterAll(() => h.stop());

  test("fills itself with stacks that answer, with no domain, owner or place in any list", async () => {
    await poolReady(h, 2);
    const state = await sandboxState(h);
    const apps = await poolApps(h);
    expect(apps).toHaveLength(2);
    for (const app of apps) {
      // No public address, a password of its own, answering on Dokploy's network.
      expect(state.domains.filter((d: any) => d.applicationId === app.applicationId)).toEqual([]);
      expect(app.env).toMatch(/OPENCODE_SERVER_PASSWORD=[A-Za-z0-9]{24}/);
      const res = await fetch(`${h.sandboxUrl}/global/health`, { headers: { host: app.appName } });
      expect(res.status).toBe(401);
    }
    expect(new Set(apps.map((a: any) => a.env)).size).toBe(2);
    // Nobody sees them as stacks: not the admin's list, not the name check's "taken".
    const list = (await (await fetch(`${h.url}/api/admin/stacks`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as any;
    expect(JSON.stringify(list)).not.toContain("pool--");
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    expect(metrics).toContain('portal_pool_stacks{state="ready"} 2');
    expect(metrics).toContain('portal_pool_stacks{state="wanted"} 2');
    const capacity = (await (await fetch(`${h.url}/api/admin/capacity`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as any;
    expect(capacity.pool).toMatchObject({ wanted: 2, ready: 2, warming: 0 });
    expect(capacity.fleet.live).toBe(0);
    // The reconciler knows them: their projects are no orphans, and they are not lost.
    const reconcile = await fetch(`${h.url}/api/admin/reconcile`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ apply: false }),
    });
    const report = ((await reconcile.json()) as any).report;
    expect(report.orphanProjects).toEqual([]);
    expect(report.lostStacks).toEqual([]);
    expect(report.orphanVolumes ?? []).toEqual([]);
  });

  test("a deploy takes a ready stack: its name, address and password are the owner's, and the pool refills", async () => {
    await poolReady(h, 2);
    const before = await poolApps(h);
    const result = await deployAndWait(h, "alice");
    expect(result.done.data).toMatchObject({ status: "ready", url: "https://alice.stacks.test" });
    expect(stepsOf(result.events)).toEqual(["claim", "wait_healthy", "ready"]);

    const state = await sandboxState(h);
    const app = state.applications.find((a: any) => a.name === "ai-stack-alice");
    // One of the pooled stacks, not a new one: its service (appName) and volumes stay as made.
    expect(before.map((a: any) => a.applicationId)).toContain(app.applicationId);
    expect(app.env).toContain(`OPENCODE_SERVER_PASSWORD=${result.credentials.password}`);
    expect(app.env).toContain("STACK_NAME=alice");
    const projectId = h.portal.store.stacks.live("alice")?.projectId;
    expect(state.projects.find((p: any) => p.projectId === projectId)?.name).toBe("ai-stack-alice");
    expect(state.domains.filter((d: any) => d.applicationId === app.applicationId)).toMatchObject([{ host: "alice.stacks.test", https: true }]);
    const auth = `Basic ${btoa(`opencode:${result.credentials.password}`)}`;
    expect((await fetch(`${h.sandboxUrl}/global/health`, { headers: { host: "alice.stacks.test" } })).status).toBe(401);
    expect((await fetch(`${h.sandboxUrl}/global/health`, { headers: { host: "alice.stacks.test", authorization: auth } })).status).toBe(200);

    // The owner's views are a deploy's: the stack is ready, its deployment a deploy, its token works.
    const stack = (await (await fetch(`${h.url}/api/stacks/alice`)).json()) as any;
    expect(stack).toMatchObject({ name: "alice", status: "ready", url: "https://alice.stacks.test", deploymentId: result.deploymentId });
    const snapshot = (await (await fetch(`${h.url}${result.statusUrl}`)).json()) as any;
    expect(snapshot.kind).toBe("deploy");
    expect(snapshot.steps.map((s: any) => s.step)).toEqual(["claim", "wait_healthy", "ready"]);
    const details = await fetch(`${h.url}/api/stacks/alice/details`, { headers: { authorization: `Bearer ${result.managementToken}` } });
    expect(details.status).toBe(200);
    // Its history is the owner's: the deploy, not the pool's making of the stack.
    expect(((await details.json()) as any).operations.map((o: any) => [o.kind, o.deploymentId])).toEqual([["deploy", result.deploymentId]]);

    // Operators see the claim in the audit log; the pool makes another stack.
    const audit = (await (await fetch(`${h.url}/api/admin/audit`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as any;
    const entry = audit.entries.find((e: any) => e.action === "deploy" && e.stackName === "alice");
    expect(entry.detail.fromPool).toMatch(/^pool--/);
    await poolReady(h, 2);
    expect((await poolApps(h)).map((a: any) => a.applicationId)).not.toContain(app.applicationId);
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    expect(metrics).toMatch(/portal_pool_claims_total\{outcome="ready"\} 1/);
  });

  test("deploys at once, more than the pool holds: each gets a stack of its own, the rest made cold", async () => {
    await poolReady(h, 2);
    const names = ["burst-a", "burst-b", "burst-c", "burst-d", "burst-e"];
    const results = await Promise.all(names.map((n) => deployAndWait(h, n)));
    for (const r of results) expect(r.done.data.status).toBe("ready");
    const claimed = results.filter((r) => stepsOf(r.events)[0] === "claim");
    expect(claimed.length).toBeGreaterThanOrEqual(1);
    expect(claimed.length).toBeLessThanOrEqual(2);
    const state = await sandboxState(h);
    const apps = names.map((n) => state.applications.find((a: any) => a.name === `ai-stack-${n}`));
    expect(new Set(apps.map((a) => a.applicationId)).size).toBe(5);
    // Each password is in exactly one application.
    for (const r of results) {
      expect(state.applications.filter((a: any) => a.env?.includes(r.credentials.password))).toHaveLength(1);
    }
  });

  test("an owner taking their held name back with its token gets their own volumes, from a cold deploy", async () => {
    await poolReady(h, 2);
    const first = await deployAndWait(h, "bob");
    const mountOf = async () => {
      const state = await sandboxState(h);
      const app = state.applications.find((a: any) => a.name === "ai-stack-bob");
      return state.mounts.find((m: any) => m.applicationId === app.applicationId)?.volumeName;
    };
    const volume = await mountOf();
    expect(volume).toMatch(/pool--/);
    const del = await fetch(`${h.url}/api/stacks/bob`, { method: "DELETE", headers: { authorization: `Bearer ${first.managementToken}` } });
    expect(del.status).toBe(202);
    await readEvents(`${h.url}${((await del.json()) as any).eventsUrl}`);
    const again = await deploy(h, "bob", { authorization: `Bearer ${first.managementToken}` });
    expect(again.status).toBe(202);
    const events = await readEvents(`${h.url}${again.body.eventsUrl}`);
    expect(stepsOf(events)[0]).toBe("create_project");
    expect(await mountOf()).toBe(volume);
  });
});

describe("the warm pool across restarts and image changes", () => {
  test("a new STACK_IMAGE replaces the pooled stacks; a deploy never takes one on the old image", async () => {
    const h = await startHarness({ env: withPool() });
    try {
      await poolReady(h, 2);
      const old = (await poolApps(h)).map((a: any) => a.applicationId);
      await h.portal.runner.settle();
      await h.portal.stop();
      const image = "registry.example.test/opencode:next";
      const portal = await startAnotherPortal(h, { STACK_IMAGE: image });
      try {
        const next = { ...h, url: portal.url, portal };
        // At once, before the pool is renewed: the deploy is cold rather than on the old image.
        const result = await deployAndWait(next, "carol");
        const state = await sandboxState(h);
        const app = state.applications.find((a: any) => a.name === "ai-stack-carol");
        expect(app.dockerImage).toBe(image);
        expect(old).not.toContain(app.applicationId);
        expect(result.done.data.status).toBe("ready");
        await poolReady(next, 2);
        const apps = await poolApps(h);
        expect(apps).toHaveLength(2);
        for (const a of apps) expect(a.dockerImage).toBe(image);
        // The replaced stacks had no owner to come back: their volumes go at the next pass, not after a quarantine.
        await portal.runner.settle();
        const removed = await portal.volumes.run();
        expect(removed).toHaveLength(2);
        for (const r of removed) {
          expect(r.outcome).toBe("removed");
          expect(r.volumes.length).toBeGreaterThan(0);
          for (const v of r.volumes) expect(v).toMatch(new RegExp(`^portal-ai-\\w+-${r.stack}$`));
        }
      } finally {
        await portal.runner.settle();
        await portal.stop();
      }
    } finally {
      await h.stopSandbox();
    }
  });

  test("after a restart the pool is the one it had: no stack made twice, and claims go on", async () => {
    const h = await startHarness({ env: withPool() });
    try {
      await poolReady(h, 2);
      const before = (await poolApps(h)).map((a: any) => a.applicationId).sort();
      await h.portal.runner.settle();
      await h.portal.stop();
      const portal = await startAnotherPortal(h);
      try {
        const next = { ...h, url: portal.url, portal };
        await poolReady(next, 2);
        expect((await poolApps(h)).map((a: any) => a.applicationId).sort()).toEqual(before);
        const result = await deployAndWait(next, "dave");
        expect(stepsOf(result.events)[0]).toBe("claim");
      } finally {
        await portal.runner.settle();
        await portal.stop();
      }
    } finally {
      await h.stopSandbox();
    }
  });
});

describe("the warm pool's limits", () => {
  test("owned and pooled stacks stay within MAX_STACKS: the pool shrinks as owners come and grows back as they go", async () => {
    const h = await startHarness({ env: withPool({ MAX_STACKS: "3" }) });
    try {
      await poolReady(h, 2);
      const a = await deployAndWait(h, "max-a");
      await deployAndWait(h, "max-b");
      await poolReady(h, 1);
      await deployAndWait(h, "max-c");
      await poolReady(h, 0);
      expect(await poolApps(h)).toEqual([]);
      const refused = await deploy(h, "max-d");
      expect(refused).toMatchObject({ status: 503, body: { error: { code: "capacity_reached" } } });
      const del = await fetch(`${h.url}/api/stacks/max-a`, { method: "DELETE", headers: { authorization: `Bearer ${a.managementToken}` } });
      await readEvents(`${h.url}${((await del.json()) as any).eventsUrl}`);
      await poolReady(h, 1);
    } finally {
      await h.stop();
    }
  });

  test("a pooled stack past POOL_MAX_AGE is replaced by a new one", async () => {
    const h = await startHarness({ env: withPool({ POOL_MAX_AGE: "1s", POOL_SIZE: "1" }) });
    try {
      await poolReady(h, 1);
      const first = (await poolApps(h)).map((a: any) => a.applicationId);
      await waitFor(
        async () => (await poolApps(h)).map((a: any) => a.applicationId),
        (ids) => ids.length === 1 && !first.includes(ids[0]),
        "the pooled stack replaced",
        15_000,
      );
    } finally {
      await h.stop();
    }
  }, 30_000);
});
