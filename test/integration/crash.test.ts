import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSandbox } from "../../src/sandbox/index.ts";
import { SANDBOX_KEY, deploy, portalEnv, readEvents, sandboxState, waitFor } from "../support/harness.ts";
import { spawnPortal } from "../support/process.ts";

/**
 * The portal is killed with SIGKILL during each step of a deploy, then started again on
 * the same data directory. Every deployment must reach a terminal state, and Dokploy must
 * hold either the complete, ready stack or nothing of it: never an orphan.
 */

/** Each test its own sandbox Dokploy (its holds and faults are global), so that the tests run side by side. */
async function crashSandbox() {
  const sandbox = await startSandbox({ apiKey: SANDBOX_KEY, deployDurationMs: 60, stackStartMs: 20 });
  const h = { sandboxUrl: sandbox.url };
  const control = (path: string, body?: unknown, method = "POST") =>
    fetch(`${sandbox.url}/__sandbox/${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
  /** Let anything the dead portal had sent finish inside Dokploy (a held call runs to its end). */
  const deadPortalsCallsDone = () =>
    waitFor(
      () => sandboxState(h),
      (s) => s.inFlight === 0,
      "the dead portal's calls to end",
    );
  return { sandbox, h, control, deadPortalsCallsDone };
}

type CrashSandbox = Awaited<ReturnType<typeof crashSandbox>>;

/** Where to kill, and how to hold the deploy there long enough. */
const STEPS: [string, (control: CrashSandbox["control"]) => Promise<unknown>, "rolled_back" | "ready"][] = [
  ["create_project", (control) => control("faults", { procedure: "project.create", kind: "latency", ms: 1500, times: 1 }), "rolled_back"],
  ["create_application", (control) => control("faults", { procedure: "application.create", kind: "latency", ms: 1500, times: 1 }), "rolled_back"],
  ["configure", (control) => control("faults", { procedure: "domain.create", kind: "latency", ms: 1500, times: 1 }), "rolled_back"],
  ["deploy", (control) => control("faults", { procedure: "application.deploy", kind: "latency", ms: 1500, times: 1 }), "rolled_back"],
  ["wait_running", (control) => control("settings", { deployDurationMs: 2500 }), "ready"],
  ["wait_healthy", (control) => control("settings", { stackStartMs: 2500 }), "ready"],
];

describe("crash recovery", () => {
  for (const [step, hold, outcome] of STEPS) {
    test.concurrent(`SIGKILL during ${step}, restart: ${outcome === "ready" ? "resumed to ready" : "rolled back"}, no orphan`, async () => {
      const { sandbox, h, control, deadPortalsCallsDone } = await crashSandbox();
      const name = `crash-${step.replace("_", "-")}`;
      const dataDir = mkdtempSync(join(tmpdir(), "portal-crash-"));
      const env = portalEnv(sandbox.url, dataDir, { DOKPLOY_TIMEOUT: "3s", DEPLOY_TIMEOUT: "8s", HEALTH_TIMEOUT: "8s" });
      try {
        await hold(control);
        let portal = await spawnPortal(env);
        const { status, body: accepted } = await deploy(portal, name);
        expect(status).toBe(202);
        await readEvents(`${portal.url}${accepted.eventsUrl}`, {
          until: (e) => e.event === "step" && e.data.step === step && e.data.state === "started",
        });
        await Bun.sleep(100);
        await portal.kill("SIGKILL");
        await deadPortalsCallsDone();
        await control("settings", { deployDurationMs: 60, stackStartMs: 20 });

        portal = await spawnPortal(env);
        try {
          const events = await readEvents(`${portal.url}${accepted.eventsUrl}`);
          const done = events.at(-1)!;
          expect(done.event).toBe("done");
          expect(events.some((e) => e.event === "status" && e.data.status === "recovering")).toBe(true);
          const state = await sandboxState(h);
          const projects = state.projects.filter((p: any) => p.name === `ai-stack-${name}`);
          const apps = state.applications.filter((a: any) => a.name === `ai-stack-${name}`);
          if (outcome === "ready") {
            expect(done.data.status).toBe("ready");
            expect(projects.length).toBe(1);
            expect(apps.length).toBe(1);
          } else {
            expect(done.data).toMatchObject({ status: "failed", error: { code: "interrupted" } });
            expect(projects).toEqual([]);
            expect(apps).toEqual([]);
          }
          expect(state.orphanedServices ?? []).toEqual([]);
          const snap = (await (await fetch(`${portal.url}${accepted.statusUrl}`)).json()) as any;
          expect(snap.status).not.toBe("running");
        } finally {
          await portal.kill("SIGTERM");
        }
      } finally {
        await sandbox.stop();
        rmSync(dataDir, { recursive: true, force: true });
      }
    }, 30_000);
  }

  test.concurrent("SIGKILL during a delete, restart: the delete finishes", async () => {
    const { sandbox, h, control, deadPortalsCallsDone } = await crashSandbox();
    const dataDir = mkdtempSync(join(tmpdir(), "portal-crash-"));
    const env = portalEnv(sandbox.url, dataDir);
    try {
      let portal = await spawnPortal(env);
      const res = await fetch(`${portal.url}/api/deploy`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "crash-delete" }),
      });
      const accepted = (await res.json()) as any;
      await readEvents(`${portal.url}${accepted.eventsUrl}`);
      await control("faults", { procedure: "application.delete", kind: "latency", ms: 1500, times: 1 });
      const del = (await (
        await fetch(`${portal.url}/api/stack/crash-delete`, { method: "DELETE", headers: { authorization: `Bearer ${accepted.managementToken}` } })
      ).json()) as any;
      await readEvents(`${portal.url}${del.eventsUrl}`, { until: (e) => e.event === "step" && e.data.step === "delete_application" });
      await portal.kill("SIGKILL");
      await deadPortalsCallsDone();
      portal = await spawnPortal(env);
      try {
        const events = await readEvents(`${portal.url}${del.eventsUrl}`);
        expect(events.at(-1)!.data.status).toBe("deleted");
        const state = await sandboxState(h);
        expect(state.projects.filter((p: any) => p.name === "ai-stack-crash-delete")).toEqual([]);
        expect(state.applications.filter((a: any) => a.name === "ai-stack-crash-delete")).toEqual([]);
      } finally {
        await portal.kill("SIGTERM");
      }
    } finally {
      await sandbox.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 30_000);
});
