import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSandbox } from "../../src/sandbox/index.ts";
import { ADMIN_TOKEN, SANDBOX_KEY, portalEnv, readEvents } from "../support/harness.ts";
import { type PortalProcess, spawnPortal } from "../support/process.ts";

/**
 * The portal is killed with SIGKILL in the middle of an image rollout and started again on
 * the same data directory: the rollout goes on where it was and finishes with every stack
 * on the new image and answering.
 */

const OLD = "registry.test/opencode:v1";
const NEW = "registry.test/opencode:v2";
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
const names = Array.from({ length: 12 }, (_, i) => `crash-roll-${String(i + 1).padStart(2, "0")}`);

let sandbox: Awaited<ReturnType<typeof startSandbox>>;
let dataDir: string;
beforeAll(async () => {
  sandbox = await startSandbox({ apiKey: SANDBOX_KEY, deployDurationMs: 60, stackStartMs: 20, buildConcurrency: 6 });
  dataDir = mkdtempSync(join(tmpdir(), "portal-crash-rollout-"));
});
afterAll(async () => {
  await sandbox.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const view = async (portal: PortalProcess, id: string) =>
  (await (await fetch(`${portal.url}/api/admin/rollouts/${id}`, { headers: admin })).json()) as any;

async function until(portal: PortalProcess, id: string, ok: (v: any) => boolean): Promise<any> {
  for (let i = 0; i < 400; i++) {
    const v = await view(portal, id);
    if (ok(v)) return v;
    await Bun.sleep(50);
  }
  throw new Error(`rollout ${id} did not get there: ${JSON.stringify((await view(portal, id)).counts)}`);
}

test("SIGKILL during a rollout, restart: it goes on and every stack ends on the new image, answering", async () => {
  const env = portalEnv(sandbox.url, dataDir, { STACK_IMAGE: OLD, DEPLOY_TIMEOUT: "8s", HEALTH_TIMEOUT: "8s" });
  let portal = await spawnPortal(env);
  try {
    for (const name of names) {
      const accepted = (await (
        await fetch(`${portal.url}/api/deploy`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name }) })
      ).json()) as any;
      expect((await readEvents(`${portal.url}${accepted.eventsUrl}`)).at(-1)!.data.status).toBe("ready");
    }
    // Slow builds, so that the kill lands with redeploys under way.
    await sandbox.sandbox.updateSettings({ deployDurationMs: 300 });
    const res = await fetch(`${portal.url}/api/admin/rollouts`, {
      method: "POST",
      headers: { ...admin, "content-type": "application/json" },
      body: JSON.stringify({ image: NEW, batchSize: 3 }),
    });
    expect(res.status).toBe(202);
    const id = ((await res.json()) as any).rollout.id;
    const before = await until(portal, id, (v) => v.counts.done >= 1 && v.counts.active > 0);
    await portal.kill("SIGKILL");
    expect(before.counts.remaining).toBeGreaterThan(0);

    await sandbox.sandbox.updateSettings({ deployDurationMs: 60 });
    portal = await spawnPortal(env);
    const end = await until(portal, id, (v) => v.rollout.status !== "running");
    expect(end.rollout.status).toBe("finished");
    expect(end.counts).toMatchObject({ done: 12, failed: 0, rollback_failed: 0, remaining: 0 });

    const state = sandbox.sandbox.state();
    for (const name of names) {
      const svc = state.services.find((s) => s.hosts.includes(`${name}.stacks.test`));
      expect(svc?.image).toBe(NEW);
      expect(svc?.state).toBe("running");
      // OpenCode answers (401: it asks for the stack's password).
      expect([200, 401]).toContain((await fetch(`${sandbox.url}/`, { headers: { host: `${name}.stacks.test` } })).status);
    }
    const capacity = (await (await fetch(`${portal.url}/api/admin/capacity`, { headers: admin })).json()) as any;
    expect(capacity.fleet.byImage).toEqual({ [NEW]: 12 });
    // No operation was left running by the kill.
    const list = (await (await fetch(`${portal.url}/api/admin/stacks`, { headers: admin })).json()) as any;
    for (const s of list.stacks) expect(s.lastDeployment.status).not.toBe("running");
  } finally {
    await portal.kill("SIGTERM");
  }
}, 60_000);
