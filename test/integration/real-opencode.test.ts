import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findOpenCodeBinary } from "../../src/sandbox/opencode-process.ts";
import { type Harness, deployAndWait, readEvents, sandboxState, startHarness } from "../support/harness.ts";

/**
 * A real `opencode serve` (npm opencode-ai, the version the stack image pins) behind the
 * sandbox for one stack: the probe waits for the real server, the password rotation is
 * enforced by it, and its sessions live on the data volume through a redeploy. One process
 * (about 250 MB) at a time: the updates are stop-first.
 */

const OPENCODE = findOpenCodeBinary(join(import.meta.dir, "../../node_modules")) ?? "opencode";
const root = mkdtempSync(join(tmpdir(), "sandbox-opencode-"));
let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    env: { HEALTH_TIMEOUT: "20s", PROBE_ATTEMPT_TIMEOUT: "2s" },
    sandbox: { stackStopMs: 200, openCode: { command: OPENCODE, match: ["ai-stack-real-"], root } },
  });
});
afterAll(async () => {
  await h.stop();
  rmSync(root, { recursive: true, force: true });
});

const basic = (password: string) => ({ authorization: `Basic ${Buffer.from(`opencode:${password}`).toString("base64")}` });
const stack = (path: string, password?: string, init: RequestInit = {}) =>
  fetch(`${h.sandboxUrl}${path}`, { ...init, headers: { host: "real-one.stacks.test", ...(password ? basic(password) : {}), ...init.headers } });

describe("a real OpenCode behind the sandbox", () => {
  test("deploy waits for the real server; a new password locks the old one out; sessions survive the redeploy", async () => {
    const deployed = await deployAndWait(h, "real-one", { timeoutMs: 40_000 });
    expect(deployed.done.data.status).toBe("ready");
    const health = await stack("/global/health", deployed.credentials.password);
    expect(health.status).toBe(200);
    // The real server says its own version, not the emulation's "sandbox".
    expect(((await health.json()) as any).version).toBe("1.1.34");
    expect((await stack("/global/health")).status).toBe(401);

    const created = await stack("/session", deployed.credentials.password, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: "kept across redeploys" }),
    });
    expect(created.status).toBe(200);
    const session = (await created.json()) as any;

    const res = await fetch(`${h.url}/api/stacks/real-one/password`, {
      method: "POST",
      headers: { authorization: `Bearer ${deployed.managementToken}` },
    });
    expect(res.status).toBe(202);
    const rotated = (await res.json()) as any;
    const events = await readEvents(`${h.url}${rotated.eventsUrl}`, { timeoutMs: 30_000 });
    expect(events.at(-1)!.data.status).toBe("ready");

    expect((await stack("/global/health", deployed.credentials.password)).status).toBe(401);
    expect((await stack("/global/health", rotated.credentials.password)).status).toBe(200);
    const sessions = (await (await stack("/session", rotated.credentials.password)).json()) as any[];
    expect(sessions.map((s) => s.id)).toContain(session.id);
    const svc = (await sandboxState(h)).services.find((s: any) => s.hosts.includes("real-one.stacks.test"));
    expect(svc.maxTasks).toBe(1);
    expect(svc.updates.map((u: any) => u.order)).toEqual(["stop-first"]);
    // The container's output is the real server's.
    const logs = (await (
      await fetch(`${h.url}/api/stacks/real-one/logs`, { headers: { authorization: `Bearer ${deployed.managementToken}` } })
    ).json()) as any;
    expect(logs.container.lines.join("\n")).toContain("opencode server listening on http://127.0.0.1:");
  }, 60_000);
});
