import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deployAndWait, readEvents, startHarness } from "../support/harness.ts";
import { RELEASES, openCode } from "../support/opencode.ts";
import { details, stoppedNow } from "../support/stack-details.ts";

/**
 * Idle stop against a real OpenCode of each release the fleet runs: the portal reads its
 * /session and /session/status with the stack's password, stops the stack once nobody used
 * it for IDLE_STOP_AFTER, and its sessions are there after the start.
 */

// Each release on its own harness, side by side: the test mostly waits for IDLE_STOP_AFTER.
describe("idle stop, a real OpenCode of each release", () => {
  for (const release of RELEASES) {
    const oc = openCode(release);
    test.concurrent(`${oc.version} (${release}): a session used recently keeps it running; then it is stopped for idle, and its sessions are there after start`, async () => {
      const root = mkdtempSync(join(tmpdir(), "sandbox-opencode-idle-"));
      const h = await startHarness({
        // Roomy: a real OpenCode on a loaded machine can take seconds to open a session.
        env: { IDLE_STOP_AFTER: "8s", IDLE_CHECK_INTERVAL: "200ms", HEALTH_TIMEOUT: "20s", PROBE_ATTEMPT_TIMEOUT: "2s" },
        sandbox: {
          stackStopMs: 100,
          openCode: { command: oc.command, match: ["ai-stack-real-"], root },
        },
      });
      try {
        const stack = await deployAndWait(h, "real-idle", { timeoutMs: 40_000 });
        const auth = { authorization: `Basic ${Buffer.from(`opencode:${stack.credentials.password}`).toString("base64")}` };
        const api = (path: string, init: RequestInit = {}) =>
          fetch(`${h.sandboxUrl}${path}`, { ...init, headers: { host: "real-idle.stacks.test", ...auth, ...init.headers } });
        const created = await api("/session", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
        expect(created.status).toBe(200);
        const session = (await created.json()) as any;
        await Bun.sleep(2000);
        expect((await details(h, "real-idle", stack.managementToken)).state).toBe("running");

        const stopped = await stoppedNow(h, "real-idle", stack.managementToken, 30_000);
        expect(stopped).toMatchObject({ state: "stopped", stopReason: "idle" });
        expect(Date.parse(stopped.stoppedAt) - session.time.updated).toBeGreaterThanOrEqual(8000);

        const start = await fetch(`${h.url}/api/stacks/real-idle/start`, {
          method: "POST",
          headers: { authorization: `Bearer ${stack.managementToken}` },
        });
        expect((await readEvents(`${h.url}${((await start.json()) as any).eventsUrl}`, { timeoutMs: 25_000 })).at(-1)!.data.status).toBe("ready");
        const sessions = (await (await api("/session")).json()) as any[];
        expect(sessions.map((s) => s.id)).toContain(session.id);
      } finally {
        await h.stop();
        rmSync(root, { recursive: true, force: true });
      }
    }, 60_000);
  }
});
