import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { probeOnce } from "../../src/stacks/probe/probe-once.ts";
import { type Harness, deployAndWait, readEvents, sandboxState, startHarness } from "../support/harness.ts";
import { RELEASES, openCode } from "../support/opencode.ts";

/**
 * A real `opencode serve` behind the sandbox for one stack, once with each release the fleet
 * runs (package.json's opencode field: current, the image's; previous, the one being rolled
 * off): the probe waits for the real server, basic auth and the password rotation are
 * enforced by it, and its sessions live on the data volume through a redeploy. One process
 * (about 250 MB) at a time: the updates are stop-first.
 */

for (const release of RELEASES) {
  const oc = openCode(release);
  describe(`a real OpenCode ${oc.version} (${release}) behind the sandbox`, () => {
    const root = mkdtempSync(join(tmpdir(), "sandbox-opencode-"));
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness({
        env: { HEALTH_TIMEOUT: "30s", PROBE_ATTEMPT_TIMEOUT: "2s" },
        sandbox: { stackStopMs: 200, openCode: { command: oc.command, match: ["ai-stack-real-"], root } },
      });
    });
    afterAll(async () => {
      await h.stop();
      rmSync(root, { recursive: true, force: true });
    });

    const basic = (password: string, user = "opencode") => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}` });
    const stack = (path: string, password?: string, init: RequestInit = {}) =>
      fetch(`${h.sandboxUrl}${path}`, { ...init, headers: { host: "real-one.stacks.test", ...(password ? basic(password) : {}), ...init.headers } });

    test("deploy waits for the real server; a new password locks the old one out; sessions survive the redeploy", async () => {
      const deployed = await deployAndWait(h, "real-one", { timeoutMs: 40_000 });
      expect(deployed.done.data.status).toBe("ready");
      const password = deployed.credentials.password;
      const health = await stack("/global/health", password);
      expect(health.status).toBe(200);
      // The real server says its own version, not the emulation's "sandbox".
      expect(((await health.json()) as any).version).toBe(oc.version);

      // Basic auth on every route the portal uses, and the user name counts too.
      for (const path of ["/", "/global/health", "/session", "/session/status"]) {
        expect({ path, without: (await stack(path)).status }).toEqual({ path, without: 401 });
      }
      expect((await stack("/global/health", undefined, { headers: basic(password, "someone") })).status).toBe(401);
      for (const path of ["/session", "/session/status"]) expect({ path, with: (await stack(path, password)).status }).toEqual({ path, with: 200 });
      // What the probe makes of it: up without credentials (401 is OpenCode's own answer).
      const probed = await probeOnce({ url: `${h.sandboxUrl}/`, hostHeader: "real-one.stacks.test" }, { timeoutMs: 5_000 });
      expect(probed).toEqual({ up: true, status: 401 });

      const created = await stack("/session", password, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ title: "kept across redeploys" }),
      });
      expect(created.status).toBe(200);
      const session = (await created.json()) as any;
      expect(((await (await stack("/session/status", password)).json()) as Record<string, unknown>)[session.id] ?? { type: "idle" }).toEqual({
        type: "idle",
      });

      const res = await fetch(`${h.url}/api/stacks/real-one/password`, {
        method: "POST",
        headers: { authorization: `Bearer ${deployed.managementToken}` },
      });
      expect(res.status).toBe(202);
      const rotated = (await res.json()) as any;
      const events = await readEvents(`${h.url}${rotated.eventsUrl}`, { timeoutMs: 40_000 });
      expect(events.at(-1)!.data.status).toBe("ready");

      expect((await stack("/global/health", password)).status).toBe(401);
      expect((await stack("/global/health", rotated.credentials.password)).status).toBe(200);
      const sessions = (await (await stack("/session", rotated.credentials.password)).json()) as any[];
      expect(sessions.map((s) => s.id)).toContain(session.id);
      const svc = (await sandboxState(h)).services.find((s: any) => s.hosts.includes("real-one.stacks.test"));
      expect(svc.maxTasks).toBe(1);
      expect(svc.updates.map((u: any) => u.order)).toEqual(["stop-first"]);
      // The sessions are on the data volume (mounted at ~/.local/share/opencode in the image):
      // 1.1 keeps files under storage/, later releases a SQLite database.
      const volume = join(root, "volumes", "portal-ai-data-real-one", "opencode");
      expect(readdirSync(volume)).toContain(oc.version.startsWith("1.1.") ? "storage" : "opencode.db");
      if (oc.version.startsWith("1.1.")) expect(existsSync(join(volume, "storage", "session"))).toBe(true);
      // The container's output is the real server's.
      const logs = (await (
        await fetch(`${h.url}/api/stacks/real-one/logs`, { headers: { authorization: `Bearer ${deployed.managementToken}` } })
      ).json()) as any;
      expect(logs.container.lines.join("\n")).toContain("opencode server listening on http://127.0.0.1:");
    }, 90_000);
  });
}
