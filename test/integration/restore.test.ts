import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ADMIN_TOKEN, type Harness, deployAndWait, readEvents, sandboxState, startHarness } from "../support/harness.ts";

/**
 * Restore in one click (BACKUP_DESTINATION_ID): the stack's backups listed with time and size,
 * and a restore as an operation: a safety copy of every volume, the stack stopped, the volume
 * brought back through Dokploy's restore, the stack started and probed; refused for what is not
 * one of the stack's files; a failed restore still starts the stack; audited; and a restarted
 * portal restores the same file.
 */

const DESTINATION = "dest-restore-test";
let h: Harness;
let token = "";
let manager = "";

beforeAll(async () => {
  h = await startHarness({ env: { BACKUP_DESTINATION_ID: DESTINATION, BACKUP_KEEP: "2", POOL_SIZE: "0" } });
  h.sandbox.addDestination("s3", DESTINATION);
  token = (await deployAndWait(h, "alice")).managementToken;
  manager = (await sandboxState(h)).nodes[0].id;
});
afterAll(() => h.stop());

const auth = () => ({ authorization: `Bearer ${token}` });
const get = async (path: string) => {
  const res = await fetch(`${h.url}${path}`, { headers: auth() });
  return { status: res.status, body: (await res.json()) as any };
};
const post = async (path: string, body: unknown, headers: Record<string, string> = auth()) => {
  const res = await fetch(`${h.url}${path}`, {
    method: "POST",
    headers: { ...headers, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
};
/** The run's events to its end (the owner's token reads them in full). */
const eventsOf = (id: string) => readEvents(`${h.url}/api/deployments/${id}/events`, { headers: auth(), until: (e) => e.event === "done" });
const succeeded = (events: any[]) => events.filter((e) => e.event === "step" && e.data.state === "succeeded").map((e) => e.data.step);
const workspace = async () => (await sandboxState(h)).nodeVolumes[manager]["portal-ai-workspace-alice"];
const write = (files: Record<string, string>) => h.sandbox.writeVolume(manager, "portal-ai-workspace-alice", files);
/** Each scheduled run gets its own time: Dokploy's file names carry it to the millisecond. */
async function scheduledBackup(): Promise<void> {
  h.sandbox.runScheduledBackups();
  await Bun.sleep(5);
}

describe("restore in one click", () => {
  test("the stack's backups: each volume's files, newest first, with time and size", async () => {
    expect((await get("/api/stacks/alice/backups")).body).toEqual({ name: "alice", files: [] });
    write({ "notes.md": "monday" });
    await scheduledBackup();
    write({ "notes.md": "tuesday" });
    await scheduledBackup();
    const { status, body } = await get("/api/stacks/alice/backups");
    expect(status).toBe(200);
    expect(body.files.map((f: any) => f.volume).sort()).toEqual(["data", "data", "workspace", "workspace"]);
    expect(body.files.map((f: any) => f.at)).toEqual(
      body.files
        .map((f: any) => f.at)
        .sort()
        .reverse(),
    );
    const ws = body.files.filter((f: any) => f.volume === "workspace");
    expect(ws).toHaveLength(2);
    expect(ws[0].at > ws[1].at).toBe(true);
    expect(ws[0].file).toStartWith("ai-stack-alice/portal-ai-workspace-alice-");
    expect(ws[0].sizeBytes).toBeGreaterThan(0);
    // Only the owner (or an admin) reads them.
    expect((await fetch(`${h.url}/api/stacks/alice/backups`)).status).toBe(401);
    expect((await fetch(`${h.url}/api/stacks/alice/backups`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status).toBe(200);
  });

  test("a restore makes a safety copy, stops the stack, brings the file back, starts and probes it", async () => {
    write({ "notes.md": "wednesday, lost work" });
    const monday = (await get("/api/stacks/alice/backups")).body.files.filter((f: any) => f.volume === "workspace").at(-1);
    const accepted = await post("/api/stacks/alice/restore", { file: monday.file });
    expect(accepted.status).toBe(202);
    const events = await eventsOf(accepted.body.deploymentId);
    expect(events.at(-1)?.data).toMatchObject({ status: "ready" });
    expect(succeeded(events)).toEqual(["safety_backup", "stop_service", "wait_stopped", "restore_volume", "start_service", "wait_healthy", "ready"]);
    expect(await workspace()).toEqual({ "notes.md": "monday" });
    // The safety copy holds what was there, is listed, and did not push a scheduled backup out (BACKUP_KEEP 2).
    const after = (await get("/api/stacks/alice/backups")).body.files;
    const safety = after.filter((f: any) => f.safety);
    expect(safety.map((f: any) => f.volume).sort()).toEqual(["data", "workspace"]);
    expect(after.filter((f: any) => !f.safety && f.volume === "workspace")).toHaveLength(2);
    const copy = (await sandboxState(h)).backupFiles.find((f: any) => f.key === safety.find((s: any) => s.volume === "workspace").file);
    expect(copy.files).toEqual({ "notes.md": "wednesday, lost work" });
    // Its one-off rows are gone from Dokploy; the scheduled ones are as they were.
    expect((await sandboxState(h)).volumeBackups.map((b: any) => b.prefix)).toEqual(["", ""]);
    const details = (await get("/api/stacks/alice/details")).body;
    expect(details.state).toBe("running");
    const audit = h.portal.store.audit.page(20).find((e) => e.action === "restore");
    expect(audit).toMatchObject({ outcome: "accepted", actor: "management", detail: { file: monday.file } });

    // Undone with the safety copy, the same way; an admin may restore any stack.
    const undo = await post(
      "/api/stacks/alice/restore",
      { file: safety.find((s: any) => s.volume === "workspace").file },
      { authorization: `Bearer ${ADMIN_TOKEN}` },
    );
    expect(undo.status).toBe(202);
    expect((await eventsOf(undo.body.deploymentId)).at(-1)?.data.status).toBe("ready");
    expect(await workspace()).toEqual({ "notes.md": "wednesday, lost work" });
  });

  test("what is not one of the stack's backups is refused, and nothing starts", async () => {
    for (const file of [
      "ai-stack-bob/portal-ai-workspace-bob-2026-01-01T00-00-00-000Z.tar",
      "../../etc/passwd",
      "ai-stack-alice/portal-ai-workspace-alice-2020-01-01T00-00-00-000Z.tar",
    ]) {
      const res = await post("/api/stacks/alice/restore", { file });
      expect({ file, status: res.status, code: res.body.error.code }).toEqual({ file, status: 404, code: "backup_not_found" });
    }
    expect((await post("/api/stacks/alice/restore", {})).body.error.code).toBe("invalid_request");
    expect((await post("/api/stacks/alice/restore", { file: "x" }, {})).status).toBe(401);
    expect((await post("/api/stacks/alice/restore", { file: "x" }, { authorization: "Bearer mt_wrong-token-0123456789" })).status).toBe(403);
    expect(h.portal.store.deployments.runningFor(h.portal.store.stacks.live("alice")!.id)).toBeNull();
  });

  test("a restore Dokploy refuses ends restore_failed, and the stack runs again with the data it had", async () => {
    write({ "notes.md": "thursday" });
    const file = (await get("/api/stacks/alice/backups")).body.files.find((f: any) => f.volume === "workspace" && !f.safety).file;
    // The file disappears from the destination between the listing and the restore.
    const state = await sandboxState(h);
    expect(state.backupFiles.some((f: any) => f.key === file)).toBe(true);
    const accepted = await post("/api/stacks/alice/restore", { file });
    h.sandbox.removeBackupFile(DESTINATION, file);
    const events = await eventsOf(accepted.body.deploymentId);
    expect(events.at(-1)?.data).toMatchObject({ status: "failed", error: { code: "restore_failed" } });
    expect(succeeded(events)).toContain("wait_healthy");
    expect(await workspace()).toEqual({ "notes.md": "thursday" });
    expect((await get("/api/stacks/alice/details")).body.state).toBe("running");
  });
});
