import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { DokployClient } from "../../src/dokploy/client.ts";
import { DokployError } from "../../src/dokploy/errors.ts";
import { type Client, KEY, deployAndWait, makeApp, startClient, waitFor } from "./helpers.ts";

/**
 * Restoring a volume from a backup file, as Dokploy v0.30.2 offers it: the files listed over
 * HTTP (backup.listBackupFiles), the restore only as a tRPC subscription over its WebSocket
 * (volumeBackups.restoreVolumeBackupWithLogs), spoken to by the portal's own client.
 */

let c: Client;
let client: DokployClient;
let manager: string;
let destinationId: string;
const signal = () => AbortSignal.timeout(5_000);
const OPTIONS = { timeoutMs: 5_000, maxConcurrency: 4, circuitFailures: 100, circuitCooldownMs: 1_000 };

beforeAll(async () => {
  c = await startClient();
  client = new DokployClient({ ...OPTIONS, baseUrl: c.url, apiKey: KEY });
  manager = (await c.state()).nodes[0].id;
  destinationId = (await c.control("destinations", "POST", { name: "s3" })).destinationId;
});
afterAll(() => c.stop());

const volume = async (name: string) => (await c.state()).nodeVolumes[manager]?.[name];

async function backupOf(volumeName: string, files: Record<string, string>): Promise<string> {
  await c.control(`volumes/${manager}/${volumeName}`, "POST", { files });
  const row = await c.call("volumeBackups.create", {
    name: volumeName,
    volumeName,
    prefix: "",
    appName: "ai-stack-team",
    cronExpression: "0 3 * * *",
    destinationId,
    keepLatestCount: 5,
  });
  await c.call("volumeBackups.runManually", { volumeBackupId: row.volumeBackupId });
  const listed = await client.backupFiles(destinationId, `ai-stack-team/${volumeName}-`, signal());
  return listed.at(-1)!.Path;
}

describe("restoring a volume", () => {
  test("the folder's files, with their size and no time: the name carries it", async () => {
    const path = await backupOf("vol-list", { "notes.md": "hello" });
    expect(path).toMatch(/^ai-stack-team\/vol-list-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z\.tar$/);
    const all = await client.backupFiles(destinationId, "ai-stack-team/", signal());
    expect(all.find((f) => f.Path === path)).toEqual({ Path: path, Name: path.slice("ai-stack-team/".length), Size: 512 + 512 + 1024, IsDir: false });
    // The top of the bucket shows the folder, not its files.
    expect(await client.backupFiles(destinationId, "", signal())).toContainEqual({
      Path: "ai-stack-team",
      Name: "ai-stack-team",
      Size: 0,
      IsDir: true,
    });
    const unknown = await client.backupFiles("nope", "", signal()).catch((e) => e);
    expect(unknown).toBeInstanceOf(DokployError);
    expect(unknown.failure).toBe("rejected");
  });

  test("a volume nothing uses is replaced by the backup's content, line by line", async () => {
    const path = await backupOf("vol-free", { "a.txt": "from the backup" });
    await c.control(`volumes/${manager}/vol-free`, "POST", { files: { "a.txt": "changed since", "b.txt": "new since" } });
    const seen: string[] = [];
    const { app } = await makeApp(c, { name: "holder" });
    const result = await client.restoreVolume(
      { applicationId: app.applicationId, destinationId, backupFileName: path, volumeName: "vol-free" },
      signal(),
      (l) => seen.push(l),
    );
    expect(result.restored).toBe(true);
    expect(result.lines).toEqual(seen);
    expect(seen).toContain("✅ Volume restore completed successfully!");
    expect(await volume("vol-free")).toEqual({ "a.txt": "from the backup" });
  });

  test("a volume a running container uses is left as it is, and the restore says it failed", async () => {
    const path = await backupOf("vol-used", { "a.txt": "old" });
    await c.control(`volumes/${manager}/vol-used`, "POST", { files: { "a.txt": "current" } });
    const { app } = await makeApp(c, { name: "user-of-volume", image: "img:1" });
    await c.call("mounts.create", {
      type: "volume",
      volumeName: "vol-used",
      mountPath: "/workspace",
      serviceId: app.applicationId,
      serviceType: "application",
    });
    await deployAndWait(c, app.applicationId);
    const result = await client.restoreVolume(
      { applicationId: app.applicationId, destinationId, backupFileName: path, volumeName: "vol-used" },
      signal(),
    );
    expect(result.restored).toBe(false);
    expect(result.lines).toContain("❌ Volume restore aborted - volume is in use");
    expect(await volume("vol-used")).toEqual({ "a.txt": "current" });
    // Stopped (Swarm scaled to 0, its tasks removed), it can be restored.
    await c.call("application.stop", { applicationId: app.applicationId });
    await waitFor(
      async () =>
        (await client.restoreVolume({ applicationId: app.applicationId, destinationId, backupFileName: path, volumeName: "vol-used" }, signal()))
          .restored,
      5_000,
      100,
    );
    expect(await volume("vol-used")).toEqual({ "a.txt": "old" });
  });

  test("a file that is not there fails before the volume is touched; a wrong key or destination is an error", async () => {
    await c.control(`volumes/${manager}/vol-keep`, "POST", { files: { "a.txt": "kept" } });
    const { app } = await makeApp(c, { name: "keeper" });
    const input = {
      applicationId: app.applicationId,
      destinationId,
      backupFileName: "ai-stack-team/vol-keep-2020-01-01T00-00-00-000Z.tar",
      volumeName: "vol-keep",
    };
    const missing = await client.restoreVolume(input, signal());
    expect(missing.restored).toBe(false);
    expect(missing.lines.at(-1)).toBe("❌ Volume restore failed!");
    expect(await volume("vol-keep")).toEqual({ "a.txt": "kept" });

    const wrongKey = new DokployClient({ ...OPTIONS, baseUrl: c.url, apiKey: "not-the-key" });
    const refused = await wrongKey.restoreVolume(input, signal()).catch((e) => e);
    expect(refused).toBeInstanceOf(DokployError);
    expect(refused.failure).toBe("unauthorized");
    const noDestination = await client.restoreVolume({ ...input, destinationId: "nope" }, signal()).catch((e) => e);
    expect(noDestination).toMatchObject({ failure: "not_found" });
    const badName = await client.restoreVolume({ ...input, volumeName: "-bad" }, signal()).catch((e) => e);
    expect(badName).toMatchObject({ failure: "rejected", code: "BAD_REQUEST" });
  });
});
