import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ADMIN_TOKEN, type Harness, deploy, deployAndWait, readEvents, sandboxState, startHarness } from "../support/harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.stop());

const del = (name: string, token?: string, path = "stack") =>
  fetch(`${h.url}/api/${path}/${name}`, { method: "DELETE", headers: token ? { authorization: `Bearer ${token}` } : {} });

describe("DELETE /api/stack/:name", () => {
  test("needs the stack's management token: 401 without, 403 with a wrong one", async () => {
    const stack = await deployAndWait(h, "carol");
    const none = await del("carol");
    expect(none.status).toBe(401);
    expect(((await none.json()) as any).error.code).toBe("unauthorized");
    const other = await deployAndWait(h, "dave");
    const wrong = await del("carol", other.managementToken);
    expect(wrong.status).toBe(403);
    expect(((await wrong.json()) as any).error.code).toBe("forbidden");
    expect((await sandboxState(h)).projects.some((p: any) => p.name === "ai-stack-carol")).toBe(true);

    const ok = await del("carol", stack.managementToken);
    expect(ok.status).toBe(202);
    const body = (await ok.json()) as any;
    expect(body).toMatchObject({ name: "carol", volumeKept: true });
    expect(body.message).toContain("volume");
    const events = await readEvents(`${h.url}${body.eventsUrl}`);
    expect(events.filter((e) => e.event === "step" && e.data.state === "succeeded").map((e) => e.data.step)).toEqual([
      "delete_application",
      "remove_project",
    ]);
    // No deploy was running: nothing to stop, and the step says so.
    expect(events.filter((e) => e.event === "step" && e.data.step === "cancel_deploy").map((e) => e.data.state)).toEqual(["skipped"]);
    expect(events.at(-1)!.data.status).toBe("deleted");
    const state = await sandboxState(h);
    expect(state.projects.some((p: any) => p.name === "ai-stack-carol")).toBe(false);
    expect(state.applications.some((a: any) => a.name === "ai-stack-carol")).toBe(false);
    // The data volume outlives the stack (docs/dokploy.md §7).
    expect(state.volumes).toContain("portal-ai-workspace-carol");
    const status = (await (await fetch(`${h.url}/api/stacks/carol`)).json()) as any;
    expect(status.status).toBe("deleted");
  });

  test("the admin token deletes any stack; /api/stacks/:name works too", async () => {
    await deployAndWait(h, "erin");
    const res = await del("erin", ADMIN_TOKEN, "stacks");
    expect(res.status).toBe(202);
    const events = await readEvents(`${h.url}${((await res.json()) as any).eventsUrl}`);
    expect(events.at(-1)!.data.status).toBe("deleted");
  });

  test("an unknown stack is 404", async () => {
    const res = await del("nobody-here", ADMIN_TOKEN);
    expect(res.status).toBe(404);
    expect(((await res.json()) as any).error.code).toBe("not_found");
  });

  test("a deleted name is quarantined; only the old owner can deploy it again", async () => {
    const first = await deployAndWait(h, "frank");
    const res = await del("frank", first.managementToken);
    await readEvents(`${h.url}${((await res.json()) as any).eventsUrl}`);

    const check = (await (await fetch(`${h.url}/api/check/frank`)).json()) as any;
    expect(check).toMatchObject({ valid: true, available: false, reason: "recently_deleted" });
    const stranger = await deploy(h, "frank");
    expect(stranger.status).toBe(409);
    expect(stranger.body.error.code).toBe("recently_deleted");
    const wrongToken = await deploy(h, "frank", { authorization: "Bearer mt_not-the-token" });
    expect(wrongToken.status).toBe(409);

    const owner = await deploy(h, "frank", { authorization: `Bearer ${first.managementToken}` });
    expect(owner.status).toBe(202);
    const events = await readEvents(`${h.url}${owner.body.eventsUrl}`);
    expect(events.at(-1)!.data.status).toBe("ready");
    // Same volume name, so the owner gets the data back.
    const state = await sandboxState(h);
    const app = state.applications.find((a: any) => a.name === "ai-stack-frank");
    expect(state.mounts.find((m: any) => m.applicationId === app.applicationId).volumeName).toBe("portal-ai-workspace-frank");
  });

  test("deleting a stack whose deploy is still running cancels it, then removes everything", async () => {
    await fetch(`${h.sandboxUrl}/__sandbox/settings`, { method: "POST", body: JSON.stringify({ deployDurationMs: 1500 }) });
    try {
      const accepted = await deploy(h, "grace");
      await readEvents(`${h.url}${accepted.body.eventsUrl}`, { until: (e) => e.event === "step" && e.data.step === "wait_running" });
      const res = await del("grace", accepted.body.managementToken);
      expect(res.status).toBe(202);
      const delEvents = await readEvents(`${h.url}${((await res.json()) as any).eventsUrl}`);
      expect(delEvents.at(-1)!.data.status).toBe("deleted");
      const cancel = delEvents.find((e) => e.event === "step" && e.data.step === "cancel_deploy" && e.data.state === "succeeded");
      expect(cancel!.data.message).toContain("stopped");
      const deployEvents = await readEvents(`${h.url}${accepted.body.eventsUrl}`);
      expect(deployEvents.at(-1)!.data).toMatchObject({ status: "failed", error: { code: "cancelled" } });
      const state = await sandboxState(h);
      expect(state.projects.some((p: any) => p.name === "ai-stack-grace")).toBe(false);
      expect(state.applications.some((a: any) => a.name === "ai-stack-grace")).toBe(false);
    } finally {
      await fetch(`${h.sandboxUrl}/__sandbox/settings`, { method: "POST", body: JSON.stringify({ deployDurationMs: 60 }) });
    }
  });

  test("a half-deleted stack can be deleted again", async () => {
    const stack = await deployAndWait(h, "heidi");
    await fetch(`${h.sandboxUrl}/__sandbox/faults`, {
      method: "POST",
      body: JSON.stringify({ procedure: "project.remove", kind: "status", status: 400, message: "nope" }),
    });
    const first = await del("heidi", stack.managementToken);
    const events = await readEvents(`${h.url}${((await first.json()) as any).eventsUrl}`);
    expect(events.at(-1)!.data).toMatchObject({ status: "failed", error: { code: "cleanup_failed" } });
    await fetch(`${h.sandboxUrl}/__sandbox/faults`, { method: "DELETE" });
    const second = await del("heidi", stack.managementToken);
    expect(second.status).toBe(202);
    const again = await readEvents(`${h.url}${((await second.json()) as any).eventsUrl}`);
    expect(again.at(-1)!.data.status).toBe("deleted");
    const state = await sandboxState(h);
    expect(state.projects.some((p: any) => p.name === "ai-stack-heidi")).toBe(false);
  });

  test("the admin lists stacks; others cannot", async () => {
    expect((await fetch(`${h.url}/api/stacks`)).status).toBe(401);
    expect((await fetch(`${h.url}/api/stacks`, { headers: { authorization: "Bearer wrong-token-value" } })).status).toBe(403);
    const res = await fetch(`${h.url}/api/stacks`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body.stacks.map((s: any) => s.name)).toContain("dave");
    expect(JSON.stringify(body)).not.toContain("token");
  });
});

describe("concurrency", () => {
  test("of 20 concurrent deploys of one name, exactly one is accepted", async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => deploy(h, "race")));
    const accepted = results.filter((r) => r.status === 202);
    expect(accepted.length).toBe(1);
    for (const r of results.filter((r) => r.status !== 202)) {
      expect(r.status).toBe(409);
      expect(r.body.error.code).toBe("taken");
    }
    const events = await readEvents(`${h.url}${accepted[0]!.body.eventsUrl}`);
    expect(events.at(-1)!.data.status).toBe("ready");
    expect((await sandboxState(h)).projects.filter((p: any) => p.name === "ai-stack-race").length).toBe(1);
  });
});
