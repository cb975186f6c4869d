// Return shapes, defaults and cascades (docs/dokploy.md §2, §3, §7).
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { type Client, deployAndWait, makeApp, startClient } from "./helpers.ts";

let c: Client;
beforeAll(async () => {
  c = await startClient();
});
afterAll(() => c.stop());
beforeEach(() => c.started.sandbox.reset());

const ID = /^[A-Za-z0-9_-]{21}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe("projects and environments", () => {
  test("project.create returns {project, environment} with the default production environment", async () => {
    const res = await c.call("project.create", { name: "demo", description: "d", env: "FOO=bar" });
    expect(Object.keys(res)).toEqual(["project", "environment"]);
    expect(Object.keys(res.project)).toEqual(["projectId", "name", "description", "createdAt", "organizationId", "env"]);
    expect(res.project).toMatchObject({ name: "demo", description: "d", env: "FOO=bar" });
    expect(res.project.projectId).toMatch(ID);
    expect(res.project.createdAt).toMatch(ISO);
    expect(res.environment).toEqual({
      environmentId: expect.stringMatching(ID),
      name: "production",
      description: "Production environment",
      createdAt: expect.stringMatching(ISO),
      env: "",
      projectId: res.project.projectId,
      isDefault: true,
    });
  });

  test("no uniqueness on project names; project.all newest first", async () => {
    const a = await c.call("project.create", { name: "same" });
    const b = await c.call("project.create", { name: "same" });
    const all = await c.q("project.all");
    expect(all.map((p: any) => p.projectId)).toEqual([b.project.projectId, a.project.projectId]);
    expect(all[0].environments[0]).toEqual({
      name: "production",
      environmentId: b.environment.environmentId,
      isDefault: true,
      applications: [],
      mariadb: [],
      mongo: [],
      mysql: [],
      postgres: [],
      redis: [],
      compose: [],
      libsql: [],
    });
    expect(all[0].projectTags).toEqual([]);
  });

  test("project.one, environment.one, environment.byProjectId", async () => {
    const { project, environment, app } = await makeApp(c, { name: "web" });
    const one = await c.q("project.one", { projectId: project.projectId });
    expect(one.environments[0].applications[0]).toMatchObject({ name: "web", appName: app.appName, applicationStatus: "idle" });
    const env = await c.q("environment.one", { environmentId: environment.environmentId });
    expect(env).not.toHaveProperty("createdAt");
    expect(env.applications[0]).not.toHaveProperty("appName");
    expect(env.project.projectId).toBe(project.projectId);
    const list = await c.q("environment.byProjectId", { projectId: project.projectId });
    expect(list).toHaveLength(1);
    expect(list[0].applications[0].appName).toBe(app.appName);
    expect(list[0]).not.toHaveProperty("env");
    expect(await c.q("environment.byProjectId", { projectId: "unknown" })).toEqual([]);
    expect((await c.get("/api/environment.one?environmentId=nope")).status).toBe(404);
    const missing = await c.get("/api/project.one?projectId=nope");
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ message: "Project not found", data: { path: "project.one" } });
  });
});

describe("applications", () => {
  test("create: flat row, suffixed appName, github/nixpacks defaults", async () => {
    const { environment } = await c.call("project.create", { name: "p" });
    const app = await c.call("application.create", { name: "web", appName: "Web", environmentId: environment.environmentId, projectId: "ignored" });
    expect(app.appName).toMatch(/^web-[a-z0-9]{6}$/);
    expect(app.applicationId).toMatch(ID);
    expect(app).toMatchObject({
      name: "web",
      description: null,
      sourceType: "github",
      buildType: "nixpacks",
      applicationStatus: "idle",
      replicas: 1,
      dockerImage: null,
      password: null,
      environmentId: environment.environmentId,
      serverId: null,
      autoDeploy: true,
      triggerType: "push",
      networkIds: [],
      previewPort: 3000,
      railpackVersion: "0.15.4",
    });
    expect(app).not.toHaveProperty("projectId");
    expect(app).not.toHaveProperty("environment");
    expect(Object.keys(app).length).toBeGreaterThan(90);
    const again = await c.call("application.create", { name: "web", appName: "web", environmentId: environment.environmentId });
    expect(again.appName).not.toBe(app.appName);
  });

  test("create without appName: faker-style app-<verb>-<adjective>-<noun>-<suffix>", async () => {
    const { environment } = await c.call("project.create", { name: "p" });
    const app = await c.call("application.create", { name: "api", environmentId: environment.environmentId });
    expect(app.appName).toMatch(/^app-[a-z0-9-]+-[a-z1-9]{6}$/);
    expect(app.appName.split("-").length).toBeGreaterThanOrEqual(5);
  });

  test("create: unknown or empty environment is 404; missing environmentId is 400; bad appName is 400", async () => {
    for (const environmentId of ["nope", ""]) {
      const res = await c.post("/api/application.create", { name: "x", environmentId });
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ message: "Environment not found", code: "NOT_FOUND" });
    }
    const missing = await c.post("/api/application.create", { name: "x" });
    expect(missing.status).toBe(400);
    expect((await missing.json()).data.zodError.fieldErrors).toHaveProperty("environmentId");
    const bad = await c.post("/api/application.create", { name: "x", appName: "has space", environmentId: "e" });
    expect(bad.status).toBe(400);
  });

  test("saveDockerProvider / saveEnvironment / update return true and set columns", async () => {
    const { app } = await makeApp(c, { name: "web" });
    await c.call("application.update", { applicationId: app.applicationId, applicationStatus: "done" });
    expect(
      await c.call("application.saveDockerProvider", {
        applicationId: app.applicationId,
        dockerImage: "nginx:alpine",
        username: "u",
        password: "secret",
        registryUrl: null,
      }),
    ).toBe(true);
    expect(
      await c.call("application.saveEnvironment", {
        applicationId: app.applicationId,
        env: "A=1",
        buildArgs: null,
        buildSecrets: null,
        createEnvFile: false,
      }),
    ).toBe(true);
    expect(await c.call("application.update", { applicationId: app.applicationId, appName: "renamed", memoryLimit: "512" })).toBe(true);
    const one = await c.q("application.one", { applicationId: app.applicationId });
    // saveDockerProvider switches the source and resets the status; secrets come back in clear.
    expect(one).toMatchObject({
      sourceType: "docker",
      applicationStatus: "idle",
      dockerImage: "nginx:alpine",
      password: "secret",
      env: "A=1",
      createEnvFile: false,
      memoryLimit: "512",
      appName: app.appName,
      hasGitProviderAccess: true,
      unauthorizedProvider: null,
    });
    expect(one.environment.project.projectId).toBeDefined();
    for (const rel of ["domains", "deployments", "mounts", "redirects", "security", "ports", "previewDeployments"]) {
      expect(one[rel]).toEqual([]);
    }
    const unknown = await c.post("/api/application.update", { applicationId: "nope" });
    expect(unknown.status).toBe(400);
    expect((await unknown.json()).message).toBe("Error updating application");
  });

  test("unknown application: 404 for one/deploy/delete, [] for deployment.all and domain.byApplicationId", async () => {
    for (const proc of ["application.deploy", "application.delete", "application.stop", "application.start"]) {
      const res = await c.post(`/api/${proc}`, { applicationId: "nope" });
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ message: "Application not found", data: { path: proc } });
    }
    const one = await c.get("/api/application.one?applicationId=nope");
    expect(one.status).toBe(404);
    // Exactly Dokploy's tRPC NOT_FOUND: the portal ends a resumed deploy on this answer.
    expect(await one.json()).toEqual({
      message: "Application not found",
      code: "NOT_FOUND",
      data: { code: "NOT_FOUND", httpStatus: 404, path: "application.one", zodError: null },
    });
    expect(await c.q("deployment.all", { applicationId: "nope" })).toEqual([]);
    expect(await c.q("domain.byApplicationId", { applicationId: "nope" })).toEqual([]);
  });
});

describe("domains and mounts", () => {
  test("domain.create defaults and a global uniqueConfigKey serial; duplicate hosts are accepted", async () => {
    const { app } = await makeApp(c, { name: "web" });
    const d1 = await c.call("domain.create", { host: "x.example.test", applicationId: app.applicationId });
    expect(d1).toEqual({
      domainId: expect.stringMatching(ID),
      host: "x.example.test",
      https: false,
      port: 3000,
      customEntrypoint: null,
      path: "/",
      serviceName: null,
      domainType: "application",
      uniqueConfigKey: 1,
      createdAt: expect.stringMatching(ISO),
      composeId: null,
      customCertResolver: null,
      applicationId: app.applicationId,
      previewDeploymentId: null,
      certificateType: "none",
      internalPath: "/",
      stripPath: false,
      middlewares: [],
      forwardAuthEnabled: false,
      enabled: true,
    });
    const d2 = await c.call("domain.create", {
      host: "x.example.test",
      applicationId: app.applicationId,
      port: 8080,
      https: true,
      certificateType: "letsencrypt",
    });
    expect(d2.uniqueConfigKey).toBe(2);
    const list = await c.q("domain.byApplicationId", { applicationId: app.applicationId });
    expect(list).toHaveLength(2);
    expect(list[0].application).toEqual({ applicationId: app.applicationId, appName: app.appName, name: "web" });
    expect(await c.call("domain.delete", { domainId: d1.domainId })).toEqual(d1);
    const again = await c.post("/api/domain.delete", { domainId: d1.domainId });
    expect(again.status).toBe(404);
    expect((await again.json()).message).toBe("Domain not found");
  });

  test("domain.create errors are all 400; a failed insert still uses a serial value", async () => {
    const fk = await c.post("/api/domain.create", { host: "y.example.test", applicationId: "" });
    expect(fk.status).toBe(400);
    const body = await fk.json();
    expect(body.code).toBe("BAD_REQUEST");
    expect(body.message).toStartWith('Failed query: insert into "domain"');
    const spaced = await c.post("/api/domain.create", { host: " y.example.test", applicationId: null });
    expect(spaced.status).toBe(400);
    const { app } = await makeApp(c, { name: "web" });
    const ok = await c.call("domain.create", { host: "z.example.test", applicationId: app.applicationId });
    expect(ok.uniqueConfigKey).toBe(2);
  });

  test("mounts.create / listByServiceId / remove", async () => {
    const { app } = await makeApp(c, { name: "web" });
    const m = await c.call("mounts.create", {
      type: "volume",
      volumeName: "web-data",
      mountPath: "/data",
      serviceType: "application",
      serviceId: app.applicationId,
    });
    expect(m).toEqual({
      mountId: expect.stringMatching(ID),
      type: "volume",
      hostPath: null,
      volumeName: "web-data",
      filePath: null,
      content: null,
      serviceType: "application",
      mountPath: "/data",
      applicationId: app.applicationId,
      composeId: null,
      libsqlId: null,
      mariadbId: null,
      mongoId: null,
      mysqlId: null,
      postgresId: null,
      redisId: null,
    });
    expect(await c.q("mounts.listByServiceId", { serviceId: app.applicationId, serviceType: "application" })).toEqual([m]);
    expect((await c.get("/api/mounts.listByServiceId?serviceId=nope&serviceType=application")).status).toBe(404);
    expect(await c.call("mounts.remove", { mountId: m.mountId })).toEqual(m);
    expect((await c.post("/api/mounts.remove", { mountId: m.mountId })).status).toBe(404);
  });

  test("mounts.create: an unknown service is a 400 'Error ...'; no serviceType leaves an orphan row", async () => {
    const bad = await c.post("/api/mounts.create", {
      type: "volume",
      volumeName: "v",
      mountPath: "/x",
      serviceType: "application",
      serviceId: "nope",
    });
    expect(bad.status).toBe(400);
    expect((await bad.json()).message).toStartWith("Error Failed query");
    const { app } = await makeApp(c, { name: "web" });
    const orphan = await c.call("mounts.create", { type: "volume", volumeName: "v", mountPath: "/x", serviceId: app.applicationId });
    expect(orphan.applicationId).toBeNull();
    expect(orphan.serviceType).toBe("application");
  });

  test("port.create: defaults to ingress and tcp, listed by application.one, gone with the application", async () => {
    const { app } = await makeApp(c, { name: "web" });
    const port = await c.call("port.create", { applicationId: app.applicationId, publishedPort: 13000, targetPort: 3000 });
    expect(port).toEqual({
      portId: expect.stringMatching(ID),
      publishedPort: 13000,
      publishMode: "ingress",
      targetPort: 3000,
      protocol: "tcp",
      applicationId: app.applicationId,
    });
    expect((await c.q("application.one", { applicationId: app.applicationId })).ports).toEqual([port]);
    const unknown = await c.post("/api/port.create", { applicationId: "nope", publishedPort: 1, targetPort: 1 });
    expect(unknown.status).toBe(400);
    expect((await unknown.json()).message).toBe("Error input: Inserting port");
    expect((await c.post("/api/port.create", { applicationId: app.applicationId, publishedPort: "13000", targetPort: 3000 })).status).toBe(400);
    await c.call("application.delete", { applicationId: app.applicationId });
    expect((await c.state()).ports).toEqual([]);
  });
});

describe("cascades", () => {
  test("application.delete returns the full object and takes domains, mounts and deployments with it", async () => {
    const { app } = await makeApp(c, { name: "web", image: "nginx:alpine" });
    await c.call("domain.create", { host: "w.example.test", applicationId: app.applicationId });
    const mount = await c.call("mounts.create", {
      type: "volume",
      volumeName: "wv",
      mountPath: "/d",
      serviceType: "application",
      serviceId: app.applicationId,
    });
    await deployAndWait(c, app.applicationId);
    const deleted = await c.call("application.delete", { applicationId: app.applicationId });
    expect(deleted.applicationId).toBe(app.applicationId);
    expect(deleted.domains).toHaveLength(1);
    expect(deleted.mounts).toHaveLength(1);
    expect(deleted.deployments).toHaveLength(1);
    expect(deleted.environment.project).toBeDefined();
    expect((await c.post("/api/application.delete", { applicationId: app.applicationId })).status).toBe(404);
    expect(await c.q("deployment.all", { applicationId: app.applicationId })).toEqual([]);
    expect((await c.post("/api/mounts.remove", { mountId: mount.mountId })).status).toBe(404);
    const state = await c.state();
    expect(state.domains).toEqual([]);
    expect(state.mounts).toEqual([]);
    expect(state.deployments).toEqual([]);
  });

  test("project.remove returns the flat row and cascades everything below", async () => {
    const { project, app } = await makeApp(c, { name: "web" });
    await c.call("domain.create", { host: "w.example.test", applicationId: app.applicationId });
    const removed = await c.call("project.remove", { projectId: project.projectId });
    expect(removed).toEqual(project);
    expect((await c.get(`/api/application.one?applicationId=${app.applicationId}`)).status).toBe(404);
    expect(await c.q("project.all")).toEqual([]);
    const again = await c.post("/api/project.remove", { projectId: project.projectId });
    expect(again.status).toBe(404);
    expect((await again.json()).message).toBe("Project not found");
    const state = await c.state();
    expect(state.environments).toEqual([]);
    expect(state.domains).toEqual([]);
  });
});
