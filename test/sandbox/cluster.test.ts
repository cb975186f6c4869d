import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Client, makeApp, startClient, waitFor } from "./helpers.ts";

/**
 * The emulated Swarm cluster and Dokploy's volume backups, as the API shows them:
 * cluster.getNodes in Docker's Node shape, placement by constraint, a pending task when no
 * node suits, backups that read the manager's volume, and the cascade of a backup tied to
 * its application.
 */

let c: Client;
beforeAll(async () => {
  c = await startClient({ apiKey: "sandbox-test-key", deployDurationMs: 20 });
});
afterAll(() => c.stop());

const serviceOf = async (appName: string) => (await c.state()).services.find((s: any) => s.appName === appName);

describe("cluster", () => {
  test("cluster.getNodes answers Docker's Node objects; a pinned service runs on its node, or waits", async () => {
    await c.control("reset");
    const worker = await c.control("nodes", "POST", { hostname: "w1", memoryBytes: 2 ** 33, labels: { stacks: "yes" } });
    const nodes = await c.q("cluster.getNodes");
    expect(nodes.length).toBe(2);
    const manager = nodes.find((n: any) => n.Spec.Role === "manager");
    expect(manager).toMatchObject({ Status: { State: "ready" }, Spec: { Availability: "active" }, ManagerStatus: { Leader: true } });
    expect(nodes.find((n: any) => n.ID === worker.id)).toMatchObject({
      Description: { Hostname: "w1", Resources: { MemoryBytes: 2 ** 33 } },
      Spec: { Role: "worker", Labels: { stacks: "yes" } },
    });
    expect((await c.get("/api/cluster.getNodes?serverId=x")).status).toBe(404);

    const { app } = await makeApp(c, { name: "pinned", image: "img:1" });
    // Strict, as in Dokploy: Constraints must be an array of strings.
    expect((await c.post("/api/application.update", { applicationId: app.applicationId, placementSwarm: { Constraints: "x" } })).status).toBe(400);
    await c.call("application.update", { applicationId: app.applicationId, placementSwarm: { Constraints: [`node.id==${worker.id}`] } });
    await c.call("application.deploy", { applicationId: app.applicationId });
    const svc = await waitFor(async () => ((await serviceOf(app.appName))?.state === "running" ? serviceOf(app.appName) : null), 3000, 20);
    expect(svc.node).toBe(worker.id);
    expect(Object.keys((await c.state()).nodeVolumes[manager.ID])).toEqual([]);

    await c.control(`nodes/${worker.id}`, "POST", { state: "down" });
    expect(await serviceOf(app.appName)).toMatchObject({ node: null, state: "pending" });
    await c.control(`nodes/${worker.id}`, "POST", { state: "ready" });
    expect((await serviceOf(app.appName)).node).toBe(worker.id);
  });
});

describe("nodes lost and drained, as the real Swarm of three nodes did (test/engine/swarm-agreement.test.ts)", () => {
  test("a service that moved off a Down node stays where it went when the node is back; a drain holds a pinned one pending", async () => {
    await c.control("reset");
    await c.control("settings", "POST", { nodeDownAfterMs: 200 });
    const w1 = await c.control("nodes", "POST", { hostname: "w1" });
    const w2 = await c.control("nodes", "POST", { hostname: "w2" });
    const { app } = await makeApp(c, { name: "roams", image: "img:1" });
    await c.call("application.update", { applicationId: app.applicationId, placementSwarm: { Constraints: ["node.role==worker"] } });
    await c.call("application.deploy", { applicationId: app.applicationId });
    const first = (await waitFor(async () => ((await serviceOf(app.appName))?.state === "running" ? serviceOf(app.appName) : null), 3000, 20)).node;
    const other = first === w1.id ? w2.id : w1.id;

    await c.control(`nodes/${first}`, "POST", { power: "off" });
    // Until Swarm sees the node Down, the task stays there, answering nothing.
    expect(await serviceOf(app.appName)).toMatchObject({ node: first, state: "starting" });
    await waitFor(async () => (await serviceOf(app.appName))?.node === other, 3000, 20);
    await c.control(`nodes/${first}`, "POST", { power: "on" });
    await Bun.sleep(100);
    expect(await serviceOf(app.appName)).toMatchObject({ node: other, state: "running" });

    // Drained: the pinned task goes pending with the reason a Down node gives.
    await c.call("application.update", { applicationId: app.applicationId, placementSwarm: { Constraints: [`node.id==${other}`] } });
    const rows = () => c.q("docker.getServiceContainersByAppName", { appName: app.appName });
    const before = (await rows())[0].containerId;
    await c.call("application.deploy", { applicationId: app.applicationId });
    await waitFor(async () => (await rows())[0].containerId !== before && (await serviceOf(app.appName))?.state === "running", 3000, 20);
    await c.control(`nodes/${other}`, "POST", { availability: "drain" });
    const [task] = await c.q("docker.getServiceContainersByAppName", { appName: app.appName });
    expect(task).toMatchObject({
      state: "running",
      error: '"no suitable node (scheduling constraints not satisfied on 2 nodes; 1 node not available for new tasks)"',
    });
  });
});

describe("a node without room", () => {
  test("a task whose memory reservation no node holds is pending with Swarm's reason, and starts once room is freed", async () => {
    await c.control("reset");
    const manager = (await c.q("cluster.getNodes"))[0];
    await c.control(`nodes/${manager.ID}`, "POST", { memoryBytes: 3 * 2 ** 30 });
    const deployWith = async (name: string, gib: number) => {
      const { app } = await makeApp(c, { name, image: "img:1" });
      await c.call("application.update", { applicationId: app.applicationId, memoryReservation: String(gib * 2 ** 30) });
      await c.call("application.deploy", { applicationId: app.applicationId });
      return app;
    };
    const big = await deployWith("big", 2);
    await waitFor(async () => (await serviceOf(big.appName))?.state === "running", 3000, 20);
    const late = await deployWith("late", 2);
    await waitFor(async () => (await serviceOf(late.appName))?.state === "pending", 3000, 20);
    // As Dokploy parses `docker service ps --no-trunc`: desired running, current Pending,
    // swarmkit's reason in quotes, no node.
    const [task] = await c.q("docker.getServiceContainersByAppName", { appName: late.appName });
    expect(task).toMatchObject({ state: "running", node: "", error: '"no suitable node (insufficient resources on 1 node)"' });
    expect(task.currentState).toMatch(/^Pending (less than a second|\d+ seconds?) ago$/);

    // Constraints no node matches, on a node that has room, say so instead.
    const { app: pinned } = await makeApp(c, { name: "pinned-away", image: "img:1" });
    await c.call("application.update", { applicationId: pinned.applicationId, placementSwarm: { Constraints: ["node.hostname==elsewhere"] } });
    await c.call("application.deploy", { applicationId: pinned.applicationId });
    await waitFor(async () => (await serviceOf(pinned.appName))?.state === "pending", 3000, 20);
    expect((await c.q("docker.getServiceContainersByAppName", { appName: pinned.appName }))[0].error).toBe(
      '"no suitable node (scheduling constraints not satisfied on 1 node)"',
    );

    // The big one goes: Swarm's scheduler tries the pending task again, and it runs.
    await c.call("application.delete", { applicationId: big.applicationId });
    await waitFor(async () => (await serviceOf(late.appName))?.state === "running", 3000, 20);
    const [placed] = await c.q("docker.getServiceContainersByAppName", { appName: late.appName });
    expect(placed).toMatchObject({ node: manager.Description.Hostname });
    expect(placed.currentState).toStartWith("Running");
  });
});

describe("volume backups", () => {
  test("a run reads the volume on the manager; a row tied to an application goes with it", async () => {
    await c.control("reset");
    const dest = await c.control("destinations", "POST", { name: "s3" });
    const manager = (await c.state()).nodes[0].id;
    await c.control(`volumes/${manager}/vol-a`, "POST", { files: { "a.txt": "A" } });
    const { app } = await makeApp(c, { name: "owner", image: "img:1" });
    const base = { prefix: "", cronExpression: "0 3 * * *", destinationId: dest.destinationId, keepLatestCount: 1 };
    const free = await c.call("volumeBackups.create", { ...base, name: "free", volumeName: "vol-a", appName: "folder" });
    const tied = await c.call("volumeBackups.create", { ...base, name: "tied", volumeName: "vol-b", applicationId: app.applicationId });
    // An unknown destination fails its foreign key: a 500 with the query text.
    const bad = await c.post("/api/volumeBackups.create", { ...base, destinationId: "nope", name: "x", volumeName: "v" });
    expect(bad.status).toBe(500);

    const answer = await c.post("/api/volumeBackups.runManually", { volumeBackupId: free.volumeBackupId });
    expect(answer.status).toBe(200);
    expect(await answer.text()).toBe("");
    await c.call("volumeBackups.runManually", { volumeBackupId: free.volumeBackupId });
    const runs = await c.q("deployment.allByType", { id: free.volumeBackupId, type: "volumeBackup" });
    expect(runs.map((r: any) => r.status)).toEqual(["done", "done"]);
    const files = (await c.state()).backupFiles;
    // keepLatestCount 1: the older file is gone.
    expect(files.length).toBe(1);
    expect(files[0]).toMatchObject({ volumeName: "vol-a", files: { "a.txt": "A" }, node: manager });
    expect(files[0].key).toStartWith("folder/vol-a-");

    await c.call("application.delete", { applicationId: app.applicationId });
    const left = (await c.state()).volumeBackups.map((b: any) => b.volumeBackupId);
    expect(left).toEqual([free.volumeBackupId]);
    expect((await c.get(`/api/volumeBackups.one?volumeBackupId=${tied.volumeBackupId}`)).status).toBe(404);
  });
});
