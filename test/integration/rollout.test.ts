import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ADMIN_TOKEN, type Harness, deployAndWait, readEvents, sandboxState, startHarness } from "../support/harness.ts";

/**
 * An image rollout over 30 stacks with batches of 5: one stack does not answer on the new
 * image (a sandbox fault for that image only), is put back on its old image and answers
 * again, and the rollout pauses at maxFailures; once the fault is gone, a resume finishes it.
 */

const OLD = "registry.test/opencode:v1";
const NEW = "registry.test/opencode:v2";
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
const names = Array.from({ length: 30 }, (_, i) => `fleet-a${String(i + 1).padStart(2, "0")}`);
const FAILING = "fleet-a17";
const STOPPED = "fleet-a09";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    env: { STACK_IMAGE: OLD, HEALTH_TIMEOUT: "1500ms", MAX_CONCURRENT_DEPLOYS: "10" },
    sandbox: { buildConcurrency: 10 },
  });
  // One after the other: stack ids (the rollout's order) follow the names.
  for (const name of names) expect((await deployAndWait(h, name)).done.data.status).toBe("ready");
}, 60_000);
afterAll(() => h.stop());

const api = async (path: string, init: RequestInit = {}) => {
  const res = await fetch(`${h.url}${path}`, { ...init, headers: { ...admin, ...(init.headers ?? {}) } });
  return { status: res.status, body: (await res.json()) as any };
};
const post = (path: string, body?: unknown) =>
  api(path, { method: "POST", ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }) });
/** What the stack's "container" answers through the sandbox's Traefik (401: OpenCode asks for its password). */
const answers = async (name: string) => (await fetch(`${h.sandboxUrl}/`, { headers: { host: `${name}.stacks.test` } })).status;
/** The rollout's progress events (admin), until `until` says stop or the stream ends. */
async function follow(id: string, until: (view: any) => boolean = () => false): Promise<{ views: any[]; done: any }> {
  const res = await fetch(`${h.url}/api/admin/rollouts/${id}/events`, { headers: admin, signal: AbortSignal.timeout(30_000) });
  expect(res.headers.get("content-type")).toContain("text/event-stream");
  const views: any[] = [];
  let done: any = null;
  const decoder = new TextDecoder();
  let buffer = "";
  const reader = res.body!.getReader();
  for (;;) {
    const { value, done: end } = await reader.read();
    if (end) return { views, done };
    buffer += decoder.decode(value, { stream: true });
    for (let cut = buffer.indexOf("\n\n"); cut >= 0; cut = buffer.indexOf("\n\n")) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const data = block.split("\n").find((l) => l.startsWith("data: "));
      if (!data) continue;
      if (block.includes("event: done")) done = JSON.parse(data.slice(6));
      else if (block.includes("event: progress")) views.push(JSON.parse(data.slice(6)));
      if (views.length && until(views.at(-1))) {
        await reader.cancel();
        return { views, done };
      }
    }
  }
}
const service = async (name: string) => (await sandboxState(h)).services.find((s: any) => s.hosts.includes(`${name}.stacks.test`));

describe("image rollout", () => {
  test("input and authorization", async () => {
    expect((await fetch(`${h.url}/api/admin/rollouts`, { method: "POST" })).status).toBe(401);
    expect((await fetch(`${h.url}/api/admin/capacity`)).status).toBe(401);
    expect((await fetch(`${h.url}/api/admin/rollouts`, { method: "POST", headers: { authorization: "Bearer wrong-token-0000000000" } })).status).toBe(
      403,
    );
    expect((await post("/api/admin/rollouts", { batchSize: 0 })).body.error.code).toBe("invalid_request");
    expect((await post("/api/admin/rollouts", { image: "has space" })).status).toBe(400);
    // A shell fragment in the tag is not an image: refused with the rule, nothing stored.
    const hostile = await post("/api/admin/rollouts", { image: "evil.example/x:1;touch${IFS}pwned;$(id)" });
    expect(hostile.status).toBe(400);
    expect(hostile.body.error.code).toBe("invalid_image");
    expect(hostile.body.error.message).toContain("the tag must be");
    expect(h.portal.store.rollouts.recent(10)).toHaveLength(0);
    expect((await post("/api/admin/rollouts", { image: NEW, extra: 1 })).status).toBe(400);
    expect((await api("/api/admin/rollouts/nope")).status).toBe(404);
    // Everything is on STACK_IMAGE already: nothing to do, finished at once.
    const same = await post("/api/admin/rollouts", {});
    expect(same.status).toBe(202);
    expect(same.body.rollout.image).toBe(OLD);
    expect(same.body.stacks).toHaveLength(0);
    expect((await fetch(`${h.url}${same.body.eventsUrl}`)).status).toBe(401);
    expect((await follow(same.body.rollout.id)).done.status).toBe("finished");
    const snap = await api(`/api/admin/rollouts/${same.body.rollout.id}`);
    expect(snap.body.rollout.status).toBe("finished");
  });

  test("canary, batches, a failure put back, paused at maxFailures, resumed to the end", async () => {
    const stop = await api(`/api/stacks/${STOPPED}/stop`, { method: "POST" });
    expect((await readEvents(`${h.url}${stop.body.eventsUrl}`)).at(-1)!.data.status).toBe("stopped");
    // The new image never answers for one stack; its old image still does.
    await fetch(`${h.sandboxUrl}/__sandbox/faults`, {
      method: "POST",
      body: JSON.stringify({ kind: "stack_never_ready", match: FAILING, image: NEW }),
    });

    // What the admin is asked before it starts: every stack moves, the running ones restart.
    expect((await fetch(`${h.url}/api/admin/rollout-plan`)).status).toBe(401);
    expect((await api(`/api/admin/rollout-plan?image=${encodeURIComponent("not an image")}`)).body.error.code).toBe("invalid_image");
    expect((await api(`/api/admin/rollout-plan?image=${encodeURIComponent(NEW)}`)).body).toEqual({ image: NEW, stacks: 30, running: 29, stopped: 1 });
    expect((await api("/api/admin/rollout-plan")).body).toEqual({ image: OLD, stacks: 0, running: 0, stopped: 0 });
    const started = await post("/api/admin/rollouts", { image: NEW, batchSize: 5, maxFailures: 1 });
    expect(started.status).toBe(202);
    const id = started.body.rollout.id;
    expect(started.body.stacks).toHaveLength(30);
    // One at a time.
    const second = await post("/api/admin/rollouts", { image: NEW });
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe("rollout_in_progress");

    // While the failing stack is in its batch, its owner's operations wait.
    let refused: any = null;
    for (let i = 0; i < 200 && !refused; i++) {
      const view = await api(`/api/admin/rollouts/${id}`);
      if (view.body.stacks.find((s: any) => s.name === FAILING).state === "active")
        refused = await api(`/api/stacks/${FAILING}/restart`, { method: "POST" });
      else await Bun.sleep(25);
    }
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("operation_in_progress");

    const { views } = await follow(id, (v) => v.rollout.status === "paused");
    const paused = views.at(-1);
    expect(paused.rollout.status).toBe("paused");
    expect(paused.rollout.reason).toContain(FAILING);
    // The canary went alone, then batches of at most 5.
    const batches = new Map<number, string[]>();
    for (const s of paused.stacks) if (s.batch !== null) batches.set(s.batch, [...(batches.get(s.batch) ?? []), s.name]);
    expect(batches.get(0)).toEqual(["fleet-a01"]);
    for (const [n, members] of batches) if (n > 0) expect(members.length).toBeLessThanOrEqual(5);
    // The batch after the failure never started.
    const failing = paused.stacks.find((s: any) => s.name === FAILING);
    expect(failing.state).toBe("failed");
    expect(failing.previousImage).toBe(OLD);
    expect(paused.stacks.filter((s: any) => s.batch === null).length).toBeGreaterThan(0);
    expect(paused.counts.failed).toBe(1);
    // Put back on its previous image, and answering.
    expect((await service(FAILING)).image).toBe(OLD);
    expect([200, 401]).toContain(await answers(FAILING));
    const list = await api("/api/admin/stacks");
    expect(list.body.stacks.find((s: any) => s.name === FAILING).image).toEqual({ image: OLD, pending: false });
    expect(list.body.stacks.find((s: any) => s.name === "fleet-a01").image).toEqual({ image: NEW, pending: false });

    // Resume is refused while running; allowed while paused.
    await fetch(`${h.sandboxUrl}/__sandbox/faults`, { method: "DELETE" });
    const resumed = await post(`/api/admin/rollouts/${id}/resume`);
    expect(resumed.status).toBe(200);
    expect((await post(`/api/admin/rollouts/${id}/resume`)).body.error.code).toBe("rollout_not_changeable");
    const end = await follow(id);
    expect(end.done.status).toBe("finished");
    expect(end.views.at(-1).rollout.status).toBe("finished");
    const view = (await api(`/api/admin/rollouts/${id}`)).body;
    expect(view.counts).toMatchObject({ done: 29, updated_stopped: 1, failed: 0, rollback_failed: 0, remaining: 0 });

    // Every running stack runs the new image and answers.
    const state = await sandboxState(h);
    for (const name of names.filter((n) => n !== STOPPED)) {
      const svc = state.services.find((s: any) => s.hosts.includes(`${name}.stacks.test`));
      expect(svc.image).toBe(NEW);
      expect(svc.state).toBe("running");
    }
    // The stopped stack was not started: Dokploy holds the new image, Swarm still the old one.
    const stopped = state.services.find((s: any) => s.hosts.includes(`${STOPPED}.stacks.test`));
    expect(stopped.state).toBe("stopped");
    expect(stopped.image).toBe(OLD);
    expect(state.applications.find((a: any) => a.appName === stopped.appName).dockerImage).toBe(NEW);
    // Its next start runs the new image.
    const start = await api(`/api/stacks/${STOPPED}/start`, { method: "POST" });
    expect(start.status).toBe(202);
    expect((await readEvents(`${h.url}${start.body.eventsUrl}`)).at(-1)!.data.status).toBe("ready");
    expect((await service(STOPPED)).image).toBe(NEW);
    expect((await api("/api/admin/stacks")).body.stacks.find((s: any) => s.name === STOPPED).image).toEqual({ image: NEW, pending: false });

    const capacity = await api("/api/admin/capacity");
    expect(capacity.body.fleet.byImage).toEqual({ [NEW]: 30 });
    expect(capacity.body.fleet.byStatus.ready).toBe(30);
    expect(capacity.body.fleet).toMatchObject({
      live: 30,
      maxStacks: 200,
      freeStacks: 170,
      byRunState: { running: 30, stopped: 0 },
      pendingImages: 0,
    });
    // 512m reserved and 4g limit per running stack (the defaults).
    expect(capacity.body.fleet.running.reserved.memoryBytes).toBe(30 * 512 * 1024 * 1024);
    // One server (no cluster): its room by the same rule as one of many: 64 GiB holds 128 stacks at 512 MiB.
    expect(capacity.body.nodes).toHaveLength(1);
    expect(capacity.body.nodes[0]).toMatchObject({ hostname: "dokploy-manager", stacks: 30, running: 30, freeStacks: 98, takesNewStacks: true });
    expect(capacity.body.nodesError).toBeNull();
    const metrics = await (await fetch(`${h.url}/metrics`, { headers: admin })).text();
    expect(metrics).toMatch(/portal_rollout_stacks_total\{outcome="failed"\} 1/);
    expect(metrics).toMatch(/portal_rollout_stacks_total\{outcome="done"\} 29/);
    expect(metrics).toMatch(/portal_rollout_transitions_total\{status="paused"\} 1/);
    const audit = (await api("/api/admin/audit?limit=500")).body.entries.map((e: any) => e.action);
    for (const action of ["rollout_start", "rollout_paused", "rollout_resume", "rollout_finished", "rollout_stack"]) expect(audit).toContain(action);
  }, 60_000);

  test("a stopped stack in the current batch cannot be started meanwhile; cancel leaves the rest as they are", async () => {
    const V3 = "registry.test/opencode:v3";
    const stop = await api("/api/stacks/fleet-a01/stop", { method: "POST" });
    expect((await readEvents(`${h.url}${stop.body.eventsUrl}`)).at(-1)!.data.status).toBe("stopped");
    // Dokploy is slow to save the stopped stack's new image: the window in which its owner might start it.
    await fetch(`${h.sandboxUrl}/__sandbox/faults`, {
      method: "POST",
      body: JSON.stringify({ procedure: "application.saveDockerProvider", kind: "latency", ms: 1000, match: "opencode:v3", times: 1 }),
    });
    const started = await post("/api/admin/rollouts", { image: V3, batchSize: 30 });
    expect(started.status).toBe(202);
    const id = started.body.rollout.id;
    await follow(id, (v) => v.stacks.find((s: any) => s.name === "fleet-a01").state === "active");
    const refused = await api("/api/stacks/fleet-a01/start", { method: "POST" });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("operation_in_progress");
    expect(refused.body.error.message).toContain("rollout");
    expect((await post(`/api/admin/rollouts/${id}/pause`)).status).toBe(200);
    expect((await post(`/api/admin/rollouts/${id}/cancel`)).status).toBe(200);
    const end = await follow(id, (v) => v.counts.active === 0);
    const last = end.views.at(-1);
    expect(last.rollout.status).toBe("cancelled");
    expect(last.stacks.find((s: any) => s.name === "fleet-a01").state).toBe("updated_stopped");
    expect(last.counts.skipped).toBe(29);
    expect((await post(`/api/admin/rollouts/${id}/resume`)).body.error.code).toBe("rollout_not_changeable");
    // The others were not touched.
    expect((await service("fleet-a02")).image).toBe(NEW);
    expect((await service("fleet-a01")).state).toBe("stopped");
  });
});
