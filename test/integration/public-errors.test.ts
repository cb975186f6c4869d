import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ADMIN_TOKEN, type Harness, deploy, readEvents, startHarness } from "../support/harness.ts";

/** Dokploy's error text reaches the log (scrubbed) and the owner and admin, never the public. */

const json = async (res: Response) => (await res.json()) as any;
const DOKPLOY_TEXT = "Domain could not be written: password=hunter2 rejected";

describe("Dokploy's error text", () => {
  let h: Harness;
  let accepted: any;
  let done: any;
  beforeAll(async () => {
    h = await startHarness();
    await fetch(`${h.sandboxUrl}/__sandbox/faults`, {
      method: "POST",
      body: JSON.stringify({ procedure: "domain.create", kind: "status", status: 400, message: DOKPLOY_TEXT, times: 1 }),
    });
    accepted = (await deploy(h, "leaky")).body;
    done = (await readEvents(`${h.url}${accepted.eventsUrl}`)).at(-1);
  });
  afterAll(() => h.stop());

  test("the public snapshot and event stream carry the portal's own message per code", async () => {
    expect(done.data.error.code).toBe("dokploy_rejected");
    // The stack's status hands out the deployment id to anyone.
    const status = await json(await fetch(`${h.url}/api/stacks/leaky`));
    const snapshot = await json(await fetch(`${h.url}/api/deployments/${status.deploymentId}`));
    const stream = await (await fetch(`${h.url}${accepted.eventsUrl}`)).text();
    for (const text of [JSON.stringify(snapshot), stream]) {
      expect(text).not.toContain("hunter2");
      expect(text).not.toContain("Domain could not be written");
      expect(text).not.toContain("domain.create");
      expect(text).not.toContain('"detail"');
    }
    expect(snapshot.error).toEqual({ code: "dokploy_rejected", message: done.data.error.message });
    expect(snapshot.steps.find((s: any) => s.step === "configure").error.code).toBe("dokploy_rejected");
  });

  test("the owner's and the admin's snapshot add Dokploy's detail, scrubbed; a wrong token gets 403", async () => {
    for (const token of [accepted.managementToken, ADMIN_TOKEN]) {
      const res = await fetch(`${h.url}${accepted.statusUrl}`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      const snapshot = await json(res);
      expect(snapshot.error.code).toBe("dokploy_rejected");
      expect(snapshot.error.detail).toContain("domain.create");
      expect(snapshot.error.detail).toContain("Domain could not be written");
      expect(JSON.stringify(snapshot)).not.toContain("hunter2");
    }
    const wrong = await fetch(`${h.url}${accepted.statusUrl}`, { headers: { authorization: "Bearer mt_not-the-token" } });
    expect(wrong.status).toBe(403);
    expect((await json(wrong)).error.code).toBe("forbidden");
  });

  test("the log has Dokploy's text without the secret", () => {
    const logs = h.logs.join("\n");
    expect(logs).toContain("Domain could not be written");
    expect(logs).not.toContain("hunter2");
  });
});
