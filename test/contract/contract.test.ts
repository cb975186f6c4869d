import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { DokployClient } from "../../src/dokploy/client.ts";
import { startSandbox } from "../../src/sandbox/index.ts";
import { PROCEDURES } from "../../src/sandbox/procedures/index.ts";
import { operationFor, type RecordedRequest, recordingFetch, validateRequest } from "./openapi.ts";

/**
 * Every request the client can send, each method with and without its optional fields,
 * checked against the request schemas of Dokploy's own openapi.json.
 */

const KEY = "contract-key-0123456789";
let sandbox: Awaited<ReturnType<typeof startSandbox>>;
const sent: RecordedRequest[] = [];
const METHODS = Object.getOwnPropertyNames(DokployClient.prototype).filter((m) => m !== "constructor" && m !== "call");
/** Which client methods ran: several read the same procedure (application.one) differently. */
const called = new Set<string>();

beforeAll(async () => {
  sandbox = await startSandbox({ apiKey: KEY, deployDurationMs: 10 });
  const c = new DokployClient({
    baseUrl: sandbox.url,
    apiKey: KEY,
    timeoutMs: 2000,
    maxConcurrency: 4,
    circuitFailures: 100,
    circuitCooldownMs: 1000,
    fetch: recordingFetch(sent),
  });
  for (const m of METHODS) {
    const original = (c as unknown as Record<string, (...args: unknown[]) => unknown>)[m]!.bind(c);
    (c as unknown as Record<string, unknown>)[m] = (...args: unknown[]) => {
      called.add(m);
      return original(...args);
    };
  }
  const ignore = (p: Promise<unknown>) => p.catch(() => undefined);
  const { project, environment } = await c.projectCreate({ name: "contract" });
  await c.projectCreate({ name: "contract-2", description: "with description", env: "A=1" });
  await c.projectCreate({ name: "contract-3", description: null });
  await c.projectOne(project.projectId);
  // A claimed pooled stack's project and application take the owner's name.
  expect((await c.projectUpdate({ projectId: project.projectId, name: "contract-renamed", description: "renamed" })).name).toBe("contract-renamed");
  await c.projectAll();
  await c.environmentOne(environment.environmentId);
  const app = await c.applicationCreate({ name: "a", environmentId: environment.environmentId });
  await c.applicationCreate({ name: "b", environmentId: environment.environmentId, appName: "b", description: "d" });
  await c.applicationCreate({ name: "c", environmentId: environment.environmentId, description: null });
  await c.applicationOne(app.applicationId);
  await c.saveDockerProvider({ applicationId: app.applicationId, dockerImage: "img:1", username: null, password: null, registryUrl: null });
  await c.saveDockerProvider({ applicationId: app.applicationId, dockerImage: "img:1", username: "u", password: "p", registryUrl: "r.example.test" });
  await c.saveEnvironment({ applicationId: app.applicationId, env: "A=1" });
  await c.saveEnvironment({ applicationId: app.applicationId, env: null, buildArgs: "B=2", buildSecrets: "S=3", createEnvFile: true });
  const mount = await c.mountCreate({ applicationId: app.applicationId, volumeName: "v", mountPath: "/workspace" });
  await c.mountRemove(mount.mountId);
  await c.portCreateHost({ applicationId: app.applicationId, publishedPort: 13000, targetPort: 3000 });
  const domain = await c.domainCreate({
    applicationId: app.applicationId,
    host: "a.example.test",
    port: 8080,
    https: true,
    certificateType: "letsencrypt",
  });
  await c.domainCreate({
    applicationId: app.applicationId,
    host: "b.example.test",
    port: 8080,
    https: true,
    certificateType: "custom",
    customCertResolver: "wild",
  });
  await c.domainCreate({ applicationId: app.applicationId, host: "c.example.test", port: 80, https: false, certificateType: "none" });
  // STACK_SSO: a domain listing the forwardAuth middleware, and one brought in line later.
  const gated = await c.domainCreate({
    applicationId: app.applicationId,
    host: "d.example.test",
    port: 8080,
    https: true,
    certificateType: "none",
    middlewares: ["ai-stack-sso"],
  });
  expect(gated.middlewares).toEqual(["ai-stack-sso"]);
  expect((await c.domainUpdate({ domainId: gated.domainId, host: gated.host, middlewares: [] })).middlewares).toEqual([]);
  await c.domainUpdate({ domainId: gated.domainId, host: gated.host, middlewares: ["ai-stack-sso", "other@file"] });
  const file = await c.readMiddlewareFile();
  expect(file).toContain("redirect-to-https");
  expect(await c.writeMiddlewareFile(`${file}# edited\n`)).toBe(true);
  expect(await c.readMiddlewareFile()).toBe(`${file}# edited\n`);
  await c.domainsByApplication(app.applicationId);
  await c.domainDelete(domain.domainId);
  await c.applicationUpdate({ applicationId: app.applicationId, updateConfigSwarm: { Parallelism: 1, Order: "stop-first" } });
  await c.applicationUpdate({ applicationId: app.applicationId, updateConfigSwarm: null });
  await c.applicationUpdate({ applicationId: app.applicationId, name: "renamed", description: null });
  await c.applicationUpdate({
    applicationId: app.applicationId,
    updateConfigSwarm: { Parallelism: 1, Order: "stop-first", FailureAction: "rollback" },
    memoryLimit: "4294967296",
    memoryReservation: "536870912",
    cpuLimit: "2000000000",
    cpuReservation: null,
  });
  const nodes = await c.clusterNodes();
  await c.applicationUpdate({ applicationId: app.applicationId, placementSwarm: { Constraints: [`node.id==${nodes[0]?.ID}`] } });
  await c.applicationUpdate({
    applicationId: app.applicationId,
    updateConfigSwarm: { Parallelism: 1, Order: "stop-first" },
    placementSwarm: null,
  });
  await c.applicationSettings(app.applicationId);
  await c.applicationEnvironment(app.applicationId);
  await c.applicationSettingsAndEnvironment(app.applicationId);
  await c.applicationDeploy({ applicationId: app.applicationId });
  await c.applicationDeploy({ applicationId: app.applicationId, title: "t", description: "d" });
  await c.applicationRedeploy({ applicationId: app.applicationId });
  await c.applicationRedeploy({ applicationId: app.applicationId, title: "t", description: "d" });
  const rows = await c.deployments(app.applicationId);
  await ignore(c.deploymentLogs(rows[0]?.deploymentId ?? "x"));
  await ignore(c.deploymentLogs(rows[0]?.deploymentId ?? "x", 25));
  await ignore(c.applicationStop(app.applicationId));
  await ignore(c.applicationStart(app.applicationId));
  await ignore(c.applicationReadLogs({ applicationId: app.applicationId, tail: 50 }));
  await c.serviceTasks(app.appName);
  await ignore(c.applicationReadLogs({ applicationId: app.applicationId, tail: 10, since: "5m" }));
  await c.version();
  await c.swarmServices();
  await c.dockerVolumes();
  await ignore(c.dockerVolumeRemove("no-such-volume"));
  const destination = sandbox.sandbox.addDestination("contract");
  const backup = await c.volumeBackupCreate({
    name: "contract workspace",
    volumeName: "v",
    prefix: "",
    appName: "contract-backup",
    cronExpression: "0 3 * * *",
    keepLatestCount: 7,
    destinationId: destination.destinationId,
  });
  await c.volumeBackupRun(backup.volumeBackupId);
  const runs = await c.volumeBackupRuns(backup.volumeBackupId);
  expect(runs[0]?.status).toBe("done");
  const [backupFile] = await c.backupFiles(destination.destinationId, "contract-backup/");
  expect(backupFile?.Path).toStartWith("contract-backup/v-");
  // Over Dokploy's WebSocket, not HTTP: its input is checked by the sandbox's copy of the procedure's schema.
  const restored = await c.restoreVolume(
    { applicationId: app.applicationId, destinationId: destination.destinationId, backupFileName: backupFile!.Path, volumeName: "v" },
    AbortSignal.timeout(5_000),
  );
  expect(restored.restored).toBe(true);
  await c.volumeBackupDelete(backup.volumeBackupId);
  await c.applicationCleanQueues(app.applicationId);
  await c.applicationDelete(app.applicationId);
  await c.projectRemove(project.projectId);
});
afterAll(() => sandbox.stop());

describe("the document in the repository", () => {
  test("describes every procedure the sandbox answers, with the method it answers on", () => {
    const method = (p: (typeof PROCEDURES)[number]) => (p.type === "query" ? "GET" : "POST");
    const missing = PROCEDURES.filter((p) => !operationFor(method(p), p.path)).map((p) => `${method(p)} ${p.path}`);
    expect(missing).toEqual([]);
  });
});

describe("requests match openapi.json", () => {
  test("every client method was exercised", () => {
    expect(METHODS.filter((m) => !called.has(m))).toEqual([]);
    expect(sent.some((r) => r.procedure === "application.readLogs")).toBe(true);
  });

  test("each request is valid against Dokploy's own schema, with x-api-key and JSON", () => {
    const problems: string[] = [];
    for (const req of sent) {
      expect(req.apiKey).toBe(KEY);
      for (const p of validateRequest(req)) problems.push(`${req.method} ${req.procedure}: ${p}`);
    }
    expect(problems).toEqual([]);
  });

  test("deploy sends its JSON body; the empty answer is accepted", () => {
    const deploy = sent.filter((r) => r.procedure === "application.deploy");
    expect(deploy.length).toBe(2);
    for (const r of deploy) expect(r.contentType).toStartWith("application/json");
  });

  test("the check fails for a renamed field or a missing required key", () => {
    const mount = sent.find((r) => r.procedure === "mounts.create")!;
    const body = mount.body as Record<string, unknown>;
    const { serviceId, ...withoutServiceId } = body;
    expect(validateRequest({ ...mount, body: withoutServiceId })).not.toEqual([]);
    expect(validateRequest({ ...mount, body: { ...withoutServiceId, applicationId: serviceId } })).not.toEqual([]);
    const docker = sent.find((r) => r.procedure === "application.saveDockerProvider")!;
    const { registryUrl: _, ...missing } = docker.body as Record<string, unknown>;
    expect(validateRequest({ ...docker, body: missing })).not.toEqual([]);
    // Dokploy's placementSwarm and updateConfigSwarm are strict: Constraints is an array of
    // strings, Parallelism and Order are required, no other keys.
    const pinned = sent.find((r) => r.procedure === "application.update" && (r.body as { placementSwarm?: unknown }).placementSwarm)!;
    const pinBody = pinned.body as Record<string, unknown>;
    expect(validateRequest({ ...pinned, body: { ...pinBody, placementSwarm: { Constraints: "node.id==x" } } })).not.toEqual([]);
    expect(validateRequest({ ...pinned, body: { ...pinBody, placementSwarm: { constraints: ["node.id==x"] } } })).not.toEqual([]);
    expect(validateRequest({ ...pinned, body: { ...pinBody, updateConfigSwarm: { Order: "stop-first" } } })).not.toEqual([]);
    const backup = sent.find((r) => r.procedure === "volumeBackups.create")!;
    const { destinationId: _d, ...noDestination } = backup.body as Record<string, unknown>;
    expect(validateRequest({ ...backup, body: noDestination })).not.toEqual([]);
    const logs = sent.find((r) => r.procedure === "deployment.readLogs")!;
    expect(validateRequest({ ...logs, query: { deployment: "x" } })).not.toEqual([]);
    expect(validateRequest({ ...logs, method: "POST" })).not.toEqual([]);
  });
});
