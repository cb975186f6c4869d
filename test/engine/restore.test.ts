import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DeployResult, type Harness, deployAndWait, dokployPost, readEvents, sandboxState, startHarness } from "../support/harness.ts";
import { startS3Server } from "../support/s3-server.ts";
import { ENGINE_IMAGE, appNameOf, dockerCli, enginePortalEnv, engineSkipReason, runningContainer } from "./engine.ts";

/**
 * Restore in one click, for real: a stack on the real engine, its volumes backed up with
 * Dokploy's own commands (docker run … tar, rclone) to a real S3-compatible server (s3rver), and
 * restored through the portal: a safety copy, the stack stopped, the volume removed and unpacked
 * from the file, the stack started. (A refused restore is the sandbox's tests': here it only
 * waits out the portal's 20 s of asking again.)
 */

const skip = (await engineSkipReason()) ?? (Bun.which("rclone") ? null : "no rclone (apt install rclone)");
const T = 180_000;
const NAME = "engine-restore";
const WORKSPACE = `portal-ai-workspace-${NAME}`;
/** Dokploy's `ubuntu`: bash and tar as root, from the stack image already here. */
const TAR_IMAGE = "127.0.0.1:5000/sandbox-tar:engine";

describe.skipIf(skip !== null)("restore on the real engine, with a real S3 server", () => {
  let h: Harness;
  let s3: Awaited<ReturnType<typeof startS3Server>>;
  let stack: DeployResult;
  let appName: string;
  const workDir = mkdtempSync(join(tmpdir(), "volume-backups-"));
  const bearer = () => ({ authorization: `Bearer ${stack.managementToken}` });
  const inStack = async (...cmd: string[]) => dockerCli("exec", (await runningContainer(appName))!, ...cmd);

  beforeAll(async () => {
    const build = Bun.spawnSync(["/usr/bin/docker", "build", "-q", "-t", TAR_IMAGE, "-"], {
      stdin: new TextEncoder().encode(`FROM ${ENGINE_IMAGE}\nUSER root\nENTRYPOINT []\n`),
      stdout: "pipe",
      stderr: "pipe",
    });
    if (build.exitCode !== 0) throw new Error(`tar image: ${build.stderr.toString()}`);
    s3 = await startS3Server();
    h = await startHarness({
      sandbox: { runtime: "docker", deployDurationMs: 0, s3Backups: { tarImage: TAR_IMAGE, workDir } },
      env: { ...enginePortalEnv(), BACKUP_DESTINATION_ID: "dest-s3" },
    });
    h.sandbox.addDestination("s3rver", "dest-s3", s3.destination);
    stack = await deployAndWait(h, NAME, { timeoutMs: T });
    appName = await appNameOf(h, NAME);
  }, T);

  afterAll(async () => {
    await h?.stop();
    await s3?.stop();
    rmSync(workDir, { recursive: true, force: true });
  }, T);

  async function restore(file: string) {
    const res = await fetch(`${h.url}/api/stacks/${NAME}/restore`, {
      method: "POST",
      headers: { ...bearer(), "content-type": "application/json" },
      body: JSON.stringify({ file }),
    });
    expect(res.status).toBe(202);
    return readEvents(`${h.url}${((await res.json()) as { eventsUrl: string }).eventsUrl}`, { headers: bearer(), timeoutMs: T });
  }
  const workspaceFiles = async () =>
    (
      (await (await fetch(`${h.url}/api/stacks/${NAME}/backups`, { headers: bearer() })).json()) as {
        files: { file: string; volume: string; safety: boolean }[];
      }
    ).files.filter((f) => f.volume === "workspace");

  test(
    "yesterday's workspace comes back from the bucket, its owner the stack's user, with a safety copy of today's",
    async () => {
      expect(stack.done.data.status).toBe("ready");
      await inStack("sh", "-c", "echo yesterday > /workspace/notes.md");
      // The nightly run, now: Dokploy's own commands against the real volume and the real bucket.
      const row = (await sandboxState(h)).volumeBackups.find((b: any) => b.volumeName === WORKSPACE);
      expect((await dokployPost(h.sandboxUrl, "volumeBackups.runManually", { volumeBackupId: row.volumeBackupId })).status).toBe(200);
      await inStack("sh", "-c", "echo today > /workspace/notes.md");

      const [backup] = await workspaceFiles();
      expect(backup?.file).toStartWith(`ai-stack-${NAME}/${WORKSPACE}-`);
      const events = await restore(backup!.file);
      expect(events.at(-1)!.data).toMatchObject({ status: "ready" });
      expect(await inStack("cat", "/workspace/notes.md")).toBe("yesterday");
      expect(await inStack("stat", "-c", "%U", "/workspace/notes.md")).toBe("bun");

      const safety = (await workspaceFiles()).filter((f) => f.safety);
      expect(safety).toHaveLength(1);
      expect(safety[0]!.file).toStartWith(`ai-stack-${NAME}/safety/${WORKSPACE}-`);
    },
    T,
  );
});
