import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ADMIN_TOKEN, type Harness, deployAndWait, readEvents, startHarness } from "../support/harness.ts";

/**
 * The read-only calls the page uses to explain itself: does a token manage a stack, what a
 * failed deploy removed and kept, the scrubbed tail of Dokploy's log, the portal's pace and
 * quarantine, and the admin's stack history.
 */

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ env: { NAME_QUARANTINE_DAYS: "12" } });
});
afterAll(() => h.stop());

const json = async (res: Response) => (await res.json()) as any;
const fault = (f: Record<string, unknown>) => fetch(`${h.sandboxUrl}/__sandbox/faults`, { method: "POST", body: JSON.stringify(f) });
const clearFaults = () => fetch(`${h.sandboxUrl}/__sandbox/faults`, { method: "DELETE" });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe("GET /api/stacks/:name/access", () => {
  test("says whether a token manages a live stack, and nothing more without it", async () => {
    const stack = await deployAndWait(h, "acc-one");
    const other = await deployAndWait(h, "acc-two");
    const url = `${h.url}/api/stacks/acc-one/access`;

    const none = await fetch(url);
    expect(none.status).toBe(401);
    expect((await json(none)).error.code).toBe("unauthorized");
    const wrong = await fetch(url, { headers: bearer(other.managementToken) });
    expect(wrong.status).toBe(403);
    const wrongBody = await json(wrong);
    expect(wrongBody.error.code).toBe("forbidden");
    expect(JSON.stringify(wrongBody)).not.toContain("acc-one.stacks.test");

    const right = await fetch(url, { headers: bearer(stack.managementToken) });
    expect(right.status).toBe(200);
    expect(right.headers.get("cache-control")).toBe("no-store");
    expect(await json(right)).toEqual({
      name: "acc-one",
      status: "ready",
      url: "https://acc-one.stacks.test",
      actor: "management",
      readyAt: expect.any(String),
    });
    expect((await json(await fetch(url, { headers: bearer(ADMIN_TOKEN) }))).actor).toBe("admin");

    const missing = await fetch(`${h.url}/api/stacks/nobody-here/access`, { headers: bearer(stack.managementToken) });
    expect(missing.status).toBe(404);
    expect((await json(missing)).error.code).toBe("not_found");

    // Read-only: the stack is still there and still ready.
    expect((await json(await fetch(`${h.url}/api/stacks/acc-one`))).status).toBe("ready");
  });
});

describe("GET /api/deployments/:id/report and /log", () => {
  test("a failed deploy: what was removed and kept, and the log tail for its owner only, scrubbed", async () => {
    await fault({
      kind: "deploy_error",
      match: "rep-fail",
      message: "pull access denied: password=hunter2-secret-value Authorization: Bearer abcdefghijklmnop https://bob:s3cretpass@registry.example/x",
      times: 1,
    });
    try {
      const failed = await deployAndWait(h, "rep-fail");
      expect(failed.done.data).toMatchObject({ status: "failed", error: { code: "deploy_failed" } });

      const report = await json(await fetch(`${h.url}/api/deployments/${failed.deploymentId}/report`));
      expect(report).toEqual({
        deploymentId: failed.deploymentId,
        cleanup: { removed: ["application", "domain", "project"], kept: [], left: [] },
        logAvailable: true,
        probes: null,
      });

      const logUrl = `${h.url}/api/deployments/${failed.deploymentId}/log`;
      expect((await fetch(logUrl)).status).toBe(401);
      const other = await deployAndWait(h, "rep-other");
      expect((await fetch(logUrl, { headers: bearer(other.managementToken) })).status).toBe(403);
      const log = await fetch(logUrl, { headers: bearer(failed.managementToken) });
      expect(log.status).toBe(200);
      const { lines } = await json(log);
      expect(lines.length).toBeGreaterThan(0);
      expect(lines.length).toBeLessThanOrEqual(20);
      const text = lines.join("\n");
      expect(text).toContain("pull access denied");
      for (const secret of ["hunter2-secret-value", "abcdefghijklmnop", "s3cretpass", failed.credentials.password])
        expect(text).not.toContain(secret);
      expect(text).toContain("[REDACTED]");
      expect((await fetch(logUrl, { headers: bearer(ADMIN_TOKEN) })).status).toBe(200);
    } finally {
      await clearFaults();
    }
  });

  test("a stack that started before failing keeps its data volume; a failed cleanup says what is left", async () => {
    await fault({ kind: "stack_never_ready", match: "rep-vol", times: 1 });
    await fault({ procedure: "application.delete", kind: "status", status: 500, match: "" });
    try {
      const failed = await deployAndWait(h, "rep-vol");
      expect(failed.done.data.error.code).toBe("health_timeout");
      const report = await json(await fetch(`${h.url}/api/deployments/${failed.deploymentId}/report`));
      expect(report.cleanup).toEqual({
        removed: [],
        kept: [
          { kind: "volume", name: "portal-ai-workspace-rep-vol" },
          { kind: "volume", name: "portal-ai-data-rep-vol" },
        ],
        left: ["application", "project"],
      });
      expect(report.logAvailable).toBe(false);
      // Where the probe looked and what it saw: for the owner, not for anyone with the id.
      expect(report.probes).toBeNull();
      const owned = await json(await fetch(`${h.url}/api/deployments/${failed.deploymentId}/report`, { headers: bearer(failed.managementToken) }));
      expect(owned.probes).toEqual([
        { target: expect.stringContaining("(Host: rep-vol.stacks.test)"), reason: "status_502", status: 502, at: expect.any(String) },
      ]);
      const snap = await json(await fetch(`${h.url}/api/deployments/${failed.deploymentId}`, { headers: bearer(failed.managementToken) }));
      expect(snap.error.detail).toMatch(/\(Host: rep-vol\.stacks\.test\): status 502 at \d\d:\d\d:\d\dZ$/);
      const anyone = await json(await fetch(`${h.url}/api/deployments/${failed.deploymentId}`));
      expect(anyone.error).toEqual({ code: "health_timeout", message: "The stack did not answer in time" });
    } finally {
      await clearFaults();
    }
    expect((await fetch(`${h.url}/api/deployments/00000000-0000-4000-8000-000000000000/report`)).status).toBe(404);
  }, 20_000);
});

describe("GET /api/info", () => {
  test("the quarantine and the median of recent successful deploys", async () => {
    const info = await json(await fetch(`${h.url}/api/info`));
    expect(info.nameQuarantineDays).toBe(12);
    const rows = h.portal.store.db
      .query(`SELECT created_at, finished_at FROM deployments WHERE kind = 'deploy' AND status = 'succeeded' ORDER BY finished_at DESC LIMIT 20`)
      .all() as { created_at: string; finished_at: string }[];
    const durations = rows.map((r) => Date.parse(r.finished_at) - Date.parse(r.created_at)).sort((a, b) => a - b);
    expect(info.typicalDeploySamples).toBe(durations.length);
    if (durations.length < 3) expect(info.typicalDeployMs).toBeNull();
    else {
      const mid = durations.length >> 1;
      expect(info.typicalDeployMs).toBe(Math.round(durations.length % 2 ? durations[mid]! : (durations[mid - 1]! + durations[mid]!) / 2));
    }
    // With three successful deploys or more there is a figure.
    for (const name of ["inf-a", "inf-b", "inf-c"]) await deployAndWait(h, name);
    const after = await json(await fetch(`${h.url}/api/info`));
    expect(after.typicalDeployMs).toBeGreaterThan(0);
  });
});

describe("delete: nothing to stop", () => {
  test("the cancel step is skipped when no deploy is running", async () => {
    const stack = await deployAndWait(h, "del-skip");
    const res = await fetch(`${h.url}/api/stacks/del-skip`, { method: "DELETE", headers: bearer(stack.managementToken) });
    const accepted = await json(res);
    const events = await readEvents(`${h.url}${accepted.eventsUrl}`);
    const snapshot = await json(await fetch(`${h.url}/api/deployments/${accepted.deploymentId}`));
    expect(snapshot.steps.find((s: any) => s.step === "cancel_deploy").state).toBe("skipped");
    expect(events.at(-1)!.data.status).toBe("deleted");
  });
});

describe("GET /api/admin/stacks", () => {
  test("each stack with its latest deployment and when a held name is free", async () => {
    expect((await fetch(`${h.url}/api/admin/stacks`)).status).toBe(401);
    expect((await fetch(`${h.url}/api/admin/stacks`, { headers: bearer("not-the-admin-token-000") })).status).toBe(403);
    const stack = await deployAndWait(h, "adm-hist");
    const res = await fetch(`${h.url}/api/stacks/adm-hist`, { method: "DELETE", headers: bearer(stack.managementToken) });
    const deletion = await json(res);
    await readEvents(`${h.url}${deletion.eventsUrl}`);
    const body = await json(await fetch(`${h.url}/api/admin/stacks?all=true`, { headers: bearer(ADMIN_TOKEN) }));
    expect(body.nameQuarantineDays).toBe(12);
    const row = body.stacks.find((s: any) => s.name === "adm-hist");
    expect(row.status).toBe("deleted");
    expect(row.lastDeployment).toMatchObject({ id: deletion.deploymentId, kind: "delete", status: "succeeded", errorCode: null });
    expect(Date.parse(row.nameFreeAt) - Date.parse(row.deletedAt)).toBe(12 * 86_400_000);
    const failed = body.stacks.find((s: any) => s.name === "rep-fail");
    expect(failed).toMatchObject({
      status: "failed",
      nameFreeAt: null,
      lastDeployment: { kind: "deploy", status: "failed", errorCode: "deploy_failed" },
    });
    const live = await json(await fetch(`${h.url}/api/admin/stacks`, { headers: bearer(ADMIN_TOKEN) }));
    expect(live.stacks.some((s: any) => s.name === "adm-hist")).toBe(false);
    expect(JSON.stringify(live)).not.toMatch(/token_?hash|mt_/i);
  });
});
