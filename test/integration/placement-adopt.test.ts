import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { type Harness, deployAndWait, dokployPost, readEvents, sandboxState, startHarness, waitFor } from "../support/harness.ts";

/**
 * Stacks made before the portal pinned stacks have no placement, and their Swarm services no
 * constraint. When a second node joins, Swarm could start their next task there, with an
 * empty workspace. The portal pins such a stack to the node its tasks ran on before its
 * next start or redeploy, and that start is a deploy, so Swarm's service gets the pin.
 */

const GiB = 1024 ** 3;
let h: Harness;
let manager = "";
const tokens: Record<string, string> = {};

const appOf = (state: any, name: string) => state.applications.find((a: any) => a.name === `ai-stack-${name}`);
const serviceOf = (state: any, name: string) => state.services.find((s: any) => s.appName === appOf(state, name)?.appName);
const dokploy = (procedure: string, body: unknown) => dokployPost(h.sandboxUrl, procedure, body);
const owner = async (name: string, operation: string) => {
  const res = await fetch(`${h.url}/api/stacks/${name}/${operation}`, { method: "POST", headers: { authorization: `Bearer ${tokens[name]}` } });
  expect(res.status).toBe(202);
  return (await readEvents(`${h.url}${((await res.json()) as any).eventsUrl}`)).at(-1)!.data;
};

beforeAll(async () => {
  h = await startHarness();
  manager = (await sandboxState(h)).nodes[0].id;
  for (const name of ["filler", "legacy1", "legacy2"]) tokens[name] = (await deployAndWait(h, name)).managementToken;
  // Make two of them as an older portal left them: no pin in Dokploy, none in Swarm's service, none recorded.
  for (const name of ["legacy1", "legacy2"]) {
    const { applicationId } = appOf(await sandboxState(h), name);
    expect((await dokploy("application.update", { applicationId, placementSwarm: null })).status).toBe(200);
    expect((await dokploy("application.deploy", { applicationId })).status).toBe(200);
    await waitFor(
      () => sandboxState(h),
      (s) => !(serviceOf(s, name).constraints ?? []).length,
      `${name}'s service to lose its pin`,
    );
    expect(serviceOf(await sandboxState(h), name).constraints).toEqual([]);
    h.sandbox.writeVolume(manager, `portal-ai-workspace-${name}`, { "notes.md": `${name}'s work` });
  }
  const db = new Database(join(h.dataDir, "portal.sqlite"));
  db.query("DELETE FROM stack_placements WHERE stack_id IN (SELECT id FROM stacks WHERE name IN ('legacy1', 'legacy2'))").run();
  db.close();
  // An empty, roomy worker: Swarm's spread would put an unpinned task there.
  h.sandbox.addNode({ hostname: "worker-new", memoryBytes: 64 * GiB });
});
afterAll(() => h.stop());

describe("stacks from before pins", () => {
  test("a start pins the stack where its volumes are, as a deploy, and it keeps its workspace", async () => {
    expect((await owner("legacy1", "stop")).status).toBe("stopped");
    expect((await owner("legacy1", "start")).status).toBe("ready");
    const state = await sandboxState(h);
    expect(appOf(state, "legacy1").placementSwarm).toEqual({ Constraints: [`node.id==${manager}`] });
    expect(serviceOf(state, "legacy1").node).toBe(manager);
    expect(state.nodeVolumes[manager]["portal-ai-workspace-legacy1"]).toEqual({ "notes.md": "legacy1's work" });
    expect(h.portal.store.placements.of(h.portal.store.stacks.live("legacy1")!.id)?.nodeId).toBe(manager);
  });

  test("a redeploy pins it too", async () => {
    expect((await owner("legacy2", "redeploy")).status).toBe("ready");
    const state = await sandboxState(h);
    expect(appOf(state, "legacy2").placementSwarm).toEqual({ Constraints: [`node.id==${manager}`] });
    expect(serviceOf(state, "legacy2").node).toBe(manager);
    expect(h.portal.store.placements.of(h.portal.store.stacks.live("legacy2")!.id)?.hostname).toBe("dokploy-manager");
  });
});
