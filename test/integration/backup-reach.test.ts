import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Portal } from "../../src/portal.ts";
import { ADMIN_TOKEN, type Harness, deployAndWait, readEvents, sandboxState, startHarness, startAnotherPortal, waitFor } from "../support/harness.ts";

/**
 * Dokploy runs volume backups on its own server (the Swarm leader), so a stack pinned to a
 * worker node cannot be backed up: the run would upload an empty volume of the same name as a
 * success and rotate the good backups out. Such a stack gets no schedule and says so.
 */

const DESTINATION = "dest-reach-test";
const GiB = 1024 ** 3;
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
let h: Harness;
let second: Portal | null = null;
const node = { manager: "", worker: "" };
const tokens: Record<string, string> = {};

beforeAll(async () => {
  // One stack per node: the first goes to the roomier manager, the second to the worker.
  h = await startHarness({ env: { BACKUP_DESTINATION_ID: DESTINATION, STACK_MEMORY_RESERVATION: "1g", MAX_STACKS_PER_NODE: "1" } });
  h.sandbox.addDestination("s3", DESTINATION);
  node.manager = (await sandboxState(h)).nodes.find((n: any) => n.role === "manager").id;
  node.worker = h.sandbox.addNode({ hostname: "worker-a", memoryBytes: 8 * GiB }).id;
});
afterAll(async () => {
  await second?.stop();
  await h.stop();
});

const backupsOf = (state: any, name: string) => state.volumeBackups.filter((b: any) => b.volumeName.endsWith(`-${name}`));
const details = async (name: string) =>
  (await (await fetch(`${h.url}/api/stacks/${name}/details`, { headers: { authorization: `Bearer ${tokens[name]}` } })).json()) as any;
const listed = async (name: string) =>
  ((await (await fetch(`${h.url}/api/admin/stacks`, { headers: admin })).json()) as any).stacks.find((s: any) => s.name === name);

describe("backups and the node a stack is on", () => {
  test("a stack on the manager is backed up; one on a worker gets no schedule and says why", async () => {
    for (const name of ["onmgr", "onwkr"]) {
      const r = await deployAndWait(h, name);
      expect(r.done.data.status).toBe("ready");
      tokens[name] = r.managementToken;
    }
    const state = await sandboxState(h);
    expect(state.applications.find((a: any) => a.name === "ai-stack-onwkr").placementSwarm.Constraints).toEqual([`node.id==${node.worker}`]);
    expect(backupsOf(state, "onmgr").length).toBe(2);
    expect(backupsOf(state, "onwkr")).toEqual([]);

    expect((await details("onmgr")).backups).toMatchObject({ outOfReach: null });
    const away = { node: "worker-a", backupNode: "dokploy-manager" };
    expect((await details("onwkr")).backups).toMatchObject({ lastBackupAt: null, failing: false, outOfReach: away });
    expect((await listed("onwkr")).backup).toMatchObject({ lastBackupAt: null, outOfReach: away });
    expect((await listed("onmgr")).backup).toMatchObject({ outOfReach: null });
    const overview = (await (await fetch(`${h.url}/api/admin/nodes`, { headers: admin })).json()) as any;
    expect(overview.stacks.map((s: any) => [s.name, s.backupOutOfReach])).toEqual([
      ["onmgr", false],
      ["onwkr", true],
    ]);

    // /metrics counts them by state: one scheduled but not run yet, one out of reach.
    const metrics = await (await fetch(`${h.url}/metrics`, { headers: admin })).text();
    expect(metrics).toContain('portal_stack_backups{state="never"} 1');
    expect(metrics).toContain('portal_stack_backups{state="out_of_reach"} 1');
    expect(metrics).toContain('portal_stack_backups{state="ok"} 0');
    // No good backup yet: the age reads 0, and "never" says why.
    expect(metrics).toContain("portal_stack_backup_oldest_age_seconds 0");
  });

  test("moving a stack to a worker removes its schedules (the files stay); its delete makes no final backup", async () => {
    h.sandbox.writeVolume(node.manager, "portal-ai-workspace-onmgr", { "notes.md": "kept in the bucket" });
    h.sandbox.runScheduledBackups();
    // The worker holds one stack already; a move is the admin's explicit choice and is not refused for that.
    const res = await fetch(`${h.url}/api/admin/stacks/onmgr/move`, {
      method: "POST",
      headers: { ...admin, "content-type": "application/json" },
      body: JSON.stringify({ node: "worker-a", acknowledgeDataLoss: true }),
    });
    expect(res.status).toBe(202);
    const events = await readEvents(`${h.url}/api/deployments/${((await res.json()) as any).deploymentId}/events`);
    expect(events.at(-1)!.data.status).toBe("ready");
    const state = await sandboxState(h);
    expect(backupsOf(state, "onmgr")).toEqual([]);
    expect(state.backupFiles.filter((f: any) => f.volumeName === "portal-ai-workspace-onmgr").at(-1).files).toEqual({
      "notes.md": "kept in the bucket",
    });
    expect((await details("onmgr")).backups.outOfReach).toEqual({ node: "worker-a", backupNode: "dokploy-manager" });

    const runsBefore = state.deployments.filter((d: any) => d.title === "Volume Backup").length;
    const del = await fetch(`${h.url}/api/stacks/onmgr`, { method: "DELETE", headers: { authorization: `Bearer ${tokens.onmgr}` } });
    const deleted = await readEvents(`${h.url}${((await del.json()) as any).eventsUrl}`);
    expect(deleted.at(-1)!.data.status).toBe("deleted");
    const step = deleted.find((e) => e.event === "step" && e.data.step === "final_backup")!.data;
    expect(step).toMatchObject({ state: "skipped", message: expect.stringContaining("cannot reach") });
    expect((await sandboxState(h)).deployments.filter((d: any) => d.title === "Volume Backup").length).toBe(runsBefore);
  });

  test("moved back to the node Dokploy runs on, a stack gets its schedules again", async () => {
    const res = await fetch(`${h.url}/api/admin/stacks/onwkr/move`, {
      method: "POST",
      headers: { ...admin, "content-type": "application/json" },
      body: JSON.stringify({ node: node.manager, acknowledgeDataLoss: true }),
    });
    expect(res.status).toBe(202);
    const events = await readEvents(`${h.url}/api/deployments/${((await res.json()) as any).deploymentId}/events`);
    expect(events.at(-1)!.data.status).toBe("ready");
    expect(backupsOf(await sandboxState(h), "onwkr").length).toBe(2);
    expect((await details("onwkr")).backups).toMatchObject({ outOfReach: null, failing: false });
  });

  test("schedules a stack had before its node went out of reach are removed by the upkeep at start", async () => {
    // The operator says Dokploy runs on worker-a (BACKUP_NODE): onwkr, now on the manager, is out of reach.
    await h.portal.runner.settle();
    await h.portal.stop();
    second = await startAnotherPortal(h, { BACKUP_NODE: "worker-a" });
    await waitFor(
      () => sandboxState(h),
      (s) => !backupsOf(s, "onwkr").length,
      "onwkr's schedules to go",
    );
    expect(backupsOf(await sandboxState(h), "onwkr")).toEqual([]);
  });
});
