import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ADMIN_TOKEN, type Harness, deployAndWait, dokployPost, readEvents, sandboxState, startHarness, waitFor } from "../support/harness.ts";

/**
 * One target image for the fleet: the last finished rollout's, else STACK_IMAGE. New stacks get
 * it, an owner's upgrade moves to it and never back from a newer one a rollout already brought,
 * and the owner's details say whether there is anything to upgrade to.
 */

const V1 = "registry.test/opencode:v1";
const V2 = "registry.test/opencode:v2";
const V3 = "registry.test/opencode:v3";
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ env: { STACK_IMAGE: V1, HEALTH_TIMEOUT: "1500ms" } });
  for (const name of ["img-a", "img-b"]) expect((await deployAndWait(h, name)).done.data.status).toBe("ready");
}, 30_000);
afterAll(() => h.stop());

const api = async (path: string, init: RequestInit = {}) => {
  const res = await fetch(`${h.url}${path}`, { ...init, headers: { ...admin, "content-type": "application/json", ...(init.headers ?? {}) } });
  return { status: res.status, body: (await res.json()) as any };
};
const image = async (name: string) => (await sandboxState(h)).services.find((s: any) => s.hosts.includes(`${name}.stacks.test`)).image;
const upgrade = async (name: string) => (await api(`/api/stacks/${name}/details`)).body.upgrade;
async function rollout(body: unknown, until: string[]): Promise<string> {
  const started = await api("/api/admin/rollouts", { method: "POST", body: JSON.stringify(body) });
  expect(started.status).toBe(202);
  const id = started.body.rollout.id;
  await waitFor(
    () => api(`/api/admin/rollouts/${id}`),
    (r) => until.includes(r.body.rollout.status),
    `rollout ${until.join(" or ")}`,
    20_000,
  );
  return id;
}
async function redeploy(name: string): Promise<void> {
  const res = await api(`/api/stacks/${name}/redeploy`, { method: "POST" });
  expect(res.status).toBe(202);
  expect((await readEvents(`${h.url}${res.body.eventsUrl}`)).at(-1)!.data.status).toBe("ready");
}

describe("the fleet's current image", () => {
  test("before any rollout it is STACK_IMAGE: nothing to upgrade to", async () => {
    expect(await upgrade("img-a")).toEqual({ image: V1, newer: null });
  });

  test("after a rollout, an owner's upgrade stays on the rollout's image and new stacks get it", async () => {
    await rollout({ image: V2 }, ["finished"]);
    expect(await image("img-a")).toBe(V2);
    expect(await upgrade("img-a")).toEqual({ image: V2, newer: null });
    // The bug this guards: the owner's upgrade went back to STACK_IMAGE (v1).
    await redeploy("img-a");
    expect(await image("img-a")).toBe(V2);
    expect(h.portal.store.images.of(h.portal.store.stacks.live("img-a")!.id)).toEqual({ image: V2, pending: false });
    // A new stack is made on the fleet's image, not on STACK_IMAGE.
    expect((await deployAndWait(h, "img-c")).done.data.status).toBe("ready");
    expect(await image("img-c")).toBe(V2);
    expect(await upgrade("img-c")).toEqual({ image: V2, newer: null });
  }, 30_000);

  test("a stack left behind is offered the current image; one a later rollout already moved is not moved back", async () => {
    // img-b fails on v3 and goes back to v2; the rollout pauses with img-a (the canary) on v3.
    await fetch(`${h.sandboxUrl}/__sandbox/faults`, {
      method: "POST",
      body: JSON.stringify({ kind: "stack_never_ready", match: "img-b", image: V3 }),
    });
    const id = await rollout({ image: V3, batchSize: 1, maxFailures: 1 }, ["paused"]);
    await fetch(`${h.sandboxUrl}/__sandbox/faults`, { method: "DELETE" });
    expect(await image("img-a")).toBe(V3);
    expect(await image("img-b")).toBe(V2);
    // The paused rollout's image is newer than the fleet's; neither stack has anything to upgrade to.
    expect(await upgrade("img-a")).toEqual({ image: V3, newer: null });
    expect(await upgrade("img-b")).toEqual({ image: V2, newer: null });
    await redeploy("img-a");
    expect(await image("img-a")).toBe(V3);
    expect((await api(`/api/admin/rollouts/${id}/cancel`, { method: "POST" })).status).toBe(200);

    // An image from before the fleet's current one (set in Dokploy's UI, say) is behind: the upgrade moves it on.
    const { applicationId } = h.portal.store.stacks.live("img-c")!;
    const saved = await dokployPost(h.sandboxUrl, "application.saveDockerProvider", {
      applicationId,
      dockerImage: V1,
      username: null,
      password: null,
      registryUrl: null,
    });
    expect(saved.status).toBe(200);
    expect(await upgrade("img-c")).toEqual({ image: V1, newer: V2 });
    await redeploy("img-c");
    expect(await image("img-c")).toBe(V2);
    expect(await upgrade("img-c")).toEqual({ image: V2, newer: null });
  }, 30_000);
});
