import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type StartedSandbox, startSandbox } from "../../src/sandbox/index.ts";
import { SANDBOX_KEY, portalEnv, readEvents } from "../support/harness.ts";
import { type PortalProcess, spawnPortal } from "../support/process.ts";

/**
 * The portal is killed with SIGKILL during each of the owner's operations, then started
 * again on the same data directory: every operation must reach a terminal state.
 */

const FAST = { deployDurationMs: 60, stackStartMs: 20, stackStopMs: 0 };
type Control = (path: string, body?: unknown, method?: string) => Promise<Response>;

type Case = {
  op: "stop" | "start" | "restart" | "redeploy" | "password";
  step: string;
  hold: (control: Control) => Promise<unknown>;
  /** The terminal event's status after the restart. */
  end: "stopped" | "ready" | "failed";
  stoppedFirst?: boolean;
};

const CASES: Case[] = [
  // Dokploy's stop answers only once the task is gone: the portal is killed while it waits for that answer.
  { op: "stop", step: "stop_service", hold: (control) => control("settings", { stackStopMs: 2500 }), end: "stopped" },
  { op: "start", step: "wait_healthy", hold: (control) => control("settings", { stackStartMs: 2500 }), end: "ready", stoppedFirst: true },
  { op: "restart", step: "stop_service", hold: (control) => control("settings", { stackStopMs: 2500 }), end: "ready" },
  { op: "redeploy", step: "wait_running", hold: (control) => control("settings", { deployDurationMs: 2500 }), end: "ready" },
  { op: "password", step: "wait_running", hold: (control) => control("settings", { deployDurationMs: 2500 }), end: "ready" },
  // The new password lived only in the killed process: the operation ends failed, interrupted.
  {
    op: "password",
    step: "set_password",
    hold: (control) => control("faults", { procedure: "application.saveEnvironment", kind: "latency", ms: 1500, times: 1 }),
    end: "failed",
  },
];

/**
 * Its own sandbox Dokploy (holds and faults are global, so tests run side by side) and a portal
 * process on a fresh data directory, with stack `name` deployed; `crashDuring` kills the portal
 * once an operation's step has started and starts it again on the same data.
 */
async function crashRig(name: string, extra: Record<string, string> = {}, prepare?: (sandbox: StartedSandbox) => void) {
  const sandbox = await startSandbox({ apiKey: SANDBOX_KEY, ...FAST });
  prepare?.(sandbox);
  const control: Control = (path, body, method = "POST") =>
    fetch(`${sandbox.url}/__sandbox/${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
  const dataDir = mkdtempSync(join(tmpdir(), "portal-crash-op-"));
  const env = portalEnv(sandbox.url, dataDir, { DOKPLOY_TIMEOUT: "3s", DEPLOY_TIMEOUT: "8s", HEALTH_TIMEOUT: "8s", ...extra });
  let portal: PortalProcess | null = null;
  const rig = {
    sandbox,
    control,
    portal: () => portal!,
    auth: {} as Record<string, string>,
    /** Starts the operation (its `body`, if any), kills the portal once `step` has started, and starts it again. */
    async crashDuring(op: string, step: string, body?: unknown) {
      const res = await fetch(`${portal!.url}/api/stacks/${name}/${op}`, {
        method: "POST",
        headers: { ...rig.auth, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      expect(res.status).toBe(202);
      const accepted = (await res.json()) as any;
      await readEvents(`${portal!.url}${accepted.eventsUrl}`, {
        until: (e) => e.event === "step" && e.data.step === step && e.data.state === "started",
      });
      await Bun.sleep(100);
      await portal!.kill("SIGKILL");
      await Bun.sleep(1600);
      await control("settings", FAST);
      portal = await spawnPortal(env);
      return accepted;
    },
    async stop() {
      await portal?.kill("SIGTERM");
      await sandbox.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  try {
    portal = await spawnPortal(env);
    const deployed = (await (
      await fetch(`${portal.url}/api/deploy`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name }) })
    ).json()) as any;
    expect((await readEvents(`${portal.url}${deployed.eventsUrl}`)).at(-1)!.data.status).toBe("ready");
    rig.auth = { authorization: `Bearer ${deployed.managementToken}` };
    return rig;
  } catch (err) {
    await rig.stop();
    throw err;
  }
}

describe("crash recovery of the owner's operations", () => {
  for (const c of CASES) {
    test.concurrent(`SIGKILL during ${c.op} (${c.step}), restart: ${c.end}`, async () => {
      const name = `crash-${c.op}-${c.step.replace("_", "-")}`;
      const rig = await crashRig(name);
      try {
        const { auth, control, portal } = rig;
        if (c.stoppedFirst) {
          const stop = (await (await fetch(`${portal().url}/api/stacks/${name}/stop`, { method: "POST", headers: auth })).json()) as any;
          expect((await readEvents(`${portal().url}${stop.eventsUrl}`)).at(-1)!.data.status).toBe("stopped");
        }
        await c.hold(control);
        const accepted = await rig.crashDuring(c.op, c.step);
        const events = await readEvents(`${portal().url}${accepted.eventsUrl}`);
        const done = events.at(-1)!;
        expect(done.event).toBe("done");
        expect(done.data.status).toBe(c.end);
        if (c.end === "failed") expect(done.data.error.code).toBe("interrupted");
        expect(events.some((e) => e.event === "status" && e.data.status === "recovering")).toBe(true);
        const snap = (await (await fetch(`${portal().url}${accepted.statusUrl}`)).json()) as any;
        expect(snap.status).not.toBe("running");
        const details = (await (await fetch(`${portal().url}/api/stacks/${name}/details`, { headers: auth })).json()) as any;
        expect(details.runningOperation).toBeNull();
        expect(details.state).toBe(c.end === "stopped" ? "stopped" : "running");
      } finally {
        await rig.stop();
      }
    }, 30_000);
  }
});

describe("crash recovery of a restore", () => {
  test.concurrent("SIGKILL while the restore stops the stack, restart: the same file is restored, with one safety copy", async () => {
    const rig = await crashRig("crash-restore", { BACKUP_DESTINATION_ID: "dest-crash" }, (sandbox) =>
      sandbox.sandbox.addDestination("s3", "dest-crash"),
    );
    const { sandbox } = rig.sandbox;
    const manager = () => sandbox.state().nodes[0]!.id;
    const workspace = () => sandbox.state().nodeVolumes[manager()]?.["portal-ai-workspace-crash-restore"];
    try {
      sandbox.writeVolume(manager(), "portal-ai-workspace-crash-restore", { "notes.md": "the backup" });
      sandbox.runScheduledBackups();
      sandbox.writeVolume(manager(), "portal-ai-workspace-crash-restore", { "notes.md": "since" });
      const listed = (await (await fetch(`${rig.portal().url}/api/stacks/crash-restore/backups`, { headers: rig.auth })).json()) as any;
      const file = listed.files.find((f: any) => f.volume === "workspace").file;

      await rig.control("settings", { stackStopMs: 2500 });
      const accepted = await rig.crashDuring("restore", "stop_service", { file });
      const events = await readEvents(`${rig.portal().url}${accepted.eventsUrl}`);
      expect(events.at(-1)!.data.status).toBe("ready");
      expect(workspace()).toEqual({ "notes.md": "the backup" });
      // The safety copy was made before the kill, and not again after it.
      const safety = sandbox.state().backupFiles.filter((f) => f.key.includes("/safety/"));
      expect(safety.map((f) => f.volumeName).sort()).toEqual(["portal-ai-data-crash-restore", "portal-ai-workspace-crash-restore"]);
    } finally {
      await rig.stop();
    }
  }, 30_000);
});
