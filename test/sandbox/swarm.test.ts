import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Client, makeApp, startClient, waitFor } from "./helpers.ts";

/**
 * swarm.getNodeApps is Dokploy's `docker service ls --format '{{json .}}'` minus "dokploy-*";
 * application.cleanQueues drops only waiting jobs; application.update cannot change appName.
 */

let c: Client;
beforeAll(async () => {
  c = await startClient({ apiKey: "sandbox-test-key", deployDurationMs: 300, buildConcurrency: 1 });
});
afterAll(() => c.stop());

type Line = Record<string, string>;
const services = async () => (await c.q("swarm.getNodeApps")) as Line[];
/** Waits until the service shows up in the list. */
const listed = (name: string) => waitFor(async () => (await services()).find((s) => s.Name === name), 3000, 20) as Promise<Line>;

describe("swarm.getNodeApps", () => {
  test("lists Dokploy's own service and each deployed stack, in docker's JSON line format", async () => {
    await c.control("reset");
    expect(await services()).toEqual([
      {
        ID: expect.stringMatching(/^[a-z0-9]{12}$/),
        Image: "dokploy/dokploy:v0.30.2",
        Mode: "replicated",
        Name: "dokploy",
        Ports: "",
        Replicas: "1/1",
      },
    ]);
    const { app } = await makeApp(c, { name: "web", image: "nginx" });
    await c.call("application.deploy", { applicationId: app.applicationId });
    const line = await listed(app.appName);
    // Keys in docker's (alphabetical) order; an untagged image is shown as :latest.
    expect(Object.keys(line)).toEqual(["ID", "Image", "Mode", "Name", "Ports", "Replicas"]);
    expect(line).toMatchObject({ Image: "nginx:latest", Mode: "replicated", Replicas: "1/1" });
    await c.call("application.stop", { applicationId: app.applicationId });
    expect((await services()).find((s) => s.Name === app.appName)?.Replicas).toBe("0/0");
    // Sorted by name.
    const names = (await services()).map((s) => s.Name);
    expect(names).toEqual([...names].sort());
  });

  test("a remote serverId the sandbox does not have is NOT_FOUND; the id of a service stays across redeploys", async () => {
    const res = await c.get("/api/swarm.getNodeApps?serverId=nope");
    expect(res.status).toBe(404);
    expect((await res.json()).message).toBe("Server not found");
    await c.control("reset");
    const { app } = await makeApp(c, { name: "again", image: "nginx:alpine" });
    await c.call("application.deploy", { applicationId: app.applicationId });
    const first = await listed(app.appName);
    await c.call("application.redeploy", { applicationId: app.applicationId });
    await waitFor(
      async () =>
        (await c.q("deployment.all", { applicationId: app.applicationId })).every((d: any) => d.status === "done") &&
        (await c.q("deployment.all", { applicationId: app.applicationId })).length === 2,
      3000,
      20,
    );
    expect((await services()).find((s) => s.Name === app.appName)?.ID).toBe(first.ID);
  });

  test("a build running when application.delete comes creates its service afterwards: listed, with no application", async () => {
    await c.control("reset");
    const { app } = await makeApp(c, { name: "late", image: "nginx:alpine" });
    await c.call("application.deploy", { applicationId: app.applicationId });
    await waitFor(async () => (await c.state()).building.length === 1, 2000, 10);
    const deleted = await c.call("application.delete", { applicationId: app.applicationId });
    // The answer is the application as read before the delete: the build shows in it.
    expect(deleted.applicationStatus).toBe("running");
    expect(deleted.deployments.map((d: any) => d.status)).toEqual(["running"]);
    const orphan = await listed(app.appName);
    expect(orphan.Replicas).toMatch(/^[01]\/1$/);
    expect((await c.state()).applications).toEqual([]);
  });
});

describe("application.cleanQueues and application.update", () => {
  test("cleanQueues drops the application's waiting jobs, not the running build, and answers an empty 200", async () => {
    await c.control("reset");
    const { app: busy } = await makeApp(c, { name: "busy", image: "nginx:alpine" });
    const { app: waiting } = await makeApp(c, { name: "waiting", image: "nginx:alpine" });
    await c.call("application.deploy", { applicationId: busy.applicationId });
    await waitFor(async () => (await c.state()).building.length === 1, 2000, 10);
    await c.call("application.deploy", { applicationId: waiting.applicationId });
    await c.call("application.deploy", { applicationId: busy.applicationId });
    expect((await c.state()).queue.length).toBe(2);
    const res = await c.post("/api/application.cleanQueues", { applicationId: waiting.applicationId });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("");
    const state = await c.state();
    expect(state.queue.map((j: any) => j.applicationId)).toEqual([busy.applicationId]);
    expect(state.building.map((j: any) => j.applicationId)).toEqual([busy.applicationId]);
    // An unknown id is not looked up.
    expect((await c.post("/api/application.cleanQueues", { applicationId: "unknown" })).status).toBe(200);
  });

  test("application.update drops appName, so no application can be pointed at another service", async () => {
    await c.control("reset");
    const { app } = await makeApp(c, { name: "named", image: "nginx:alpine" });
    expect(await c.call("application.update", { applicationId: app.applicationId, appName: "ai-stack-other-abc123" })).toBe(true);
    expect((await c.q("application.one", { applicationId: app.applicationId })).appName).toBe(app.appName);
  });
});
