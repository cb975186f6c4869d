// Fault injection and the control surface.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { startSandbox } from "../../src/sandbox/index.ts";
import { type Client, deployAndWait, deployments, KEY, makeApp, startClient, waitFor } from "./helpers.ts";

let c: Client;
beforeAll(async () => {
  c = await startClient();
});
afterAll(() => c.stop());
beforeEach(() => c.started.sandbox.reset());

const create = (name = "x") => c.post("/api/project.create", { name });

describe("request faults", () => {
  test("status once: tRPC shape with the given message, then normal again", async () => {
    await c.control("faults", "POST", { procedure: "PROJECT.create", kind: "status", status: 500, message: "boom", times: 1 });
    const res = await create();
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({
      message: "boom",
      code: "INTERNAL_SERVER_ERROR",
      data: { code: "INTERNAL_SERVER_ERROR", httpStatus: 500, path: "project.create", zodError: null },
    });
    expect((await create()).status).toBe(200);
  });

  test("status n times, and always when times is omitted", async () => {
    await c.control("faults", "POST", { procedure: "project.all", kind: "status", status: 503, times: 2 });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await c.get("/api/project.all")).status);
    expect(statuses).toEqual([503, 503, 200]);
    await c.control("faults", "POST", { procedure: "project.all", kind: "status", status: 409 });
    for (let i = 0; i < 3; i++) {
      const res = await c.get("/api/project.all");
      expect(res.status).toBe(409);
      expect((await res.json()).code).toBe("CONFLICT");
    }
    await c.control("faults", "DELETE");
    expect((await c.get("/api/project.all")).status).toBe(200);
  });

  test("401 with authShape gives the wrapper's bare body; plain gives text", async () => {
    await c.control("faults", "POST", { procedure: "project.all", kind: "status", status: 401, authShape: true, times: 1 });
    const res = await c.get("/api/project.all");
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ message: "Unauthorized" });
    await c.control("faults", "POST", { procedure: "project.all", kind: "status", status: 502, plain: true, times: 1 });
    const proxy = await c.get("/api/project.all");
    expect(proxy.status).toBe(502);
    expect(await proxy.text()).toBe("Bad Gateway");
  });

  test("drop: the client sees a network error, not an HTTP response", async () => {
    await c.control("faults", "POST", { procedure: "project.create", kind: "drop", times: 1 });
    await expect(create()).rejects.toThrow();
    expect((await create()).status).toBe(200);
    expect((await c.state()).calls["project.create"]).toBe(2);
  });

  test("hang: never answers; the client's AbortSignal.timeout fires; inFlight recovers", async () => {
    await c.control("faults", "POST", { procedure: "project.create", kind: "hang" });
    const started = Date.now();
    const attempt = fetch(`${c.url}/api/project.create`, {
      method: "POST",
      headers: { "x-api-key": KEY, "content-type": "application/json" },
      body: JSON.stringify({ name: "x" }),
      signal: AbortSignal.timeout(150),
    });
    await expect(attempt).rejects.toThrow();
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    await waitFor(async () => (await c.state()).inFlight === 0);
    expect((await c.state()).projects).toEqual([]);
  });

  test("latency: the request is slower but succeeds; settings.latencyMs applies to all", async () => {
    // A delay far above what a busy machine adds, so that "once, then not" is seen either way.
    await c.control("faults", "POST", { procedure: "project.all", kind: "latency", ms: 1_500, times: 1 });
    let t = Date.now();
    expect((await c.get("/api/project.all")).status).toBe(200);
    expect(Date.now() - t).toBeGreaterThanOrEqual(1_490);
    t = Date.now();
    await c.get("/api/project.all");
    expect(Date.now() - t).toBeLessThan(1_000);
    await c.control("settings", "POST", { latencyMs: 60 });
    t = Date.now();
    await c.get("/api/settings.health");
    expect(Date.now() - t).toBeGreaterThanOrEqual(55);
  });

  test("match: only requests whose body or query contains the substring", async () => {
    await c.control("faults", "POST", { procedure: "project.create", kind: "status", status: 400, match: "bad-one" });
    expect((await create("good-one")).status).toBe(200);
    expect((await create("bad-one")).status).toBe(400);
    await c.control("faults", "POST", { procedure: "deployment.all", kind: "status", status: 500, match: "applicationId=zzz" });
    expect((await c.get("/api/deployment.all?applicationId=zzz")).status).toBe(500);
    expect((await c.get("/api/deployment.all?applicationId=aaa")).status).toBe(200);
  });

  test("'*' matches every procedure; faults are listed with their hit counts", async () => {
    await c.control("faults", "POST", { procedure: "*", kind: "status", status: 503, times: 2 });
    expect((await c.get("/api/settings.health")).status).toBe(503);
    expect((await create()).status).toBe(503);
    expect((await create()).status).toBe(200);
    const [fault] = await c.control("faults", "GET");
    expect(fault).toMatchObject({ kind: "status", hits: 2, remaining: 0 });
  });

  test("a malformed fault is refused", async () => {
    const res = await fetch(`${c.url}/__sandbox/faults`, { method: "POST", body: JSON.stringify({ kind: "status" }) });
    expect(res.status).toBe(400);
  });

  test("inFlight / maxInFlight count concurrent API requests", async () => {
    await c.control("faults", "POST", { procedure: "project.all", kind: "latency", ms: 80 });
    await Promise.all([1, 2, 3].map(() => c.get("/api/project.all")));
    const state = await c.state();
    expect(state.maxInFlight).toBe(3);
    expect(state.inFlight).toBe(0);
    expect(state.calls["project.all"]).toBe(3);
    await c.control("stats/reset");
    expect((await c.state()).calls).toEqual({});
  });
});

describe("deploy faults", () => {
  test("deploy_error: the deployment ends in error and the log says why", async () => {
    await c.control("faults", "POST", { kind: "deploy_error", match: "broken", message: "pull access denied" });
    const ok = await makeApp(c, { name: "fine", image: "nginx:alpine" });
    const bad = await makeApp(c, { name: "broken", image: "nginx:alpine" });
    expect((await deployAndWait(c, ok.app.applicationId)).status).toBe("done");
    const failed = await deployAndWait(c, bad.app.applicationId);
    expect(failed).toMatchObject({ status: "error", errorMessage: null });
    expect(await c.q("deployment.readLogs", { deploymentId: failed.deploymentId })).toContain("pull access denied");
    expect((await c.q("application.one", { applicationId: bad.app.applicationId })).applicationStatus).toBe("error");
  });

  test("deploy_never_picked: queued forever, no row, others still run", async () => {
    await c.control("faults", "POST", { kind: "deploy_never_picked", match: "stuck", times: 1 });
    const stuck = await makeApp(c, { name: "stuck", image: "nginx:alpine" });
    const other = await makeApp(c, { name: "other", image: "nginx:alpine" });
    await c.call("application.deploy", { applicationId: stuck.app.applicationId });
    expect((await deployAndWait(c, other.app.applicationId)).status).toBe("done");
    await Bun.sleep(80);
    expect(await deployments(c, stuck.app.applicationId)).toEqual([]);
    const state = await c.state();
    expect(state.queue).toHaveLength(1);
    expect(state.queue[0]).toMatchObject({ applicationId: stuck.app.applicationId, stuck: true });
    // times: 1 -> the next deploy of the same app is picked up.
    expect((await deployAndWait(c, stuck.app.applicationId)).status).toBe("done");
  });

  test("deploy_cancelled: the deployment ends cancelled and the app goes idle", async () => {
    await c.control("faults", "POST", { kind: "deploy_cancelled" });
    const { app } = await makeApp(c, { name: "web", image: "nginx:alpine" });
    const d = await deployAndWait(c, app.applicationId);
    expect(d.status).toBe("cancelled");
    expect((await c.q("application.one", { applicationId: app.applicationId })).applicationStatus).toBe("idle");
  });

  test("stack_never_ready: deploy is done but the stack answers 502 until redeployed", async () => {
    await c.control("faults", "POST", { kind: "stack_never_ready", match: "silent", times: 1 });
    const { app } = await makeApp(c, { name: "silent", image: "nginx:alpine" });
    await c.call("domain.create", { host: "silent.stacks.test", applicationId: app.applicationId, port: 4096 });
    expect((await deployAndWait(c, app.applicationId)).status).toBe("done");
    await Bun.sleep(50);
    const res = await fetch(`${c.url}/global/health`, { headers: { host: "silent.stacks.test" } });
    expect(res.status).toBe(502);
    expect((await c.state()).runningServices[0].state).toBe("never_ready");
    await deployAndWait(c, app.applicationId);
    expect((await fetch(`${c.url}/global/health`, { headers: { host: "silent.stacks.test" } })).status).toBe(200);
  });

  test("image: a deploy fault fires only for that image (a bad new image; the old one still runs)", async () => {
    await c.control("faults", "POST", { kind: "stack_never_ready", match: "picky", image: ":v2" });
    const { app } = await makeApp(c, { name: "picky", image: "nginx:v1" });
    await c.call("domain.create", { host: "picky.stacks.test", applicationId: app.applicationId, port: 4096 });
    const health = async () => (await fetch(`${c.url}/global/health`, { headers: { host: "picky.stacks.test" } })).status;
    expect((await deployAndWait(c, app.applicationId)).status).toBe("done");
    await Bun.sleep(50);
    expect(await health()).toBe(200);
    const provider = { applicationId: app.applicationId, username: null, password: null, registryUrl: null };
    await c.call("application.saveDockerProvider", { ...provider, dockerImage: "nginx:v2" });
    expect((await deployAndWait(c, app.applicationId)).status).toBe("done");
    await Bun.sleep(50);
    expect(await health()).toBe(502);
    // Back on the old image it answers again, however often the fault may fire.
    await c.call("application.saveDockerProvider", { ...provider, dockerImage: "nginx:v1" });
    await deployAndWait(c, app.applicationId);
    await Bun.sleep(50);
    expect(await health()).toBe(200);
    expect((await c.control("faults", "GET"))[0].hits).toBe(1);
  });
});

describe("control surface", () => {
  test("settings round-trip and validation; reset restores the creation-time settings", async () => {
    expect(await c.control("settings", "POST", { deployDurationMs: 5, buildConcurrency: 3 })).toMatchObject({
      deployDurationMs: 5,
      buildConcurrency: 3,
    });
    const bad = await fetch(`${c.url}/__sandbox/settings`, { method: "POST", body: JSON.stringify({ deployDurationMS: 5 }) });
    expect(bad.status).toBe(400);
    await c.control("reset");
    expect((await c.state()).settings).toEqual({
      latencyMs: 0,
      deployDurationMs: 40,
      buildConcurrency: 1,
      stackStartMs: 0,
      stackStopMs: 0,
      scaleSettleMs: 0,
      imageHealthCheckMs: 0,
      dokployWorkers: 0,
      dokployCallMs: 0,
      nodeDownAfterMs: 10_000,
    });
  });

  test("the TypeScript API mirrors the routes", async () => {
    const sb = c.started.sandbox;
    sb.settings.latencyMs = 0;
    const f = sb.addFault({ procedure: "project.all", kind: "status", status: 418, times: 1 });
    expect(sb.listFaults()[0]!.id).toBe(f.id);
    expect((await c.get("/api/project.all")).status).toBe(418);
    sb.clearFaults();
    expect(sb.state().faults).toEqual([]);
  });
});

describe("Dokploy's own capacity", () => {
  test("bounded like a real server: calls beyond dokployWorkers wait their turn, none is lost", async () => {
    const started = await startSandbox({ apiKey: "k", dokployWorkers: 2, dokployCallMs: 20 });
    try {
      const calls = await Promise.all(
        Array.from({ length: 12 }, () => fetch(`${started.url}/api/project.all`, { headers: { "x-api-key": "k" } }).then((r) => r.status)),
      );
      expect(calls).toEqual(Array(12).fill(200));
      const state = started.sandbox.state();
      expect(state.maxInFlight).toBe(12);
      expect(state.maxWorking).toBe(2);
    } finally {
      await started.stop();
    }
  });

  test("unbounded when asked (the library's default)", async () => {
    const started = await startSandbox({ apiKey: "k" });
    try {
      await Promise.all(Array.from({ length: 6 }, () => fetch(`${started.url}/api/project.all`, { headers: { "x-api-key": "k" } })));
      expect(started.sandbox.state().maxWorking).toBe(0);
    } finally {
      await started.stop();
    }
  });
});
