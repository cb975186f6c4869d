// Stop, start, update order, limits and container logs, as Dokploy v0.30 and Swarm do them.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { type Client, deployAndWait, makeApp, startClient, waitFor } from "./helpers.ts";

let c: Client;
beforeAll(async () => {
  c = await startClient();
});
afterAll(() => c.stop());
beforeEach(() => c.started.sandbox.reset());

const answer = async (appName: string) => (await fetch(`${c.url}/global/health`, { headers: { host: appName } })).status;
const tasks = (appName: string) => c.q("docker.getServiceContainersByAppName", { appName });
const service = async (appName: string) => (await c.state()).services.find((s: any) => s.appName === appName);

describe("application.update: Swarm settings are strict, as in Dokploy", () => {
  test("updateConfigSwarm and placementSwarm refuse unknown keys and need their required ones", async () => {
    const { app } = await makeApp(c, { name: "strict", image: "img:1" });
    const update = (body: Record<string, unknown>) => c.post("/api/application.update", { applicationId: app.applicationId, ...body });
    expect((await update({ updateConfigSwarm: { Parallelism: 1, Order: "stop-first", FailureAction: "rollback" } })).status).toBe(200);
    expect((await update({ updateConfigSwarm: { Parallelism: 1, Order: "stop-first", order: "x" } })).status).toBe(400);
    expect((await update({ updateConfigSwarm: { Order: "stop-first" } })).status).toBe(400);
    expect((await update({ placementSwarm: { Constraints: ["node.role==manager"] } })).status).toBe(200);
    expect((await update({ placementSwarm: { Constraint: ["node.role==manager"] } })).status).toBe(400);
    expect((await update({ memoryLimit: "4294967296", cpuLimit: "2000000000" })).status).toBe(200);
  });
});

describe("stop and start", () => {
  test("stop answers once the task is gone (stackStopMs); start once a new one runs", async () => {
    c.started.sandbox.updateSettings({ stackStopMs: 200 });
    const { app } = await makeApp(c, { name: "power", image: "img:1" });
    await deployAndWait(c, app.applicationId);
    const first = (await tasks(app.appName))[0];
    expect(first).toMatchObject({ name: `${app.appName}.1`, state: "running" });
    expect(first.currentState).toStartWith("Running");

    // Dokploy's `docker service scale =0` waits for Swarm: while it does, the task still answers.
    const stopping = c.call("application.stop", { applicationId: app.applicationId });
    await waitFor(async () => (await service(app.appName)).state === "stopping", 2000);
    expect(await answer(app.appName)).toBe(200);
    expect((await tasks(app.appName))[0]).toMatchObject({ state: "shutdown", currentState: expect.stringMatching(/^Running/) });
    const stopped = await stopping;
    expect(stopped.applicationStatus).toBe("done"); // read before the change
    expect(await answer(app.appName)).toBe(502);
    expect((await tasks(app.appName))[0].currentState).toStartWith("Shutdown");
    expect((await c.q("application.one", { applicationId: app.applicationId })).applicationStatus).toBe("idle");

    await c.call("application.start", { applicationId: app.applicationId });
    const after = await tasks(app.appName);
    expect(after.length).toBe(2);
    expect(after[0].containerId).not.toBe(first.containerId);
    expect(await answer(app.appName)).toBe(200);
    expect((await service(app.appName)).maxTasks).toBe(1);
  });

  test("no service: getServiceContainersByAppName is [] and readLogs is a 500", async () => {
    const { app } = await makeApp(c, { name: "never", image: "img:1" });
    expect(await tasks(app.appName)).toEqual([]);
    const res = await c.get(`/api/application.readLogs?applicationId=${app.applicationId}`);
    expect(res.status).toBe(500);
    expect(((await res.json()) as any).message).toBe(`No container or service found for: ${app.appName}`);
  });
});

describe("update order", () => {
  test("Dokploy's default start-first runs two tasks during a redeploy; stop-first never does", async () => {
    c.started.sandbox.updateSettings({ stackStopMs: 50, stackStartMs: 50 });
    const { app } = await makeApp(c, { name: "order", image: "img:1" });
    await deployAndWait(c, app.applicationId);
    await deployAndWait(c, app.applicationId);
    let svc = await service(app.appName);
    expect(svc.updateConfig).toEqual({ Parallelism: 1, Order: "start-first", FailureAction: "rollback" });
    expect(svc.updates.map((u: any) => [u.order, u.overlapped])).toEqual([["start-first", true]]);
    expect(svc.maxTasks).toBe(2);

    c.started.sandbox.reset();
    c.started.sandbox.updateSettings({ stackStopMs: 50, stackStartMs: 50 });
    const again = await makeApp(c, { name: "order2", image: "img:1" });
    await c.call("application.update", { applicationId: again.app.applicationId, updateConfigSwarm: { Parallelism: 1, Order: "stop-first" } });
    await deployAndWait(c, again.app.applicationId);
    await deployAndWait(c, again.app.applicationId);
    svc = await service(again.app.appName);
    expect(svc.updates.map((u: any) => [u.order, u.overlapped])).toEqual([["stop-first", false]]);
    expect(svc.maxTasks).toBe(1);
    await waitFor(async () => (await answer(again.app.appName)) === 200, 2000);
  });
});

describe("limits and container logs", () => {
  test("limits reach the service in Dokploy's units; readLogs gives the output with tail, since and search", async () => {
    const { app } = await makeApp(c, { name: "limits", image: "img:1" });
    await c.call("application.update", { applicationId: app.applicationId, memoryLimit: "536870912", cpuReservation: "250000000" });
    await deployAndWait(c, app.applicationId);
    expect((await service(app.appName)).resources).toEqual({ Limits: { MemoryBytes: 536870912 }, Reservations: { NanoCPUs: 250000000 } });
    await c.call("application.stop", { applicationId: app.applicationId });
    const all = await c.q("application.readLogs", { applicationId: app.applicationId });
    expect(typeof all).toBe("string");
    const lines = all.trimEnd().split("\n");
    expect(lines.length).toBe(3);
    for (const line of lines) expect(line).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z /);
    expect(lines[1]).toContain("opencode server listening");
    expect(await c.q("application.readLogs", { applicationId: app.applicationId, tail: 1 })).toContain("shut down");
    expect(await c.q("application.readLogs", { applicationId: app.applicationId, search: "LISTENING" })).toContain("listening");
    expect(await c.q("application.readLogs", { applicationId: app.applicationId, since: "1d" })).toBe(all);
    expect((await c.get(`/api/application.readLogs?applicationId=${app.applicationId}&since=yesterday`)).status).toBe(400);
  });
});
