import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ADMIN_TOKEN, type Harness, deployAndWait, readEvents, startHarness } from "../support/harness.ts";
import { type HistoryTemplates, seedHistory } from "../support/history.ts";

/**
 * Retention on a real portal with a seeded history: a finished deployment's events and report
 * go after HISTORY_RETENTION while its row and outcome stay (the snapshot, the event stream and
 * the stack's history list still say how it ended); audit entries go after AUDIT_RETENTION; a
 * deleted stack's history goes after its quarantine, its volume lineage stays; and the space
 * comes back to the file system.
 */

const DAY_MS = 86_400_000;
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    env: { RETENTION_INTERVAL: "0", HISTORY_RETENTION: "7d", AUDIT_RETENTION: "30d", NAME_QUARANTINE_DAYS: "1" },
  });
});
afterAll(() => h.stop());

const db = () => h.portal.store.db;
const count = (sql: string, ...args: (string | number)[]) =>
  (
    db()
      .query(sql)
      .get(...args) as { n: number }
  ).n;
const iso = (msAgo: number) => new Date(Date.now() - msAgo).toISOString();

async function operate(name: string, op: string, token: string): Promise<string> {
  const res = await fetch(`${h.url}/api/stacks/${name}/${op}`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(202);
  const body = (await res.json()) as { deploymentId: string; eventsUrl: string };
  await readEvents(`${h.url}${body.eventsUrl}`);
  return body.deploymentId;
}

async function metric(name: string): Promise<number | null> {
  const text = await (await fetch(`${h.url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(name));
  return line ? Number(line.split(" ").at(-1)) : null;
}

describe("retention", () => {
  let stackId: number;
  let token: string;
  let oldest: string;
  let failedId: string;

  test("events and reports of operations older than HISTORY_RETENTION go; each row and its outcome stay; the file shrinks", async () => {
    const stack = await deployAndWait(h, "hana");
    token = stack.managementToken;
    const templates: HistoryTemplates = {
      stop: await operate("hana", "stop", token),
      start: await operate("hana", "start", token),
      redeploy: await operate("hana", "redeploy", token),
    };
    await h.portal.runner.settle();
    stackId = h.portal.store.stacks.live("hana")!.id;
    // A failed deploy with its report (the rollback's cleanup and Dokploy's log), from 20 days ago.
    await h.sandbox.addFault({ kind: "deploy_error", match: "ai-stack-broken" });
    const failed = await deployAndWait(h, "broken");
    failedId = failed.deploymentId;
    expect(count("SELECT COUNT(*) AS n FROM deployment_reports WHERE deployment_id = ?", failedId)).toBe(1);
    db()
      .query("UPDATE deployments SET created_at = ?, finished_at = ? WHERE id = ?")
      .run(iso(20 * DAY_MS), iso(20 * DAY_MS - 5_000), failedId);

    const seeded = seedHistory(db(), templates, { stackIds: [stackId], days: 60 });
    expect(seeded.operations).toBeGreaterThan(100);
    oldest = (db().query("SELECT id FROM deployments WHERE stack_id = ? ORDER BY created_at LIMIT 1").get(stackId) as { id: string }).id;
    const cutoff = iso(7 * DAY_MS);
    const rowsBefore = count("SELECT COUNT(*) AS n FROM deployments");
    const recentEvents = count(
      "SELECT COUNT(*) AS n FROM deployment_events e JOIN deployments d ON d.id = e.deployment_id WHERE d.finished_at >= ? OR d.finished_at IS NULL",
      cutoff,
    );
    const sizeBefore = h.portal.store.size().bytes;

    const pass = await h.portal.retention.runOnce();

    expect(pass.history).toBeGreaterThan(0);
    expect(count("SELECT COUNT(*) AS n FROM deployment_events e JOIN deployments d ON d.id = e.deployment_id WHERE d.finished_at < ?", cutoff)).toBe(
      0,
    );
    expect(count("SELECT COUNT(*) AS n FROM deployment_reports WHERE deployment_id = ?", failedId)).toBe(0);
    // The last week is untouched, and so is every row.
    expect(
      count(
        "SELECT COUNT(*) AS n FROM deployment_events e JOIN deployments d ON d.id = e.deployment_id WHERE d.finished_at >= ? OR d.finished_at IS NULL",
        cutoff,
      ),
    ).toBe(recentEvents);
    expect(count("SELECT COUNT(*) AS n FROM deployments")).toBe(rowsBefore);
    const size = h.portal.store.size();
    expect(size.bytes).toBeLessThan(sizeBefore);
    expect(size.freeBytes).toBe(0);
    expect(pass.freedBytes).toBeGreaterThan(0);
    expect(await metric('portal_retention_pruned_rows_total{kind="history"}')).toBe(pass.history);
    expect(await metric("portal_database_bytes")).toBe(size.bytes);
    expect(await metric("portal_retention_last_pass_timestamp_seconds")).toBeGreaterThan(0);
  });

  test("a pruned deployment still says how it ended: snapshot, event stream, history list", async () => {
    const owner = { authorization: `Bearer ${token}` };
    const snap = (await (await fetch(`${h.url}/api/deployments/${oldest}`, { headers: owner })).json()) as any;
    expect(snap).toMatchObject({ status: "succeeded", historyPruned: true, steps: [], queuePosition: null });
    expect(snap.lastEventId).toBeGreaterThan(1);
    const events = await readEvents(`${h.url}/api/deployments/${oldest}/events`, { headers: owner });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ event: "done", id: String(snap.lastEventId) });
    expect(["stopped", "ready"]).toContain(events[0]!.data.status);
    // Seen to the end: 204, as for any finished deployment.
    const again = await fetch(`${h.url}/api/deployments/${oldest}/events`, { headers: { ...owner, "last-event-id": String(snap.lastEventId) } });
    expect(again.status).toBe(204);
    const failed = (await (await fetch(`${h.url}/api/deployments/${failedId}`, { headers: admin })).json()) as any;
    expect(failed).toMatchObject({ status: "failed", historyPruned: true, error: { code: "deploy_failed" } });
    const details = (await (await fetch(`${h.url}/api/stacks/hana/details`, { headers: owner })).json()) as any;
    expect(details.operations).toHaveLength(10);
  });

  test("audit entries older than AUDIT_RETENTION go, the rest stay", async () => {
    const cutoff = iso(30 * DAY_MS);
    expect(count("SELECT COUNT(*) AS n FROM audit WHERE at < ?", cutoff)).toBe(0);
    expect(count("SELECT COUNT(*) AS n FROM audit WHERE at >= ? AND stack_name = 'hana'", cutoff)).toBeGreaterThan(20);
    expect(count("SELECT COUNT(*) AS n FROM audit WHERE action = 'deploy' AND stack_name = 'broken'")).toBe(1);
    expect(await metric('portal_retention_pruned_rows_total{kind="audit"}')).toBeGreaterThan(0);
  });

  test("a deleted stack's history goes once its quarantine is over; its row stays, so a new owner still gets new volumes", async () => {
    const ida = await deployAndWait(h, "ida");
    const del = await fetch(`${h.url}/api/stacks/ida`, { method: "DELETE", headers: { authorization: `Bearer ${ida.managementToken}` } });
    expect(del.status).toBe(202);
    await readEvents(`${h.url}${((await del.json()) as { eventsUrl: string }).eventsUrl}`);
    const id = (db().query("SELECT id FROM stacks WHERE name = 'ida'").get() as { id: number }).id;
    expect(count("SELECT COUNT(*) AS n FROM deployments WHERE stack_id = ?", id)).toBe(2);
    // Deleted 10 days ago: past its quarantine (1 day) and HISTORY_RETENTION (7 days).
    db()
      .query("UPDATE stacks SET deleted_at = ? WHERE id = ?")
      .run(iso(10 * DAY_MS), id);

    // Its node stays known until its volumes are let go (volume-reaper.ts needs it to find them).
    expect((await h.portal.retention.runOnce()).deletedStacks).toBeGreaterThan(0);
    expect(count("SELECT COUNT(*) AS n FROM deployments WHERE stack_id = ?", id)).toBe(0);
    expect(count("SELECT COUNT(*) AS n FROM stack_placements WHERE stack_id = ?", id)).toBe(1);
    expect(await h.portal.volumes.run()).toEqual([{ stack: "ida", outcome: "removed", volumes: ["portal-ai-workspace-ida", "portal-ai-data-ida"] }]);
    db().query("UPDATE stacks SET pruned_at = NULL WHERE id = ?").run(id);
    await h.portal.retention.runOnce();
    expect(count("SELECT COUNT(*) AS n FROM stack_placements WHERE stack_id = ?", id)).toBe(0);
    const row = db().query("SELECT status, pruned_at, volume_generation FROM stacks WHERE id = ?").get(id) as any;
    expect(row).toMatchObject({ status: "deleted", volume_generation: 0 });
    expect(row.pruned_at).not.toBeNull();
    // Someone else takes the name: volumes of a generation never used, not the deleted stack's.
    const next = await deployAndWait(h, "ida");
    expect(next.done.data.status).toBe("ready");
    const list = (await (await fetch(`${h.url}/api/stacks`, { headers: admin })).json()) as any;
    expect(list.stacks.find((s: any) => s.name === "ida").volumeGeneration).toBe(1);
    // The live stacks' history was not touched by it.
    expect(count("SELECT COUNT(*) AS n FROM deployments WHERE stack_id = ?", stackId)).toBeGreaterThan(100);
  });
});
