import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ADMIN_TOKEN, type Harness, deployAndWait, readEvents, sandboxState, startHarness } from "../support/harness.ts";

/**
 * The owner's operations over HTTP against the sandbox Dokploy: each one end to end with its
 * events, one at a time per stack, nothing to do when there is nothing to do, the data
 * volumes kept, and every route closed to a missing or wrong token.
 */

let h: Harness;
beforeAll(async () => {
  // A stopped task takes a moment to go, as a real one does (Dokploy's stop answers once it has).
  // A roomy health deadline: "delete during an operation" must find the restart still waiting, even on a loaded machine.
  h = await startHarness({ sandbox: { stackStopMs: 300 }, env: { HEALTH_TIMEOUT: "20s" } });
});
afterAll(() => h.stop());

const post = (name: string, op: string, token?: string) =>
  fetch(`${h.url}/api/stacks/${name}/${op}`, { method: "POST", headers: token ? { authorization: `Bearer ${token}` } : {} });
const get = (name: string, what: string, token?: string) =>
  fetch(`${h.url}/api/stacks/${name}/${what}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
const stackAnswers = async (name: string) => (await fetch(`${h.sandboxUrl}/global/health`, { headers: { host: `${name}.stacks.test` } })).status;
const steps = (events: { event: string; data: any }[]) =>
  events.filter((e) => e.event === "step" && e.data.state === "succeeded").map((e) => e.data.step);
const serviceOf = async (name: string) => (await sandboxState(h)).services.find((s: any) => s.hosts.includes(`${name}.stacks.test`));

async function operate(name: string, op: string, token: string) {
  const res = await post(name, op, token);
  expect(res.status).toBe(202);
  const body = (await res.json()) as any;
  const events = await readEvents(`${h.url}${body.eventsUrl}`);
  return { body, events, done: events.at(-1)! };
}

describe("stop and start", () => {
  test("stop waits until the stack no longer answers; start until it answers again; the volumes stay", async () => {
    const stack = await deployAndWait(h, "olga");
    const before = await serviceOf("olga");
    expect(before.volumes).toEqual(["portal-ai-workspace-olga", "portal-ai-data-olga"]);

    const stop = await operate("olga", "stop", stack.managementToken);
    expect(stop.body).toMatchObject({ name: "olga", operation: "stop" });
    expect(steps(stop.events)).toEqual(["stop_service", "wait_stopped"]);
    expect(stop.done.data.status).toBe("stopped");
    // The operation ended only once the task was gone.
    expect(await stackAnswers("olga")).toBe(502);
    expect((await serviceOf("olga")).state).toBe("stopped");
    const stopped = (await (await get("olga", "details", stack.managementToken)).json()) as any;
    expect(stopped).toMatchObject({ state: "stopped", stopReason: "owner", status: "ready", runningOperation: null });
    expect(stopped.dokploy.applicationStatus).toBe("idle");

    const again = await post("olga", "stop", stack.managementToken);
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ nothingToDo: true, deploymentId: null });

    const start = await operate("olga", "start", stack.managementToken);
    expect(steps(start.events)).toEqual(["start_service", "wait_healthy", "ready"]);
    expect(start.done.data).toMatchObject({ status: "ready", url: "https://olga.stacks.test" });
    expect(await stackAnswers("olga")).toBe(401);
    const started = (await (await get("olga", "details", stack.managementToken)).json()) as any;
    expect(started.state).toBe("running");
    expect(started.dokploy.volumes.map((v: any) => v.name)).toEqual(["portal-ai-workspace-olga", "portal-ai-data-olga"]);
    expect((await serviceOf("olga")).volumes).toEqual(before.volumes);
    expect((await post("olga", "start", stack.managementToken)).status).toBe(200);
    expect(started.operations.map((o: any) => [o.kind, o.status])).toEqual([
      ["start", "succeeded"],
      ["stop", "succeeded"],
      ["deploy", "succeeded"],
    ]);
  });

  test("restart stops, waits, starts, and never runs two tasks at once", async () => {
    await deployAndWait(h, "rita");
    const restart = await operate("rita", "restart", ADMIN_TOKEN);
    expect(steps(restart.events)).toEqual(["stop_service", "wait_stopped", "start_service", "wait_healthy", "ready"]);
    expect(restart.done.data.status).toBe("ready");
    expect(await stackAnswers("rita")).toBe(401);
    expect((await serviceOf("rita")).maxTasks).toBe(1);
    const snap = (await (await fetch(`${h.url}${restart.body.statusUrl}`)).json()) as any;
    expect(snap).toMatchObject({ kind: "restart", status: "succeeded" });
    expect(snap.steps.map((s: any) => s.step)).toEqual(["stop_service", "wait_stopped", "start_service", "wait_healthy", "ready"]);
  });
});

describe("Swarm decides what there is to do", () => {
  test("a stack stopped in Dokploy itself is started, not 'nothing to do'; one started there is not started twice", async () => {
    const stack = await deployAndWait(h, "sven");
    const app = (await sandboxState(h)).applications.find((a: any) => a.name === "ai-stack-sven");
    const dokploy = (procedure: string) =>
      fetch(`${h.sandboxUrl}/api/${procedure}`, {
        method: "POST",
        headers: { "x-api-key": h.env.DOKPLOY_API_TOKEN!, "content-type": "application/json" },
        body: JSON.stringify({ applicationId: app.applicationId }),
      });
    expect((await dokploy("application.stop")).status).toBe(200);
    await Bun.sleep(400);
    const start = await operate("sven", "start", stack.managementToken);
    expect(start.done.data.status).toBe("ready");
    expect(await stackAnswers("sven")).toBe(401);

    const stop = await operate("sven", "stop", stack.managementToken);
    expect(stop.done.data.status).toBe("stopped");
    expect((await dokploy("application.start")).status).toBe(200);
    const again = await post("sven", "start", stack.managementToken);
    expect(again.status).toBe(200);
    expect(((await (await get("sven", "details", stack.managementToken)).json()) as any).state).toBe("running");
  });
});

describe("one operation at a time", () => {
  test("a second operation while one runs: 409 operation_in_progress with the running deployment's id", async () => {
    const stack = await deployAndWait(h, "otto");
    h.sandbox.updateSettings({ stackStartMs: 800 });
    try {
      const first = await post("otto", "restart", stack.managementToken);
      expect(first.status).toBe(202);
      const running = (await first.json()) as any;
      const second = await post("otto", "stop", stack.managementToken);
      expect(second.status).toBe(409);
      expect(await second.json()).toEqual({
        error: { code: "operation_in_progress", message: expect.any(String), deploymentId: running.deploymentId },
      });
      const details = (await (await get("otto", "details", stack.managementToken)).json()) as any;
      expect(details.runningOperation).toEqual({ deploymentId: running.deploymentId, kind: "restart" });
      const events = await readEvents(`${h.url}${running.eventsUrl}`);
      expect(events.at(-1)!.data.status).toBe("ready");
      expect((await post("otto", "stop", stack.managementToken)).status).toBe(202);
    } finally {
      h.sandbox.updateSettings({ stackStartMs: 20 });
    }
  });
});

describe("redeploy", () => {
  test("applies the current plan (stop-first, limits in Dokploy's units) and runs without two tasks at once", async () => {
    const stack = await deployAndWait(h, "rhea");
    const app = (await sandboxState(h)).applications.find((a: any) => a.name === "ai-stack-rhea");
    // Created with the portal's settings: stop-first, 4 GiB, 512 MiB, 2 CPUs.
    expect(app.updateConfigSwarm).toEqual({ Parallelism: 1, Order: "stop-first", FailureAction: "rollback" });
    expect([app.memoryLimit, app.memoryReservation, app.cpuLimit, app.cpuReservation]).toEqual(["4294967296", "536870912", "2000000000", null]);
    expect((await serviceOf("rhea")).resources).toEqual({
      Limits: { MemoryBytes: 4294967296, NanoCPUs: 2000000000 },
      Reservations: { MemoryBytes: 536870912 },
    });
    const re = await operate("rhea", "redeploy", stack.managementToken);
    expect(steps(re.events)).toEqual(["apply_plan", "deploy", "wait_running", "wait_healthy", "ready"]);
    expect(re.done.data.status).toBe("ready");
    const svc = await serviceOf("rhea");
    expect(svc.updates.map((u: any) => [u.order, u.overlapped])).toEqual([["stop-first", false]]);
    expect(svc.maxTasks).toBe(1);
    // The password survived the rewrite of the environment.
    expect(svc.env.OPENCODE_SERVER_PASSWORD).toBe(stack.credentials.password);
  });
});

describe("password", () => {
  test("a new password is returned once in the 202, saved in Dokploy and deployed", async () => {
    const stack = await deployAndWait(h, "pia");
    const res = await post("pia", "password", stack.managementToken);
    expect(res.status).toBe(202);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = (await res.json()) as any;
    expect(body.credentials.username).toBe("opencode");
    expect(body.credentials.password).toMatch(/^[A-Za-z0-9]{20,}$/);
    expect(body.credentials.password).not.toBe(stack.credentials.password);
    const events = await readEvents(`${h.url}${body.eventsUrl}`);
    expect(steps(events)).toEqual(["set_password", "deploy", "wait_running", "wait_healthy", "ready"]);
    // Ready means the new container answers, not the old one that lingers after Dokploy's "done".
    const health = (password: string) =>
      fetch(`${h.sandboxUrl}/global/health`, {
        headers: { host: "pia.stacks.test", authorization: `Basic ${Buffer.from(`opencode:${password}`).toString("base64")}` },
      });
    expect((await health(body.credentials.password)).status).toBe(200);
    expect((await health(stack.credentials.password)).status).toBe(401);
    expect(JSON.stringify(events)).not.toContain(body.credentials.password);
    const svc = await serviceOf("pia");
    expect(svc.env.OPENCODE_SERVER_PASSWORD).toBe(body.credentials.password);
    expect(svc.maxTasks).toBe(1);
    const snap = await (await fetch(`${h.url}${body.statusUrl}`)).text();
    expect(snap).not.toContain(body.credentials.password);
    expect(h.logs.join("\n")).not.toContain(body.credentials.password);
  });
});

describe("logs", () => {
  test("the newest deploy's log and the container's output, secrets scrubbed", async () => {
    const stack = await deployAndWait(h, "lena");
    const res = await get("lena", "logs?lines=50", stack.managementToken);
    expect(res.status).toBe(200);
    const logs = (await res.json()) as any;
    expect(logs.deploy.status).toBe("done");
    expect(logs.deploy.lines.join("\n")).toContain("Docker Deployed");
    expect(logs.container.lines.join("\n")).toContain("listening on");
    expect(JSON.stringify(logs)).not.toContain(stack.credentials.password);
    expect((await get("lena", "logs?lines=0", stack.managementToken)).status).toBe(400);
  });
});

describe("authorisation", () => {
  test("every owner route: 401 without a token, 403 with another stack's, 404 for an unknown stack", async () => {
    const mine = await deployAndWait(h, "ada");
    const other = await deployAndWait(h, "bob");
    type Call = (name: string, token?: string) => Promise<Response>;
    const routes: [string, Call][] = [
      ["details", (n, t) => get(n, "details", t)],
      ["logs", (n, t) => get(n, "logs", t)],
      ...["stop", "start", "restart", "redeploy", "password"].map((op): [string, Call] => [op, (n, t) => post(n, op, t)]),
    ];
    for (const [what, call] of routes) {
      const none = await call("ada");
      expect({ what, status: none.status, code: ((await none.json()) as any).error.code }).toEqual({ what, status: 401, code: "unauthorized" });
      expect(none.headers.get("www-authenticate")).toContain("Bearer");
      const wrong = await call("ada", other.managementToken);
      expect({ what, status: wrong.status, code: ((await wrong.json()) as any).error.code }).toEqual({ what, status: 403, code: "forbidden" });
      const unknown = await call("nobody-here", ADMIN_TOKEN);
      expect({ what, status: unknown.status }).toEqual({ what, status: 404 });
    }
    // Nothing was done to the stack.
    expect(((await (await get("ada", "details", mine.managementToken)).json()) as any).operations.map((o: any) => o.kind)).toEqual(["deploy"]);
    const audit = (await (await fetch(`${h.url}/api/admin/audit?limit=200`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as any;
    const refused = audit.entries.filter((e: any) => e.stackName === "ada" && e.action === "stop").map((e: any) => e.outcome);
    expect(refused.sort()).toEqual(["forbidden", "unauthorized"]);
  });
});

describe("delete", () => {
  test("keeps both data volumes, the workspace and OpenCode's own data", async () => {
    const stack = await deployAndWait(h, "dora");
    const res = await fetch(`${h.url}/api/stacks/dora`, { method: "DELETE", headers: { authorization: `Bearer ${stack.managementToken}` } });
    expect(res.status).toBe(202);
    expect((await readEvents(`${h.url}${((await res.json()) as any).eventsUrl}`)).at(-1)!.data.status).toBe("deleted");
    const state = await sandboxState(h);
    expect(state.volumes).toEqual(expect.arrayContaining(["portal-ai-workspace-dora", "portal-ai-data-dora"]));
    expect(state.applications.some((a: any) => a.name === "ai-stack-dora")).toBe(false);
  });
});

describe("delete during an operation", () => {
  test("the operation is cancelled and the delete goes through", async () => {
    const stack = await deployAndWait(h, "vera");
    h.sandbox.updateSettings({ stackStartMs: 15_000 });
    try {
      const res = await post("vera", "restart", stack.managementToken);
      const restart = (await res.json()) as any;
      await readEvents(`${h.url}${restart.eventsUrl}`, { until: (e) => e.event === "step" && e.data.step === "wait_healthy" });
      const del = await fetch(`${h.url}/api/stacks/vera`, { method: "DELETE", headers: { authorization: `Bearer ${stack.managementToken}` } });
      expect(del.status).toBe(202);
      const deleted = await readEvents(`${h.url}${((await del.json()) as any).eventsUrl}`);
      expect(deleted.at(-1)!.data.status).toBe("deleted");
      const ended = await readEvents(`${h.url}${restart.eventsUrl}`);
      expect(ended.at(-1)!.data).toMatchObject({ status: "failed", error: { code: "cancelled" } });
    } finally {
      h.sandbox.updateSettings({ stackStartMs: 20 });
    }
  });
});

describe("a failed redeploy", () => {
  test("ends deploy_failed, the stack keeps running, and the logs say why with secrets scrubbed", async () => {
    const stack = await deployAndWait(h, "fay");
    h.sandbox.addFault({
      procedure: "*",
      kind: "deploy_error",
      match: "ai-stack-fay",
      times: 1,
      message: `pull https://bot:${stack.credentials.password}@registry.test/x denied; OPENCODE_SERVER_PASSWORD=${stack.credentials.password} Authorization: Bearer abcdef123456`,
    });
    const re = await operate("fay", "redeploy", stack.managementToken);
    expect(re.done.data).toMatchObject({ status: "failed", error: { code: "deploy_failed" } });
    expect(await stackAnswers("fay")).toBe(401);
    const logs = (await (await get("fay", "logs", stack.managementToken)).json()) as any;
    expect(logs.deploy.status).toBe("error");
    const text = logs.deploy.lines.join("\n");
    expect(text).toContain("denied");
    expect(text).toContain("OPENCODE_SERVER_PASSWORD=[redacted]");
    expect(text).toContain("https://[redacted]@registry.test");
    expect(text).toContain("Authorization: Bearer [redacted]");
    expect(JSON.stringify(logs)).not.toContain(stack.credentials.password);
    expect(JSON.stringify(logs)).not.toContain("abcdef123456");
    const details = (await (await get("fay", "details", stack.managementToken)).json()) as any;
    expect(details.operations[0]).toMatchObject({ kind: "redeploy", status: "failed", error: { code: "deploy_failed" } });
  });
});
