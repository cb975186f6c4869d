import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { join } from "node:path";
import type { Portal } from "../../src/portal.ts";
import { type Harness, deployAndWait, readEvents, sandboxState, startHarness, startAnotherPortal, waitFor } from "../support/harness.ts";

/**
 * Volume backups (BACKUP_DESTINATION_ID): made with the stack, their last run shown to the
 * owner, a final backup before a delete (or none when the owner says so), and removed only
 * once the deleted stack's quarantine is over.
 */

const DESTINATION = "dest-backups-test";
let h: Harness;
let second: Portal | null = null;

beforeAll(async () => {
  h = await startHarness({ env: { BACKUP_DESTINATION_ID: DESTINATION, BACKUP_SCHEDULE: "30 2 * * *", BACKUP_KEEP: "5" } });
  h.sandbox.addDestination("s3", DESTINATION);
});
afterAll(async () => {
  if (second) {
    await second.runner.settle();
    await second.stop();
  }
  await h.stop();
});

const backupsOf = (state: any, name: string) => state.volumeBackups.filter((b: any) => b.volumeName.endsWith(`-${name}`));
const details = async (name: string, token: string) =>
  (await (await fetch(`${h.url}/api/stacks/${name}/details`, { headers: { authorization: `Bearer ${token}` } })).json()) as any;
const del = (name: string, token: string, query = "") =>
  fetch(`${h.url}/api/stacks/${name}${query}`, { method: "DELETE", headers: { authorization: `Bearer ${token}` } });

const tokens = { alice: "", bobby: "" };

describe("volume backups", () => {
  test("a stack gets a nightly backup of its workspace and OpenCode data volumes", async () => {
    const r = await deployAndWait(h, "alice");
    expect(r.done.data.status).toBe("ready");
    tokens.alice = r.managementToken;
    const rows = backupsOf(await sandboxState(h), "alice");
    expect(rows.map((b: any) => b.volumeName).sort()).toEqual(["portal-ai-data-alice", "portal-ai-workspace-alice"]);
    for (const b of rows) {
      expect(b).toMatchObject({ destinationId: DESTINATION, cronExpression: "30 2 * * *", keepLatestCount: 5, enabled: true, turnOff: false });
      // Not tied to the application: Dokploy would delete it with the application.
      expect(b.applicationId).toBeNull();
      expect(b.appName).toBe("ai-stack-alice");
    }
    const before = await details("alice", tokens.alice);
    expect(before.backups).toMatchObject({ lastBackupAt: null, failing: false });
  });

  test("the stack page shows the last backup, and a failing one", async () => {
    h.sandbox.writeVolume((await sandboxState(h)).nodes[0].id, "portal-ai-workspace-alice", { "notes.md": "day one" });
    expect(h.sandbox.runScheduledBackups()).toBeGreaterThanOrEqual(2);
    const ok = await details("alice", tokens.alice);
    expect(typeof ok.backups.lastBackupAt).toBe("string");
    expect(ok.backups.failing).toBe(false);
    const files = (await sandboxState(h)).backupFiles.filter((f: any) => f.volumeName === "portal-ai-workspace-alice");
    expect(files.at(-1).files).toEqual({ "notes.md": "day one" });
    expect(files.at(-1).key).toStartWith("ai-stack-alice/portal-ai-workspace-alice-");
    const metrics = await (await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${h.env.ADMIN_TOKEN}` } })).text();
    expect(metrics).toContain('portal_stack_backups{state="ok"} 1');
    expect(metrics).toMatch(/^portal_stack_backup_oldest_age_seconds \d/m);

    h.sandbox.addFault({ kind: "backup_error", match: "data-alice", times: 1 });
    h.sandbox.runScheduledBackups();
    const failing = await details("alice", tokens.alice);
    expect(failing.backups.failing).toBe(true);
    expect(failing.backups.volumes.find((v: any) => v.volumeName === "portal-ai-data-alice").lastStatus).toBe("error");
    const overview = (await (await fetch(`${h.url}/api/admin/nodes`, { headers: { authorization: `Bearer ${h.env.ADMIN_TOKEN}` } })).json()) as any;
    expect(overview.stacks.find((s: any) => s.name === "alice").backupFailing).toBe(true);
    const listed = (await (await fetch(`${h.url}/api/admin/stacks`, { headers: { authorization: `Bearer ${h.env.ADMIN_TOKEN}` } })).json()) as any;
    // The list shows what the store last learnt (the details refresh it from Dokploy first).
    expect(listed.stacks.find((s: any) => s.name === "alice").backup).toMatchObject({ failing: true, lastBackupAt: expect.any(String) });
  });

  test("a failed final backup stops the delete; nothing is removed", async () => {
    const r = await deployAndWait(h, "bobby");
    tokens.bobby = r.managementToken;
    h.sandbox.addFault({ kind: "backup_error", match: "workspace-bobby", times: 1 });
    const res = await del("bobby", tokens.bobby);
    expect(res.status).toBe(202);
    const events = await readEvents(`${h.url}${((await res.json()) as any).eventsUrl}`);
    expect(events.at(-1)!.data).toMatchObject({ status: "failed", error: { code: "backup_failed" } });
    expect(events.some((e) => e.event === "step" && e.data.step === "delete_application")).toBe(false);
    expect(((await (await fetch(`${h.url}/api/stacks/bobby`)).json()) as any).status).toBe("ready");
    expect((await sandboxState(h)).applications.some((a: any) => a.name === "ai-stack-bobby")).toBe(true);
  });

  test("the owner may delete without a final backup", async () => {
    const runsBefore = (await sandboxState(h)).deployments.filter((d: any) => d.title === "Volume Backup").length;
    const res = await del("bobby", tokens.bobby, "?backup=false");
    const events = await readEvents(`${h.url}${((await res.json()) as any).eventsUrl}`);
    expect(events.at(-1)!.data.status).toBe("deleted");
    expect(events.find((e) => e.event === "step" && e.data.step === "final_backup")!.data.state).toBe("skipped");
    expect((await sandboxState(h)).deployments.filter((d: any) => d.title === "Volume Backup").length).toBe(runsBefore);
  });

  test("a delete backs the volumes up first and waits for it; the backups outlive the delete", async () => {
    const manager = (await sandboxState(h)).nodes[0].id;
    h.sandbox.writeVolume(manager, "portal-ai-workspace-alice", { "notes.md": "last words" });
    const res = await del("alice", tokens.alice);
    const events = await readEvents(`${h.url}${((await res.json()) as any).eventsUrl}`);
    expect(events.at(-1)!.data.status).toBe("deleted");
    const done = events.filter((e) => e.event === "step" && e.data.state === "succeeded").map((e) => e.data.step);
    expect(done).toEqual(["final_backup", "delete_application", "remove_project"]);
    const state = await sandboxState(h);
    const last = state.backupFiles.filter((f: any) => f.volumeName === "portal-ai-workspace-alice").at(-1);
    expect(last.files).toEqual({ "notes.md": "last words" });
    // Held for the owner during the quarantine, backups included.
    expect(backupsOf(state, "alice").length).toBe(2);
    expect(backupsOf(state, "bobby").length).toBe(2);
  });

  test("at the end of the quarantine the backups are removed; not before", async () => {
    await h.portal.runner.settle();
    await h.portal.stop();
    // Alice was deleted 31 days ago (NAME_QUARANTINE_DAYS is 30); bobby just now.
    const db = new Database(join(h.dataDir, "portal.sqlite"));
    db.query("UPDATE stacks SET deleted_at = ? WHERE name = 'alice' AND status = 'deleted'").run(
      new Date(Date.now() - 31 * 86_400_000).toISOString(),
    );
    db.close();
    second = await startAnotherPortal(h);
    await waitFor(
      () => sandboxState(h),
      (s) => !backupsOf(s, "alice").length,
      "alice's schedules to go",
    );
    const state = await sandboxState(h);
    expect(backupsOf(state, "alice")).toEqual([]);
    expect(backupsOf(state, "bobby").length).toBe(2);
    // The files already in the destination stay; only the schedules go.
    expect(state.backupFiles.some((f: any) => f.volumeName === "portal-ai-workspace-alice")).toBe(true);
  });
});
