import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ADMIN_TOKEN, type Harness, SANDBOX_KEY, deploy, deployAndWait, readEvents, sandboxState, startHarness } from "../support/harness.ts";

/**
 * Swarm services that outlive their application (a build still running when application.delete
 * came): the teardown avoids making them, and the reconciler and /metrics report them.
 */

const json = async (res: Response) => (await res.json()) as any;
const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" };
const dokploy = (h: Harness, proc: string, body: unknown) =>
  fetch(`${h.sandboxUrl}/api/${proc}`, {
    method: "POST",
    headers: { "x-api-key": SANDBOX_KEY, "content-type": "application/json" },
    body: JSON.stringify(body),
  }).then(async (r) => {
    const text = await r.text();
    if (!r.ok) throw new Error(`${proc}: ${r.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  });

async function until<T>(check: () => Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error("timed out");
    await Bun.sleep(50);
  }
}

/** An application of the portal's naming whose build outlives its delete, made behind the portal's back. */
async function makeOrphan(h: Harness, name: string): Promise<string> {
  const { environment } = await dokploy(h, "project.create", { name: `ai-stack-${name}` });
  const app = await dokploy(h, "application.create", {
    name: `ai-stack-${name}`,
    appName: `ai-stack-${name}`,
    environmentId: environment.environmentId,
  });
  await dokploy(h, "application.saveDockerProvider", {
    applicationId: app.applicationId,
    dockerImage: "nginx:alpine",
    username: null,
    password: null,
    registryUrl: null,
  });
  await dokploy(h, "application.deploy", { applicationId: app.applicationId });
  await until(async () => (await sandboxState(h)).building.some((j: any) => j.applicationId === app.applicationId));
  await dokploy(h, "application.delete", { applicationId: app.applicationId });
  await until(async () => (await sandboxState(h)).orphanedServices.some((s: any) => s.appName === app.appName));
  return app.appName;
}

describe("reconcile and orphaned Swarm services", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ sandbox: { deployDurationMs: 300 } });
  });
  afterAll(() => h.stop());

  test("a service with no application is reported with its remedy and counted in /metrics; live ones are not", async () => {
    await deployAndWait(h, "alive");
    // An application of the portal's naming made outside the portal, deployed and alive.
    const { environment } = await dokploy(h, "project.create", { name: "ai-stack-outside" });
    const outside = await dokploy(h, "application.create", { name: "x", appName: "ai-stack-outside", environmentId: environment.environmentId });
    await dokploy(h, "application.saveDockerProvider", {
      applicationId: outside.applicationId,
      dockerImage: "nginx:alpine",
      username: null,
      password: null,
      registryUrl: null,
    });
    await dokploy(h, "application.deploy", { applicationId: outside.applicationId });
    await until(async () => (await sandboxState(h)).services.some((s: any) => s.appName === outside.appName));
    const orphan = await makeOrphan(h, "leaked");

    const report = (await json(await fetch(`${h.url}/api/admin/reconcile`, { method: "POST", headers: admin, body: "{}" }))).report;
    expect(report.orphanServices).toEqual([
      { name: orphan, image: "nginx:alpine", replicas: expect.stringMatching(/^[01]\/1$/), remedy: `docker service rm ${orphan}` },
    ]);
    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    expect(metrics).toMatch(/portal_orphaned_resources\{kind="service"\} 1/);

    // Apply cannot remove it (no Dokploy call can), and says so by still listing it.
    const applied = (await json(await fetch(`${h.url}/api/admin/reconcile`, { method: "POST", headers: admin, body: '{"apply":true}' }))).report;
    expect(applied.orphanServices.map((s: any) => s.name)).toEqual([orphan]);
    expect((await sandboxState(h)).services.some((s: any) => s.appName === orphan)).toBe(true);
  });
});

describe("the teardown does not leave a build's service behind", () => {
  test("a build whose application status was reset mid-build is waited for before application.delete", async () => {
    const h = await startHarness({ sandbox: { deployDurationMs: 1_500 } });
    try {
      const accepted = await deploy(h, "hidden");
      expect(accepted.status).toBe(202);
      const app = await until(async () => {
        const s = await sandboxState(h);
        const a = s.applications.find((x: any) => x.name === "ai-stack-hidden");
        return a && s.building.some((j: any) => j.applicationId === a.applicationId) ? a : undefined;
      });
      // Dokploy's quirk: switching the docker source resets the status to idle even mid-build.
      await dokploy(h, "application.saveDockerProvider", {
        applicationId: app.applicationId,
        dockerImage: "nginx:alpine",
        username: null,
        password: null,
        registryUrl: null,
      });
      expect((await sandboxState(h)).applications.find((a: any) => a.applicationId === app.applicationId).applicationStatus).toBe("idle");
      const del = await fetch(`${h.url}/api/stack/hidden`, {
        method: "DELETE",
        headers: { authorization: `Bearer ${accepted.body.managementToken}` },
      });
      expect(del.status).toBe(202);
      const events = await readEvents(`${h.url}${(await json(del)).eventsUrl}`);
      expect(events.at(-1)?.data.status).toBe("deleted");
      // Past the build's end: nothing left running.
      await Bun.sleep(1_700);
      const state = await sandboxState(h);
      expect(state.orphanedServices).toEqual([]);
      expect(state.services).toEqual([]);
    } finally {
      await h.stop();
    }
  });

  test("when the build outlives the delete anyway (deadline passed), its service is watched for and reported", async () => {
    const h = await startHarness({ env: { DEPLOY_TIMEOUT: "1s" }, sandbox: { deployDurationMs: 3_000 } });
    try {
      const accepted = await deploy(h, "slowbuild");
      const events = await readEvents(`${h.url}${accepted.body.eventsUrl}`);
      expect(events.at(-1)?.data.error.code).toBe("deploy_timeout");
      const report = await until(async () => {
        const r = (await json(await fetch(`${h.url}/api/admin/reconcile`, { headers: admin }))).report;
        return r?.orphanServices?.length ? r : undefined;
      }, 15_000);
      expect(report.orphanServices[0].name).toStartWith("ai-stack-slowbuild-");
      expect(await (await fetch(`${h.url}/metrics`)).text()).toMatch(/portal_orphaned_resources\{kind="service"\} 1/);
      expect(h.logs.some((l) => l.includes("orphaned Swarm service"))).toBe(true);
    } finally {
      await h.stop();
    }
  });
});
