import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ADMIN_TOKEN, type Harness, deployAndWait, readEvents, sandboxState, startHarness } from "../support/harness.ts";

/**
 * The volumes of owners who are gone: kept while the name is held for them, removed through
 * Dokploy's dockerVolume.removeVolume once the hold is over, never while the name's owner came
 * back and uses them; and the reconciler lists the prefix's volumes no stack would mount.
 */

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ env: { NAME_QUARANTINE_DAYS: "1" } });
});
afterAll(() => h.stop());

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const managerVolumes = async (): Promise<string[]> => {
  const state = await sandboxState(h);
  const manager = state.nodes.find((n: any) => n.role === "manager").id;
  return Object.keys(state.nodeVolumes[manager] ?? {});
};
async function remove(name: string, token: string) {
  const res = await fetch(`${h.url}/api/stacks/${name}`, { method: "DELETE", headers: bearer(token) });
  expect(res.status).toBe(202);
  await readEvents(`${h.url}${((await res.json()) as { eventsUrl: string }).eventsUrl}`);
}
/** The hold runs out: the delete happened two days ago. */
const backdate = (name: string) =>
  h.portal.store.db
    .query("UPDATE stacks SET deleted_at = ? WHERE name = ? AND status = 'deleted'")
    .run(new Date(Date.now() - 2 * 86_400_000).toISOString(), name);
const volumesOf = (name: string) => [`portal-ai-workspace-${name}`, `portal-ai-data-${name}`];

describe("a gone owner's volumes", () => {
  test("are kept while the name is held, and removed through Dokploy once the hold is over, audited", async () => {
    const stack = await deployAndWait(h, "reap-me");
    await remove("reap-me", stack.managementToken);
    expect(await managerVolumes()).toEqual(expect.arrayContaining(volumesOf("reap-me")));

    expect(await h.portal.volumes.run()).toEqual([]);
    expect(await managerVolumes()).toEqual(expect.arrayContaining(volumesOf("reap-me")));

    backdate("reap-me");
    expect(await h.portal.volumes.run()).toEqual([{ stack: "reap-me", outcome: "removed", volumes: volumesOf("reap-me") }]);
    expect(await managerVolumes()).not.toEqual(expect.arrayContaining([volumesOf("reap-me")[0]]));
    const entry = h.portal.store.audit.page(20).find((e) => e.action === "volumes_removed");
    expect(entry).toMatchObject({ stackName: "reap-me", actor: "system", outcome: "removed", detail: { volumes: volumesOf("reap-me") } });
    // Once let go, never again.
    expect(await h.portal.volumes.run()).toEqual([]);
  });

  test("are never touched while their owner, back within the hold, uses them", async () => {
    const first = await deployAndWait(h, "came-back");
    await remove("came-back", first.managementToken);
    // The owner reclaims the name with their token: the same volumes, their files back.
    const res = await fetch(`${h.url}/api/deploy`, {
      method: "POST",
      headers: { "content-type": "application/json", ...bearer(first.managementToken) },
      body: JSON.stringify({ name: "came-back" }),
    });
    expect(res.status).toBe(202);
    await readEvents(`${h.url}${((await res.json()) as { eventsUrl: string }).eventsUrl}`);
    backdate("came-back");
    expect(await h.portal.volumes.run()).toEqual([{ stack: "came-back", outcome: "removed", volumes: [] }]);
    expect(await managerVolumes()).toEqual(expect.arrayContaining(volumesOf("came-back")));
  });

  test("the reconciler lists the prefix's volumes that no stack would mount", async () => {
    const state = await sandboxState(h);
    const manager = state.nodes.find((n: any) => n.role === "manager").id;
    await fetch(`${h.sandboxUrl}/__sandbox/volumes/${manager}/portal-ai-scratch-nobody`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ files: { "a.txt": "left behind" } }),
    });
    const run = await fetch(`${h.url}/api/admin/reconcile`, {
      method: "POST",
      headers: { ...bearer(ADMIN_TOKEN), "content-type": "application/json" },
      body: JSON.stringify({ apply: false }),
    });
    const report = ((await run.json()) as { report: { orphanVolumes: string[] } }).report;
    expect(report.orphanVolumes).toEqual(["portal-ai-scratch-nobody"]);
  });
});
