import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSandbox } from "../../src/sandbox/index.ts";
import { SANDBOX_KEY, deploy, type SseEvent, portalEnv, readEvents } from "../support/harness.ts";
import { type PortalProcess, spawnPortal } from "../support/process.ts";

/**
 * A deploy resumed after a restart keeps the deadline its wait began with, and ends at once
 * when Dokploy says the application no longer exists.
 */

const ms = (e: SseEvent) => Date.parse(e.data.at);

/** A sandbox Dokploy and a portal process on it, one per test, so that the tests run side by side. */
async function rig() {
  const sandbox = await startSandbox({ apiKey: SANDBOX_KEY, deployDurationMs: 60, stackStartMs: 20 });
  const dataDir = mkdtempSync(join(tmpdir(), "portal-resume-"));
  let portal: PortalProcess | null = null;
  return {
    sandbox,
    portalUrl: () => portal!.url,
    /** Deploys `name`, kills the portal once `step` has started, and returns what is needed to resume. */
    async killDuring(name: string, step: string, env: Record<string, string>) {
      const fullEnv = portalEnv(sandbox.url, dataDir, env);
      portal = await spawnPortal(fullEnv);
      const { status, body: accepted } = await deploy(portal, name);
      expect(status).toBe(202);
      const seen = await readEvents(`${portal.url}${accepted.eventsUrl}`, {
        until: (e) => e.event === "step" && e.data.step === step && e.data.state === "started",
      });
      await portal.kill("SIGKILL");
      portal = null;
      return { accepted, started: seen.at(-1)!, env: fullEnv };
    },
    async resume(env: Record<string, string>, eventsUrl: string) {
      portal = await spawnPortal(env);
      const events = await readEvents(`${portal.url}${eventsUrl}`, { timeoutMs: 10_000 });
      const recovering = events.find((e) => e.event === "status" && e.data.status === "recovering")!;
      return { events, recovering, done: events.at(-1)! };
    },
    async stop() {
      await portal?.kill("SIGTERM");
      await sandbox.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

describe("a resumed deploy", () => {
  for (const [step, hold, code, timeout] of [
    ["wait_running", { deployDurationMs: 60_000 }, "deploy_timeout", "DEPLOY_TIMEOUT"],
    ["wait_healthy", { stackStartMs: 60_000 }, "health_timeout", "HEALTH_TIMEOUT"],
  ] as const) {
    test.concurrent(`keeps the ${timeout} that began with ${step}: a restart grants no new wait`, async () => {
      const { sandbox, killDuring, resume, stop } = await rig();
      try {
        sandbox.sandbox.updateSettings(hold);
        const { accepted, started, env } = await killDuring(`resume-${step.replace("_", "-")}`, step, { [timeout]: "8s" });
        // Down past the deadline: only a last look is left when the portal comes back.
        await Bun.sleep(Math.max(0, ms(started) + 8_500 - Date.now()));
        const { recovering, done, events } = await resume(env, accepted.eventsUrl);
        expect(done.data).toMatchObject({ status: "failed", error: { code } });
        // The wait gave up right after the restart (its last look may be slow on a loaded machine);
        // a fresh deadline would have taken 8 s more.
        const failed = events.find((e) => e.event === "step" && e.data.step === step && e.data.state === "failed")!;
        expect(failed.data.error.code).toBe(code);
        expect(ms(failed) - ms(recovering)).toBeLessThan(6_000);
      } finally {
        await stop();
      }
    }, 30_000);
  }

  test.concurrent("Dokploy lost the application: application_missing at once, nothing left behind", async () => {
    const { sandbox, killDuring, resume, portalUrl, stop } = await rig();
    try {
      sandbox.sandbox.updateSettings({ deployDurationMs: 60_000 });
      const { accepted, env } = await killDuring("resume-lost", "wait_running", { DEPLOY_TIMEOUT: "60s" });
      // Dokploy comes back without its state.
      sandbox.sandbox.reset();
      const { recovering, done, events } = await resume(env, accepted.eventsUrl);
      expect(done.data).toMatchObject({ status: "failed", error: { code: "application_missing" } });
      expect(done.data.leftovers).toBeUndefined();
      expect(ms(done) - ms(recovering)).toBeLessThan(5_000);
      const failed = events.find((e) => e.event === "step" && e.data.step === "wait_running" && e.data.state === "failed");
      expect(failed?.data.error.code).toBe("application_missing");
      const stack = (await (await fetch(`${portalUrl()}/api/stacks/resume-lost`)).json()) as any;
      expect(stack.status).toBe("failed");
    } finally {
      await stop();
    }
  }, 20_000);
});
