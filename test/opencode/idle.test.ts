import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deployAndWait, readEvents, startHarness, waitFor } from "../support/harness.ts";
import { RELEASES, openCode } from "../support/opencode.ts";
import { startSlowModel } from "../support/slow-model.ts";
import { details, stoppedNow } from "../support/stack-details.ts";

/**
 * Idle stop against a real OpenCode: the portal reads its /session and /session/status with the
 * stack's password. A session with a message in it is use, an empty one is not; a session busy
 * with a model (a slow one on loopback) keeps the stack running; once nobody used it for
 * IDLE_STOP_AFTER the details say when it stops, it is stopped, and its sessions are there
 * after the start.
 */

const basic = (password: string) => ({ authorization: `Basic ${Buffer.from(`opencode:${password}`).toString("base64")}` });

// Each release on its own harness, side by side: the test mostly waits for IDLE_STOP_AFTER.
describe("idle stop, a real OpenCode of each release", () => {
  for (const release of RELEASES) {
    const oc = openCode(release);
    test.concurrent(`${oc.version} (${release}): an empty session is no use, a session with a message is; then it is stopped for idle, and its sessions are there after start`, async () => {
      const root = mkdtempSync(join(tmpdir(), "sandbox-opencode-idle-"));
      const h = await startHarness({
        // Roomy: a real OpenCode on a loaded machine can take seconds to open a session.
        env: { IDLE_STOP_AFTER: "8s", IDLE_CHECK_INTERVAL: "200ms", IDLE_WARNING_BEFORE: "2s", HEALTH_TIMEOUT: "20s", PROBE_ATTEMPT_TIMEOUT: "2s" },
        sandbox: { stackStopMs: 100, openCode: { command: oc.command, match: ["ai-stack-real-"], root } },
      });
      try {
        const stack = await deployAndWait(h, "real-idle", { timeoutMs: 40_000 });
        const api = (path: string, init: RequestInit = {}) =>
          fetch(`${h.sandboxUrl}${path}`, {
            ...init,
            headers: { host: "real-idle.stacks.test", ...basic(stack.credentials.password), ...init.headers },
          });
        const post = (path: string, body: unknown) =>
          api(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
        // The forecast once OpenCode answered the portal within PROBE_ATTEMPT_TIMEOUT (a loaded machine: "unknown" first).
        const forecast = async () =>
          (
            await waitFor(
              () => details(h, "real-idle", stack.managementToken),
              (d) => d.idle?.state !== "unknown",
              "a known forecast",
              20_000,
            )
          ).idle;
        // Kept awake while the test sets its sessions up, however slow the machine: then let go.
        const keepAwake = (hours: number) =>
          fetch(`${h.url}/api/stacks/real-idle/keep-awake`, {
            method: "POST",
            headers: { authorization: `Bearer ${stack.managementToken}`, "content-type": "application/json" },
            body: JSON.stringify({ hours }),
          });
        expect((await keepAwake(1)).status).toBe(200);
        const started = await forecast();
        expect(started.state).toBe("kept_awake");

        // Opened and left empty: the stack is idle since its start all the same.
        expect((await post("/session", {})).status).toBe(200);
        expect((await forecast()).lastActivityAt).toBe(started.lastActivityAt);

        // A message in a session (no model asked): that is use, from when it changed.
        const session = (await (await post("/session", { title: "work" })).json()) as { id: string };
        const message = await post(`/session/${session.id}/message`, {
          noReply: true,
          model: { providerID: "opencode", modelID: "big-pickle" },
          parts: [{ type: "text", text: "remember this" }],
        });
        expect(message.status).toBe(200);
        const listed = ((await (await api("/session")).json()) as { id: string; time: { updated: number } }[]).find((s) => s.id === session.id)!;
        expect((await forecast()).lastActivityAt).toBe(new Date(listed.time.updated).toISOString());
        expect((await keepAwake(0)).status).toBe(200);
        const idle = await forecast();
        expect(idle).toMatchObject({ state: "idle", lastActivityAt: new Date(listed.time.updated).toISOString() });
        // IDLE_STOP_AFTER after that use, or the warning time from now if that is later (a slow machine).
        expect(Date.parse(idle.stopsAt)).toBeGreaterThanOrEqual(listed.time.updated + 8000);

        const stopped = await stoppedNow(h, "real-idle", stack.managementToken, 30_000);
        expect(stopped).toMatchObject({ state: "stopped", stopReason: "idle" });
        expect(Date.parse(stopped.stoppedAt) - listed.time.updated).toBeGreaterThanOrEqual(8000);

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
    }, 90_000);
  }
});

describe("idle stop, a real OpenCode busy with a model", () => {
  // OpenCode 1.1 does not reach a provider it would have to install first: the current release only.
  const oc = openCode("current");
  test(`${oc.version}: a session working for longer than IDLE_STOP_AFTER keeps the stack running; once done, it stops`, async () => {
    const root = mkdtempSync(join(tmpdir(), "sandbox-opencode-busy-"));
    const model = startSlowModel(12_000);
    const h = await startHarness({
      env: { IDLE_STOP_AFTER: "3s", IDLE_CHECK_INTERVAL: "200ms", IDLE_WARNING_BEFORE: "1s", HEALTH_TIMEOUT: "20s", PROBE_ATTEMPT_TIMEOUT: "2s" },
      sandbox: {
        stackStopMs: 100,
        openCode: { command: oc.command, match: ["ai-stack-real-"], root, env: { OPENCODE_CONFIG_CONTENT: model.config } },
      },
    });
    try {
      const stack = await deployAndWait(h, "real-busy", { timeoutMs: 40_000 });
      const api = (path: string, init: RequestInit = {}) =>
        fetch(`${h.sandboxUrl}${path}`, {
          ...init,
          headers: { host: "real-busy.stacks.test", "content-type": "application/json", ...basic(stack.credentials.password) },
        });
      const session = (await (await api("/session", { method: "POST", body: "{}" })).json()) as { id: string };
      // The model answers for 12 s; the prompt's request returns when it is done.
      const answered = api(`/session/${session.id}/message`, {
        method: "POST",
        body: JSON.stringify({ model: { providerID: "local", modelID: "slow" }, parts: [{ type: "text", text: "think slowly" }] }),
      });
      let answeredYet = false;
      void answered.finally(() => {
        answeredYet = true;
      });
      // Seen busy while the prompt runs (the details' read may take a while on a loaded machine).
      const busy = await (async () => {
        while (!answeredYet) {
          const d = await details(h, "real-busy", stack.managementToken);
          if (d.idle?.state === "busy") return d.idle;
          await Bun.sleep(100);
        }
        return null;
      })();
      expect(busy).toMatchObject({ state: "busy", stopsAt: null });
      // Longer than IDLE_STOP_AFTER and its warning: still running while the session works.
      await Bun.sleep(5_000);
      expect(answeredYet).toBe(false);
      expect((await details(h, "real-busy", stack.managementToken)).state).toBe("running");
      expect((await answered).status).toBe(200);
      // It was the model that kept it busy (OpenCode is busy from the prompt on, before it asks).
      expect(model.requests()).toBeGreaterThan(0);
      const done = Date.now();
      const stopped = await stoppedNow(h, "real-busy", stack.managementToken, 30_000);
      expect(stopped).toMatchObject({ state: "stopped", stopReason: "idle" });
      expect(Date.parse(stopped.stoppedAt) - done).toBeGreaterThanOrEqual(0);
    } finally {
      await h.stop();
      model.stop();
      rmSync(root, { recursive: true, force: true });
    }
  }, 90_000);
});
