import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { DokployClient, type DokployClientOptions } from "../../src/dokploy/client.ts";
import { DokployError } from "../../src/dokploy/errors.ts";
import { startSandbox } from "../../src/sandbox/index.ts";

const KEY = "client-test-key-0123456789";
let sandbox: Awaited<ReturnType<typeof startSandbox>>;
beforeAll(async () => {
  sandbox = await startSandbox({ apiKey: KEY, deployDurationMs: 30 });
});
afterAll(() => sandbox.stop());
afterEach(async () => {
  await fetch(`${sandbox.url}/__sandbox/faults`, { method: "DELETE" });
});

const client = (opts: Partial<DokployClientOptions> = {}) =>
  new DokployClient({
    baseUrl: sandbox.url,
    apiKey: KEY,
    timeoutMs: 500,
    maxConcurrency: 4,
    circuitFailures: 3,
    circuitCooldownMs: 200,
    ...opts,
  });
const fault = (f: Record<string, unknown>) => fetch(`${sandbox.url}/__sandbox/faults`, { method: "POST", body: JSON.stringify(f) });
const failure = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(DokployError);
    return err as DokployError;
  }
  throw new Error("expected a DokployError");
};
const calls = async (procedure: string) => (((await (await fetch(`${sandbox.url}/__sandbox/state`)).json()) as any).calls[procedure] ?? 0) as number;

describe("Dokploy client against the sandbox over HTTP", () => {
  test("creates a project, an application and reads them back", async () => {
    const c = client();
    const { project, environment } = await c.projectCreate({ name: "ai-stack-client" });
    const app = await c.applicationCreate({ name: "ai-stack-client", appName: "ai-stack-client", environmentId: environment.environmentId });
    expect(app.appName).toMatch(/^ai-stack-client-[a-z0-9]{6}$/);
    expect(
      await c.saveDockerProvider({
        applicationId: app.applicationId,
        dockerImage: "nginx:alpine",
        username: null,
        password: null,
        registryUrl: null,
      }),
    ).toBe(true);
    const detail = await c.applicationOne(app.applicationId);
    expect(detail.applicationStatus).toBe("idle");
    // Secrets Dokploy returns are not passed on by the parser.
    expect(Object.keys(detail)).not.toContain("env");
    expect(Object.keys(detail)).not.toContain("password");
    expect(await c.applicationDeploy({ applicationId: app.applicationId })).toBeUndefined();
    const all = await c.projectAll();
    expect(all.some((p) => p.projectId === project.projectId)).toBe(true);
    await c.applicationDelete(app.applicationId);
    await c.projectRemove(project.projectId);
  });

  test("the wrapper's 401 (bad key) is 'unauthorized' and never carries the key", async () => {
    const err = await failure(client({ apiKey: "not-the-key-secret" }).projectAll());
    expect(err.failure).toBe("unauthorized");
    expect(err.status).toBe(401);
    expect(JSON.stringify(err.toJSON()) + err.message).not.toContain("not-the-key-secret");
  });

  test("tRPC's 401 (permission) is 'rejected', not a bad key", async () => {
    await fault({ procedure: "project.one", kind: "status", status: 401, message: "You are not authorized to access this project" });
    const err = await failure(client().projectOne("x"));
    expect(err.failure).toBe("rejected");
    expect(err.code).toBe("UNAUTHORIZED");
  });

  test("validation errors are 'rejected' with Dokploy's code and message", async () => {
    const err = await failure(client().projectCreate({ name: "" }));
    expect(err).toMatchObject({ failure: "rejected", status: 400, code: "BAD_REQUEST", procedure: "project.create" });
    expect(err.message).toBe("Input validation failed");
  });

  test("unknown ids are 'not_found'", async () => {
    const err = await failure(client().applicationOne("does-not-exist"));
    expect(err).toMatchObject({ failure: "not_found", status: 404, code: "NOT_FOUND" });
  });

  test("DB error text is cut before its parameters", async () => {
    await fault({
      procedure: "domain.create",
      kind: "status",
      status: 400,
      message: 'Failed query: insert into "domain" values ($1)\nparams: OPENCODE_SERVER_PASSWORD=hunter2',
    });
    const err = await failure(
      client().domainCreate({ applicationId: "x", host: "a.example.test", port: 8080, https: true, certificateType: "letsencrypt" }),
    );
    expect(err.message).toContain("Failed query");
    expect(err.message).not.toContain("hunter2");
  });

  test("a 5xx, a hang and a dropped connection are transient failures", async () => {
    const c = client({ circuitFailures: 100 });
    await fault({ procedure: "project.create", kind: "status", status: 502, times: 1 });
    expect((await failure(c.projectCreate({ name: "x" }))).failure).toBe("unavailable");
    await fault({ procedure: "project.create", kind: "hang", times: 1 });
    const hung = await failure(c.projectCreate({ name: "x" }));
    expect(hung.failure).toBe("timeout");
    expect(hung.transient).toBe(true);
    await fault({ procedure: "project.create", kind: "drop", times: 1 });
    expect((await failure(c.projectCreate({ name: "x" }))).failure).toBe("unavailable");
  });

  test("reads are retried, writes are not", async () => {
    const c = client({ circuitFailures: 100 });
    const readsBefore = await calls("project.all");
    await fault({ procedure: "project.all", kind: "status", status: 503, times: 1 });
    await c.projectAll();
    expect((await calls("project.all")) - readsBefore).toBe(2);

    const writesBefore = await calls("project.create");
    await fault({ procedure: "project.create", kind: "status", status: 503, times: 1 });
    await failure(c.projectCreate({ name: "once" }));
    expect((await calls("project.create")) - writesBefore).toBe(1);
  });

  test("the circuit opens after consecutive failures, half-opens after the cool-down, and closes on success", async () => {
    const states: string[] = [];
    const c = client({ circuitFailures: 3, circuitCooldownMs: 200, onCircuitChange: (s) => states.push(s) });
    await fault({ procedure: "project.create", kind: "status", status: 503 });
    for (let i = 0; i < 3; i++) await failure(c.projectCreate({ name: "x" }));
    expect(c.resilience.circuit).toBe("open");
    const before = await calls("project.create");
    const open = await failure(c.projectCreate({ name: "x" }));
    expect(open.failure).toBe("circuit_open");
    expect(await calls("project.create")).toBe(before);
    await fetch(`${sandbox.url}/__sandbox/faults`, { method: "DELETE" });
    await Bun.sleep(250);
    await c.projectCreate({ name: "ai-stack-after-circuit" });
    expect(c.resilience.circuit).toBe("closed");
    expect(states).toEqual(["open", "half-open", "closed"]);
  });

  test("a 4xx does not count against the circuit", async () => {
    const c = client({ circuitFailures: 2 });
    for (let i = 0; i < 4; i++) await failure(c.applicationOne("missing"));
    expect(c.resilience.circuit).toBe("closed");
  });

  test("the bulkhead bounds calls in flight", async () => {
    await fetch(`${sandbox.url}/__sandbox/reset`, { method: "POST" });
    await fetch(`${sandbox.url}/__sandbox/settings`, { method: "POST", body: JSON.stringify({ latencyMs: 40 }) });
    try {
      const c = client({ maxConcurrency: 3 });
      await Promise.all(Array.from({ length: 12 }, () => c.projectAll()));
      const state = (await (await fetch(`${sandbox.url}/__sandbox/state`)).json()) as any;
      expect(state.maxInFlight).toBeLessThanOrEqual(3);
      expect(state.maxInFlight).toBeGreaterThanOrEqual(2);
    } finally {
      await fetch(`${sandbox.url}/__sandbox/settings`, { method: "POST", body: JSON.stringify({ latencyMs: 0 }) });
    }
  });

  test("deployment.readLogs and the version", async () => {
    const c = client();
    expect(await c.version()).toBe("v0.30.2");
    const { environment } = await c.projectCreate({ name: "ai-stack-logs" });
    const app = await c.applicationCreate({ name: "logs", environmentId: environment.environmentId });
    await c.applicationDeploy({ applicationId: app.applicationId });
    let rows = await c.deployments(app.applicationId);
    for (let i = 0; i < 50 && (rows[0]?.status ?? "running") === "running"; i++) {
      await Bun.sleep(20);
      rows = await c.deployments(app.applicationId);
    }
    // No image configured: Dokploy's deploy fails and says why only in its log.
    expect(rows[0]!.status).toBe("error");
    expect(rows[0]!.errorMessage).toBeNull();
    const logs = await c.deploymentLogs(rows[0]!.deploymentId, 10);
    expect(logs).toContain("Initializing deployment");
  });
});
