import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Harness, deploy, deployAndWait, readEvents, sandboxState, startHarness } from "../support/harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.stop());

describe("POST /api/deploy", () => {
  test("a name goes in, a running stack comes out", async () => {
    const result = await deployAndWait(h, "Alice");
    expect(result.name).toBe("alice");
    expect(result.url).toBe("https://alice.stacks.test");
    expect(result.managementToken).toMatch(/^mt_[A-Za-z0-9_-]{43}$/);
    expect(result.credentials.username).toBe("opencode");
    expect(result.credentials.password).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(result.done.event).toBe("done");
    expect(result.done.data).toMatchObject({ status: "ready", url: "https://alice.stacks.test" });

    // Every step started and succeeded, in order, with increasing ids.
    const steps = result.events.filter((e) => e.event === "step");
    const succeeded = steps.filter((e) => e.data.state === "succeeded").map((e) => e.data.step);
    expect(succeeded).toEqual(["create_project", "create_application", "configure", "deploy", "wait_running", "wait_healthy", "ready"]);
    const ids = result.events.map((e) => Number(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(ids[0]).toBe(1);
    for (const e of steps) expect(Date.parse(e.data.at)).not.toBeNaN();

    // Dokploy holds exactly the planned resources, configured as docs/dokploy.md says they must be.
    const state = await sandboxState(h);
    const project = state.projects.find((p: any) => p.name === "ai-stack-alice");
    expect(project).toBeDefined();
    const app = state.applications.find((a: any) => a.name === "ai-stack-alice");
    expect(app.appName).toMatch(/^ai-stack-alice-[a-z0-9]{6}$/);
    expect(app.dockerImage).toBe("git.app.flexinit.nl/oussamadouhou/oh-my-opencode-free:latest");
    expect(app.sourceType).toBe("docker");
    expect(app.env).toContain(`OPENCODE_SERVER_PASSWORD=${result.credentials.password}`);
    const domain = state.domains.find((d: any) => d.applicationId === app.applicationId);
    expect(domain).toMatchObject({ host: "alice.stacks.test", https: true, port: 8080, certificateType: "letsencrypt" });
    const mount = state.mounts.find((m: any) => m.applicationId === app.applicationId);
    expect(mount).toMatchObject({ type: "volume", volumeName: "portal-ai-workspace-alice", mountPath: "/workspace", serviceType: "application" });

    // The stack really answers, and only with its password.
    const anonymous = await fetch(`${h.sandboxUrl}/`, { headers: { host: "alice.stacks.test" } });
    expect(anonymous.status).toBe(401);
    const auth = `Basic ${btoa(`opencode:${result.credentials.password}`)}`;
    const authed = await fetch(`${h.sandboxUrl}/`, { headers: { host: "alice.stacks.test", authorization: auth } });
    expect(authed.status).toBe(200);
  });

  test("the snapshot shows the finished deployment", async () => {
    const result = await deployAndWait(h, "snap");
    const res = await fetch(`${h.url}${result.statusUrl}`);
    expect(res.status).toBe(200);
    const snap = (await res.json()) as any;
    expect(snap).toMatchObject({
      id: result.deploymentId,
      name: "snap",
      kind: "deploy",
      status: "succeeded",
      error: null,
      url: "https://snap.stacks.test",
    });
    expect(snap.steps.map((s: any) => [s.step, s.state])).toEqual([
      ["create_project", "succeeded"],
      ["create_application", "succeeded"],
      ["configure", "succeeded"],
      ["deploy", "succeeded"],
      ["wait_running", "succeeded"],
      ["wait_healthy", "succeeded"],
      ["ready", "succeeded"],
    ]);
    expect(snap.lastEventId).toBe(Number(result.done.id));
    const status = (await (await fetch(`${h.url}/api/stacks/snap`)).json()) as any;
    expect(status).toMatchObject({ name: "snap", url: "https://snap.stacks.test", status: "ready" });
    expect(JSON.stringify(status)).not.toContain(result.managementToken);
  });

  test("Last-Event-ID resumes the stream after the last event seen", async () => {
    const result = await deployAndWait(h, "resume");
    const all = result.events;
    const cut = all[3]!;
    const rest = await readEvents(`${h.url}${result.eventsUrl}`, { lastEventId: cut.id });
    expect(rest.map((e) => e.id)).toEqual(all.slice(4).map((e) => e.id));
    expect(rest.at(-1)!.event).toBe("done");
  });

  test("a watcher that joins mid-deploy gets the history, then live events, then the end", async () => {
    await fetch(`${h.sandboxUrl}/__sandbox/settings`, { method: "POST", body: JSON.stringify({ deployDurationMs: 400 }) });
    try {
      const accepted = await deploy(h, "live");
      const [a, b] = await Promise.all([readEvents(`${h.url}${accepted.body.eventsUrl}`), readEvents(`${h.url}${accepted.body.eventsUrl}`)]);
      expect(a.map((e) => e.id)).toEqual(b.map((e) => e.id));
      expect(a.at(-1)!.data.status).toBe("ready");
      // A queued/waiting state is visible while Dokploy has not finished.
      expect(a.some((e) => e.event === "status" && e.data.status === "building")).toBe(true);
    } finally {
      await fetch(`${h.sandboxUrl}/__sandbox/settings`, { method: "POST", body: JSON.stringify({ deployDurationMs: 60 }) });
    }
  });

  test("a watcher that goes away does not affect the deploy", async () => {
    const accepted = await deploy(h, "leaver");
    const controller = new AbortController();
    const res = await fetch(`${h.url}${accepted.body.eventsUrl}`, { signal: controller.signal });
    await res.body!.getReader().read();
    controller.abort();
    const events = await readEvents(`${h.url}${accepted.body.eventsUrl}`);
    expect(events.at(-1)!.data.status).toBe("ready");
  });

  test("the name is taken afterwards, and a second deploy of it is refused", async () => {
    await deployAndWait(h, "bob");
    const check = (await (await fetch(`${h.url}/api/check/bob`)).json()) as any;
    expect(check).toMatchObject({ name: "bob", valid: true, available: false, reason: "taken" });
    // Two free names alike to take instead; one taken meanwhile is not offered.
    expect(check.suggestions).toEqual(["bob-2", "bob-3"]);
    await deployAndWait(h, "bob-2");
    expect(((await (await fetch(`${h.url}/api/check/bob`)).json()) as any).suggestions).toEqual(["bob-3", "bob-4"]);
    expect(((await (await fetch(`${h.url}/api/check/Bob%20Builder!`)).json()) as any).suggestions).toEqual(["bob-builder", "bob-builder-2"]);
    const again = await deploy(h, "bob");
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("taken");
  });

  test("Dokploy's queue shows as a queued state", async () => {
    await fetch(`${h.sandboxUrl}/__sandbox/settings`, { method: "POST", body: JSON.stringify({ deployDurationMs: 300 }) });
    try {
      const [first, second] = await Promise.all([deploy(h, "queue-a"), deploy(h, "queue-b")]);
      const [a, b] = await Promise.all([readEvents(`${h.url}${first.body.eventsUrl}`), readEvents(`${h.url}${second.body.eventsUrl}`)]);
      const queued = [a, b].filter((events) => events.some((e) => e.event === "step" && e.data.step === "wait_running" && e.data.state === "queued"));
      expect(queued.length).toBeGreaterThanOrEqual(1);
      expect(a.at(-1)!.data.status).toBe("ready");
      expect(b.at(-1)!.data.status).toBe("ready");
    } finally {
      await fetch(`${h.sandboxUrl}/__sandbox/settings`, { method: "POST", body: JSON.stringify({ deployDurationMs: 60 }) });
    }
  });
});

describe("bad deploy requests are refused before anything reaches Dokploy", () => {
  const cases: [string, RequestInit, number, string][] = [
    ["invalid name", { body: JSON.stringify({ name: "-bad" }) }, 400, "must_start_with_letter"],
    ["reserved name", { body: JSON.stringify({ name: "admin" }) }, 400, "reserved"],
    ["missing name", { body: JSON.stringify({}) }, 400, "invalid_request"],
    ["name not a string", { body: JSON.stringify({ name: 42 }) }, 400, "invalid_request"],
    ["not JSON", { body: "{name" }, 400, "invalid_json"],
    ["form body", { body: "name=alice", headers: { "content-type": "application/x-www-form-urlencoded" } }, 415, "unsupported_media_type"],
  ];
  for (const [label, init, status, code] of cases) {
    test(label, async () => {
      const before = (await sandboxState(h)).calls["project.create"] ?? 0;
      const res = await fetch(`${h.url}/api/deploy`, { method: "POST", headers: { "content-type": "application/json" }, ...init });
      expect(res.status).toBe(status);
      expect(((await res.json()) as any).error.code).toBe(code);
      expect((await sandboxState(h)).calls["project.create"] ?? 0).toBe(before);
    });
  }
});
