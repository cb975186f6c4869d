// The asynchronous deploy of docs/dokploy.md §4: queue (no row) -> running -> done/error.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { type Client, deployAndWait, deployments, makeApp, startClient, waitFor } from "./helpers.ts";

let c: Client;
beforeAll(async () => {
  c = await startClient();
});
afterAll(() => c.stop());
beforeEach(() => c.started.sandbox.reset());

const appStatus = async (applicationId: string) => (await c.q("application.one", { applicationId })).applicationStatus;

describe("deploy lifecycle", () => {
  test("deploy answers 200 with an empty body and application/json", async () => {
    const { app } = await makeApp(c, { name: "web", image: "nginx:alpine" });
    const res = await c.post("/api/application.deploy", { applicationId: app.applicationId });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(await res.text()).toBe("");
  });

  test("running then done, with the row shape and finishedAt; app status follows", async () => {
    c.started.sandbox.updateSettings({ deployDurationMs: 150 });
    const { app } = await makeApp(c, { name: "web", image: "nginx:alpine" });
    await c.post("/api/application.deploy", { applicationId: app.applicationId });
    const running = await waitFor(async () => (await deployments(c, app.applicationId))[0]);
    expect(running).toMatchObject({
      title: "Manual deployment",
      description: "",
      status: "running",
      applicationId: app.applicationId,
      finishedAt: null,
      errorMessage: null,
      pid: null,
      isPreviewDeployment: false,
    });
    expect(running.logPath).toMatch(new RegExp(`^/etc/dokploy/logs/${app.appName}/${app.appName}-\\d{4}-\\d{2}-\\d{2}:\\d{2}:\\d{2}:\\d{2}\\.log$`));
    expect(running.startedAt).toBe(running.createdAt);
    expect(await appStatus(app.applicationId)).toBe("running");
    const done = await waitFor(async () => {
      const d = (await deployments(c, app.applicationId))[0];
      return d.status === "done" ? d : undefined;
    });
    expect(done.finishedAt >= done.startedAt).toBe(true);
    expect(await appStatus(app.applicationId)).toBe("done");
    const logs = await c.q("deployment.readLogs", { deploymentId: done.deploymentId });
    expect(logs).toStartWith("Initializing deployment\nPulling nginx:alpine\n");
    expect(await c.q("deployment.readLogs", { deploymentId: done.deploymentId, tail: 1 })).toBe("Docker Deployed: ✅\n");
  });

  test("custom title/description; redeploy defaults to 'Rebuild deployment'; deployment.all newest first", async () => {
    const { app } = await makeApp(c, { name: "web", image: "nginx:alpine" });
    await c.call("application.deploy", { applicationId: app.applicationId, title: "T", description: "D" });
    await waitFor(async () => (await deployments(c, app.applicationId))[0]?.status === "done");
    await c.call("application.redeploy", { applicationId: app.applicationId });
    await waitFor(async () => (await deployments(c, app.applicationId)).length === 2);
    const list = await deployments(c, app.applicationId);
    expect(list.map((d) => d.title)).toEqual(["Rebuild deployment", "T"]);
    expect(list[1].description).toBe("D");
  });

  test("a waiting job has no deployment row and leaves the status alone; concurrency 1 serialises apps", async () => {
    // A builds long enough that it is still building when the state is read, however busy the machine.
    c.started.sandbox.updateSettings({ deployDurationMs: 1_000 });
    const a = await makeApp(c, { name: "a", image: "nginx:alpine" });
    const b = await makeApp(c, { name: "b", image: "nginx:alpine" });
    await c.post("/api/application.deploy", { applicationId: a.app.applicationId });
    await c.post("/api/application.deploy", { applicationId: b.app.applicationId });
    await waitFor(async () => (await deployments(c, a.app.applicationId)).length === 1);
    const state = await c.state();
    expect(state.queue.map((j: any) => j.applicationId)).toEqual([b.app.applicationId]);
    expect(state.building.map((j: any) => j.applicationId)).toEqual([a.app.applicationId]);
    expect(await deployments(c, b.app.applicationId)).toEqual([]);
    expect(await appStatus(b.app.applicationId)).toBe("idle");
    // B starts only once A is finished.
    const bRow = await waitFor(async () => (await deployments(c, b.app.applicationId))[0], 5_000);
    const aRow = (await deployments(c, a.app.applicationId))[0];
    expect(aRow.status).toBe("done");
    expect(bRow.startedAt >= aRow.finishedAt).toBe(true);
  });

  test("buildConcurrency 2 runs two apps at once, but one app's jobs stay serial", async () => {
    // Builds long enough that none ends before the state is read, however busy the machine.
    c.started.sandbox.updateSettings({ deployDurationMs: 2_000, buildConcurrency: 2 });
    const a = await makeApp(c, { name: "a", image: "nginx:alpine" });
    const b = await makeApp(c, { name: "b", image: "nginx:alpine" });
    await c.post("/api/application.deploy", { applicationId: a.app.applicationId });
    await c.post("/api/application.deploy", { applicationId: a.app.applicationId });
    await c.post("/api/application.deploy", { applicationId: b.app.applicationId });
    await waitFor(async () => (await c.state()).building.length === 2);
    const state = await c.state();
    expect(state.building.map((j: any) => j.applicationId).sort()).toEqual([a.app.applicationId, b.app.applicationId].sort());
    expect(state.queue.map((j: any) => j.applicationId)).toEqual([a.app.applicationId]);
  });

  test("no image: error, errorMessage null, reason only in the logs", async () => {
    const { app } = await makeApp(c, { name: "web", image: null });
    const done = await deployAndWait(c, app.applicationId);
    expect(done.status).toBe("error");
    expect(done.errorMessage).toBeNull();
    expect(done.finishedAt).not.toBeNull();
    expect(await appStatus(app.applicationId)).toBe("error");
    const logs: string = await c.q("deployment.readLogs", { deploymentId: done.deploymentId, tail: 50 });
    expect(logs).toContain("Docker image not found");
    expect(logs).toContain("Error occurred ❌, check the logs for details.");
  });

  test("a fresh github-source app fails with 'Github Provider not found'", async () => {
    const { app } = await makeApp(c, { name: "web" });
    const done = await deployAndWait(c, app.applicationId);
    expect(done.status).toBe("error");
    expect(await c.q("deployment.readLogs", { deploymentId: done.deploymentId })).toContain("Github Provider not found");
  });

  test("an unresolvable ${{...}} reference in env fails the deploy", async () => {
    const { app } = await makeApp(c, { name: "web", image: "nginx:alpine", env: "A=${{project.MISSING}}" });
    const done = await deployAndWait(c, app.applicationId);
    expect(done.status).toBe("error");
    expect(await c.q("deployment.readLogs", { deploymentId: done.deploymentId })).toContain("Invalid project environment variable: project.MISSING");
  });

  test("only the newest deployments are kept (10 before each insert, so at most 11)", async () => {
    c.started.sandbox.updateSettings({ deployDurationMs: 1 });
    const { app } = await makeApp(c, { name: "web", image: "nginx:alpine" });
    for (let i = 0; i < 13; i++) await c.call("application.deploy", { applicationId: app.applicationId, title: `d${i}` });
    await waitFor(async () => (await deployments(c, app.applicationId))[0]?.title === "d12" && (await c.state()).building.length === 0);
    const list = await deployments(c, app.applicationId);
    expect(list).toHaveLength(11);
    expect(list[0].title).toBe("d12");
    expect(list[10].title).toBe("d2");
  });

  test("application.delete drops its waiting jobs", async () => {
    c.started.sandbox.updateSettings({ deployDurationMs: 100 });
    const a = await makeApp(c, { name: "a", image: "nginx:alpine" });
    const b = await makeApp(c, { name: "b", image: "nginx:alpine" });
    await c.post("/api/application.deploy", { applicationId: a.app.applicationId });
    await c.post("/api/application.deploy", { applicationId: b.app.applicationId });
    await waitFor(async () => (await c.state()).queue.length === 1);
    await c.call("application.delete", { applicationId: b.app.applicationId });
    expect((await c.state()).queue).toEqual([]);
  });

  test("a restart cancels running deployments (app back to idle) and loses queued jobs", async () => {
    c.started.sandbox.updateSettings({ deployDurationMs: 500 });
    const a = await makeApp(c, { name: "a", image: "nginx:alpine" });
    const b = await makeApp(c, { name: "b", image: "nginx:alpine" });
    await c.post("/api/application.deploy", { applicationId: a.app.applicationId });
    await c.post("/api/application.deploy", { applicationId: b.app.applicationId });
    await waitFor(async () => (await deployments(c, a.app.applicationId)).length === 1);
    await c.control("restart");
    expect((await deployments(c, a.app.applicationId))[0].status).toBe("cancelled");
    expect(await appStatus(a.app.applicationId)).toBe("idle");
    const state = await c.state();
    expect(state.queue).toEqual([]);
    expect(state.building).toEqual([]);
  });

  test("saveDockerProvider during a build resets the status to idle (a real trap)", async () => {
    c.started.sandbox.updateSettings({ deployDurationMs: 150 });
    const { app } = await makeApp(c, { name: "web", image: "nginx:alpine" });
    await c.post("/api/application.deploy", { applicationId: app.applicationId });
    await waitFor(async () => (await appStatus(app.applicationId)) === "running");
    await c.call("application.saveDockerProvider", {
      applicationId: app.applicationId,
      dockerImage: "nginx:1",
      username: null,
      password: null,
      registryUrl: null,
    });
    expect(await appStatus(app.applicationId)).toBe("idle");
  });
});
