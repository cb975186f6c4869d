import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSandbox } from "../../src/sandbox/index.ts";
import { SANDBOX_KEY, portalEnv, readEvents, waitFor } from "../support/harness.ts";
import { type PortalProcess, spawnPortal } from "../support/process.ts";
import { appNameOf, enginePortalEnv, engineSkipReason, runningContainer } from "./engine.ts";

/**
 * On the real engine: the portal killed in the middle of a start, two stacks deployed at once,
 * and a stack nobody uses stopped by the idle check from its real OpenCode's activity. The
 * portal runs as its own process (SIGKILL), the sandbox Dokploy on the real-engine runtime.
 */

const skip = await engineSkipReason();
const T = 120_000;

describe.skipIf(skip !== null)("the real engine, when things happen at once", () => {
  let sandbox: Awaited<ReturnType<typeof startSandbox>>;
  let portal: PortalProcess;
  let env: Record<string, string>;
  const dataDir = mkdtempSync(join(tmpdir(), "portal-engine-"));
  beforeAll(async () => {
    sandbox = await startSandbox({ apiKey: SANDBOX_KEY, runtime: "docker", deployDurationMs: 0 });
    env = portalEnv(sandbox.url, dataDir, {
      ...enginePortalEnv(),
      // Short, so the idle test is quick; the other tests read their stacks right after they are ready.
      IDLE_STOP_AFTER: "15s",
      IDLE_CHECK_INTERVAL: "2s",
      IDLE_WARNING_BEFORE: "2s",
    });
    portal = await spawnPortal(env);
  }, T);
  afterAll(async () => {
    await portal?.kill("SIGTERM");
    await sandbox?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }, T);

  const deploy = async (name: string) => {
    const res = await fetch(`${portal.url}/api/deploy`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name }),
    });
    expect(res.status).toBe(202);
    return (await res.json()) as { eventsUrl: string; managementToken: string; credentials: { password: string } };
  };
  const answers = (name: string, password: string) =>
    fetch(`${sandbox.url}/global/health`, {
      headers: { host: `${name}.stacks.test`, authorization: `Basic ${Buffer.from(`opencode:${password}`).toString("base64")}` },
    }).then((r) => r.status);

  test(
    "two stacks deployed at once both answer, each with its own password",
    async () => {
      const [a, b] = await Promise.all([deploy("engine-a"), deploy("engine-b")]);
      const [doneA, doneB] = await Promise.all(
        [a, b].map(async (d) => (await readEvents(`${portal.url}${d.eventsUrl}`, { timeoutMs: T })).at(-1)!.data),
      );
      expect([doneA.status, doneB.status]).toEqual(["ready", "ready"]);
      expect([await answers("engine-a", a.credentials.password), await answers("engine-b", b.credentials.password)]).toEqual([200, 200]);
      expect(await answers("engine-a", b.credentials.password)).toBe(401);
    },
    T,
  );

  test(
    "SIGKILL during a start, then a restart: the record ends as Swarm has it, running",
    async () => {
      const stack = await deploy("engine-crash");
      expect((await readEvents(`${portal.url}${stack.eventsUrl}`, { timeoutMs: T })).at(-1)!.data.status).toBe("ready");
      const auth = { authorization: `Bearer ${stack.managementToken}` };
      const stop = (await (await fetch(`${portal.url}/api/stacks/engine-crash/stop`, { method: "POST", headers: auth })).json()) as any;
      expect((await readEvents(`${portal.url}${stop.eventsUrl}`, { timeoutMs: T })).at(-1)!.data.status).toBe("stopped");
      const appName = await appNameOf({ sandboxUrl: sandbox.url }, "engine-crash");
      expect(await runningContainer(appName)).toBeNull();

      const start = (await (await fetch(`${portal.url}/api/stacks/engine-crash/start`, { method: "POST", headers: auth })).json()) as any;
      // Killed while Dokploy's start (Swarm scaling the service up) is still to answer.
      await readEvents(`${portal.url}${start.eventsUrl}`, { until: (e) => e.event === "step" && e.data.step === "start_service", timeoutMs: T });
      await portal.kill("SIGKILL");
      portal = await spawnPortal(env);
      const done = (await readEvents(`${portal.url}${start.eventsUrl}`, { timeoutMs: T })).at(-1)!.data;
      expect(done.status).toBe("ready");
      expect(await runningContainer(appName)).not.toBeNull();
      const details = (await (await fetch(`${portal.url}/api/stacks/engine-crash/details`, { headers: auth })).json()) as any;
      expect(details).toMatchObject({ state: "running", runningOperation: null });
    },
    3 * T,
  );

  test(
    "a stack nobody uses is stopped by the idle check, from its real OpenCode's activity",
    async () => {
      const stack = await deploy("engine-idle");
      expect((await readEvents(`${portal.url}${stack.eventsUrl}`, { timeoutMs: T })).at(-1)!.data.status).toBe("ready");
      const appName = await appNameOf({ sandboxUrl: sandbox.url }, "engine-idle");
      const auth = { authorization: `Bearer ${stack.managementToken}` };
      const stopped = await waitFor(
        async () => (await (await fetch(`${portal.url}/api/stacks/engine-idle/details`, { headers: auth })).json()) as any,
        (d) => d.state === "stopped",
        "the idle stop",
        90_000,
      );
      expect(stopped.stopReason).toBe("idle");
      expect(await runningContainer(appName)).toBeNull();
    },
    2 * T,
  );
});
