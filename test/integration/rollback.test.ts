import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { type Harness, deployAndWait, sandboxState, startHarness } from "../support/harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ env: { DOKPLOY_TIMEOUT: "300ms", DEPLOY_TIMEOUT: "1500ms", HEALTH_TIMEOUT: "800ms", DOKPLOY_CIRCUIT_FAILURES: "50" } });
});
afterAll(() => h.stop());
afterEach(async () => {
  await fetch(`${h.sandboxUrl}/__sandbox/faults`, { method: "DELETE" });
});

const fault = (f: Record<string, unknown>, on: Harness = h) =>
  fetch(`${on.sandboxUrl}/__sandbox/faults`, { method: "POST", body: JSON.stringify(f) }).then((r) => {
    if (!r.ok) throw new Error(`fault not accepted: ${r.status}`);
  });

/** Nothing of the stack is left in Dokploy: no project, application, domain or mount. */
async function expectNothingLeft(name: string, on: Harness = h) {
  const state = await sandboxState(on);
  expect(state.projects.filter((p: any) => p.name === `ai-stack-${name}`)).toEqual([]);
  expect(state.applications.filter((a: any) => a.name === `ai-stack-${name}`)).toEqual([]);
  expect(state.domains.filter((d: any) => d.host === `${name}.stacks.test`)).toEqual([]);
  expect(state.mounts.filter((m: any) => m.volumeName === `portal-ai-workspace-${name}`)).toEqual([]);
  expect(state.orphanedServices ?? []).toEqual([]);
}

const PROCEDURES = [
  "project.create",
  "application.create",
  "application.saveDockerProvider",
  "application.saveEnvironment",
  "mounts.create",
  "domain.create",
  "application.deploy",
  "deployment.all",
];

describe("a failure at each Dokploy procedure rolls everything back", () => {
  // Its own portal: a call must time out for "timeout", yet a plain call on a busy machine must
  // not (300 ms did not hold at load 13), and the deploy's wait outlasts the retried reads.
  let hp: Harness;
  beforeAll(async () => {
    hp = await startHarness({ env: { DOKPLOY_TIMEOUT: "1s", DEPLOY_TIMEOUT: "6s", HEALTH_TIMEOUT: "800ms", DOKPLOY_CIRCUIT_FAILURES: "50" } });
  });
  afterAll(() => hp.stop());
  afterEach(async () => {
    await fetch(`${hp.sandboxUrl}/__sandbox/faults`, { method: "DELETE" });
  });
  const kinds: [string, Record<string, unknown>, string[]][] = [
    ["500", { kind: "status", status: 500, message: "boom" }, ["dokploy_unavailable"]],
    ["400", { kind: "status", status: 400, message: "no" }, ["dokploy_rejected"]],
    ["timeout", { kind: "hang" }, ["dokploy_unavailable"]],
    ["dropped connection", { kind: "drop" }, ["dokploy_unavailable"]],
  ];
  let n = 0;
  for (const procedure of PROCEDURES) {
    for (const [label, spec, codes] of kinds) {
      test(`${procedure}: ${label}`, async () => {
        const name = `rb${n++}`;
        // No `times`: the fault holds until cleared, so retried reads fail too.
        await fault({ procedure, ...spec }, hp);
        const result = await deployAndWait(hp, name);
        expect(result.done.data.status).toBe("failed");
        expect(codes).toContain(result.done.data.error.code);
        // Dokploy's words are for the owner (and the admin), not for the public stream.
        expect(result.done.data.error.message).not.toContain(procedure);
        await fetch(`${hp.sandboxUrl}/__sandbox/faults`, { method: "DELETE" });
        await expectNothingLeft(name, hp);
        const owner = { authorization: `Bearer ${result.managementToken}` };
        const snap = (await (await fetch(`${hp.url}${result.statusUrl}`, { headers: owner })).json()) as any;
        expect(snap.status).toBe("failed");
        expect(snap.error.detail).toContain(procedure);
        expect(snap.leftovers).toEqual([]);
        // The name is free again.
        const check = (await (await fetch(`${hp.url}/api/check/${name}`)).json()) as any;
        expect(check.available).toBe(true);
      });
    }
  }
});

describe("Dokploy's own deploy outcome", () => {
  test("a deploy that ends in error is rolled back as deploy_failed, and its log reaches the server log", async () => {
    await fault({ kind: "deploy_error", match: "ai-stack-broken" });
    const result = await deployAndWait(h, "broken");
    expect(result.done.data.error.code).toBe("deploy_failed");
    await expectNothingLeft("broken");
    expect(h.logs.some((l) => l.includes("Dokploy deploy failed") && l.includes("Initializing deployment"))).toBe(true);
  });

  test("a deploy Dokploy never picks up times out and is rolled back", async () => {
    await fault({ kind: "deploy_never_picked", match: "ai-stack-stuck" });
    const result = await deployAndWait(h, "stuck");
    expect(result.events.some((e) => e.event === "step" && e.data.step === "wait_running" && e.data.state === "queued")).toBe(true);
    expect(result.done.data.error.code).toBe("deploy_timeout");
    await expectNothingLeft("stuck");
  });

  test("a stack that never answers fails as health_timeout and is rolled back", async () => {
    await fault({ kind: "stack_never_ready", match: "ai-stack-silent" });
    const result = await deployAndWait(h, "silent");
    expect(result.done.data.error.code).toBe("health_timeout");
    await expectNothingLeft("silent");
  });
});

describe("the rollback itself", () => {
  test("a compensation that fails at first is retried to the end", async () => {
    await fault({ kind: "stack_never_ready", match: "ai-stack-retry" });
    await fault({ procedure: "application.delete", kind: "status", status: 503, times: 2 });
    await fault({ procedure: "project.remove", kind: "drop", times: 1 });
    const result = await deployAndWait(h, "retry");
    expect(result.done.data.error.code).toBe("health_timeout");
    expect(result.done.data.leftovers).toBeUndefined();
    await expectNothingLeft("retry");
  });

  test("what cannot be removed is recorded and reported, and the name stays held", async () => {
    await fault({ kind: "stack_never_ready", match: "ai-stack-stubborn" });
    await fault({ procedure: "application.delete", kind: "status", status: 503 });
    const result = await deployAndWait(h, "stubborn");
    expect(result.done.data.status).toBe("failed");
    expect(result.done.data.leftovers).toEqual([
      expect.objectContaining({ kind: "application" }),
      expect.objectContaining({ kind: "project", error: "could not be removed" }),
    ]);
    // Why, in the portal's and Dokploy's words, is for the owner and the admin.
    const snap = (await (
      await fetch(`${h.url}${result.statusUrl}`, { headers: { authorization: `Bearer ${result.managementToken}` } })
    ).json()) as any;
    expect(snap.leftovers).toEqual([
      expect.objectContaining({ kind: "application", error: expect.stringContaining("application.delete") }),
      expect.objectContaining({ kind: "project", error: expect.stringContaining("kept") }),
    ]);
    const status = (await (await fetch(`${h.url}/api/stacks/stubborn`)).json()) as any;
    expect(status.status).toBe("cleanup_failed");
    // The project was kept: removing it would orphan the application's service.
    const state = await sandboxState(h);
    expect(state.projects.some((p: any) => p.name === "ai-stack-stubborn")).toBe(true);
    expect(h.logs.some((l) => l.includes("rollback left resources behind"))).toBe(true);
    // Once Dokploy recovers, deleting the stack finishes the job.
    await fetch(`${h.sandboxUrl}/__sandbox/faults`, { method: "DELETE" });
    const del = await fetch(`${h.url}/api/stack/stubborn`, { method: "DELETE", headers: { authorization: `Bearer ${result.managementToken}` } });
    expect(del.status).toBe(202);
    const body = (await del.json()) as any;
    const { readEvents } = await import("../support/harness.ts");
    const events = await readEvents(`${h.url}${body.eventsUrl}`);
    expect(events.at(-1)!.data.status).toBe("deleted");
    await expectNothingLeft("stubborn");
  });
});
