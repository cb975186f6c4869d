// The sandbox also plays Traefik and the container: requests by Host header.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { type Client, deployAndWait, makeApp, startClient, waitFor } from "./helpers.ts";

let c: Client;
beforeAll(async () => {
  c = await startClient();
});
afterAll(() => c.stop());
beforeEach(() => c.started.sandbox.reset());

const stack = (host: string, path = "/", headers: Record<string, string> = {}) => fetch(`${c.url}${path}`, { headers: { host, ...headers } });
const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;

async function deployedStack(name: string, env?: string) {
  const made = await makeApp(c, { name, image: "ghcr.io/example/opencode:1", env });
  await c.call("domain.create", {
    host: `${name}.stacks.test`,
    applicationId: made.app.applicationId,
    port: 4096,
    https: true,
    certificateType: "letsencrypt",
  });
  await c.call("mounts.create", {
    type: "volume",
    volumeName: `ws-${name}`,
    mountPath: "/workspace",
    serviceType: "application",
    serviceId: made.app.applicationId,
  });
  return made;
}

describe("routing by Host", () => {
  test("a domain answers 502 before deploy, then like OpenCode once done", async () => {
    const { app } = await deployedStack("alice");
    const before = await stack("alice.stacks.test");
    expect(before.status).toBe(502);
    expect(await before.text()).toBe("Bad Gateway");
    const done = await deployAndWait(c, app.applicationId);
    expect(done.status).toBe("done");
    const page = await stack("alice.stacks.test:443");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(await page.text()).toContain("OpenCode");
    const health = await stack("ALICE.stacks.test", "/global/health");
    expect(await health.json()).toEqual({ healthy: true, version: "sandbox" });
    // The internal service name reaches it too.
    expect((await stack(app.appName, "/global/health")).status).toBe(200);
  });

  test("done is not running: 502 until stackStartMs has passed", async () => {
    // Long enough that a busy machine still asks before the task runs.
    c.started.sandbox.updateSettings({ stackStartMs: 1_000 });
    const { app } = await deployedStack("slow");
    await deployAndWait(c, app.applicationId);
    expect((await stack("slow.stacks.test")).status).toBe(502);
    expect((await c.state()).runningServices[0].state).toBe("starting");
    await waitFor(async () => (await stack("slow.stacks.test")).status === 200, 5_000);
  });

  test("OPENCODE_SERVER_PASSWORD requires basic auth (user opencode, or OPENCODE_SERVER_USERNAME)", async () => {
    const { app } = await deployedStack("bob", "OPENCODE_SERVER_PASSWORD=s3cret\n");
    await deployAndWait(c, app.applicationId);
    const anonymous = await stack("bob.stacks.test");
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toBe('Basic realm="opencode"');
    expect((await stack("bob.stacks.test", "/", { authorization: basic("opencode", "wrong") })).status).toBe(401);
    expect((await stack("bob.stacks.test", "/", { authorization: basic("opencode", "s3cret") })).status).toBe(200);

    const other = await deployedStack("carol", 'OPENCODE_SERVER_USERNAME=carol\nOPENCODE_SERVER_PASSWORD="p w"');
    await deployAndWait(c, other.app.applicationId);
    expect((await stack("carol.stacks.test", "/", { authorization: basic("opencode", "p w") })).status).toBe(401);
    expect((await stack("carol.stacks.test", "/global/health", { authorization: basic("carol", "p w") })).status).toBe(200);
  });

  test("env changes apply at the next deploy only", async () => {
    const { app } = await deployedStack("dan");
    await deployAndWait(c, app.applicationId);
    await c.call("application.saveEnvironment", {
      applicationId: app.applicationId,
      env: "OPENCODE_SERVER_PASSWORD=x",
      buildArgs: null,
      buildSecrets: null,
      createEnvFile: true,
    });
    expect((await stack("dan.stacks.test")).status).toBe(200);
    await deployAndWait(c, app.applicationId);
    expect((await stack("dan.stacks.test")).status).toBe(401);
  });

  test("a failed redeploy leaves the running service alone", async () => {
    const { app } = await deployedStack("erin");
    await deployAndWait(c, app.applicationId);
    await c.call("application.saveDockerProvider", {
      applicationId: app.applicationId,
      dockerImage: null,
      username: null,
      password: null,
      registryUrl: null,
    });
    expect((await deployAndWait(c, app.applicationId)).status).toBe("error");
    expect((await stack("erin.stacks.test")).status).toBe(200);
  });

  test("domain.delete removes the route", async () => {
    const { app } = await deployedStack("fay");
    await deployAndWait(c, app.applicationId);
    const [domain] = await c.q("domain.byApplicationId", { applicationId: app.applicationId });
    await c.call("domain.delete", { domainId: domain.domainId });
    expect((await stack("fay.stacks.test")).status).toBe(404);
  });
});

describe("stop / start / delete / project.remove", () => {
  test("stop serves 502 and returns the stale object; start resumes", async () => {
    const { app } = await deployedStack("gus");
    await deployAndWait(c, app.applicationId);
    const stopped = await c.call("application.stop", { applicationId: app.applicationId });
    expect(stopped.applicationStatus).toBe("done");
    expect((await c.q("application.one", { applicationId: app.applicationId })).applicationStatus).toBe("idle");
    expect((await stack("gus.stacks.test")).status).toBe(502);
    const started = await c.call("application.start", { applicationId: app.applicationId });
    expect(started.applicationStatus).toBe("idle");
    expect((await stack("gus.stacks.test")).status).toBe(200);
  });

  test("start on a never-deployed app: 500 Command execution failed", async () => {
    const { app } = await makeApp(c, { name: "never", image: "nginx:alpine" });
    const res = await c.post("/api/application.start", { applicationId: app.applicationId });
    expect(res.status).toBe(500);
    const body = await res.json();
    expect(body.code).toBe("INTERNAL_SERVER_ERROR");
    expect(body.message).toStartWith("Command execution failed:");
    // stop never fails.
    expect((await c.post("/api/application.stop", { applicationId: app.applicationId })).status).toBe(200);
  });

  test("application.delete stops the stack; named volumes survive", async () => {
    const { app } = await deployedStack("hal");
    await deployAndWait(c, app.applicationId);
    expect((await c.state()).volumes).toEqual(["ws-hal"]);
    await c.call("application.delete", { applicationId: app.applicationId });
    expect((await stack("hal.stacks.test")).status).toBe(404);
    expect((await stack(app.appName)).status).toBe(404);
    const state = await c.state();
    expect(state.services).toEqual([]);
    expect(state.orphanedServices).toEqual([]);
    expect(state.volumes).toEqual(["ws-hal"]);
  });

  test("project.remove leaks the running service: it keeps answering and is recorded as orphaned", async () => {
    const { project, app } = await deployedStack("ivy");
    await deployAndWait(c, app.applicationId);
    await c.call("project.remove", { projectId: project.projectId });
    expect((await stack("ivy.stacks.test")).status).toBe(200);
    const state = await c.state();
    expect(state.applications).toEqual([]);
    expect(state.orphanedServices).toHaveLength(1);
    expect(state.orphanedServices[0]).toMatchObject({ appName: app.appName, applicationId: null, hosts: ["ivy.stacks.test"] });
    expect(state.volumes).toEqual(["ws-ivy"]);
  });

  test("a build that outlives application.delete creates an orphaned service", async () => {
    c.started.sandbox.updateSettings({ deployDurationMs: 80 });
    const { app } = await deployedStack("jay");
    await c.post("/api/application.deploy", { applicationId: app.applicationId });
    await waitFor(async () => (await c.state()).building.length === 1);
    await c.call("application.delete", { applicationId: app.applicationId });
    const orphan = await waitFor(async () => (await c.state()).orphanedServices[0], 1000);
    expect(orphan.appName).toBe(app.appName);
    // Its Traefik file is gone, but the service name still resolves on the network.
    expect((await stack(app.appName)).status).toBe(200);
  });
});
