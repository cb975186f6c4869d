// The HTTP surface of docs/dokploy.md §1: routing, auth, content types, validation.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { type Client, KEY, startClient } from "./helpers.ts";

let c: Client;
beforeAll(async () => {
  c = await startClient();
});
afterAll(() => c.stop());
beforeEach(() => c.started.sandbox.reset());

describe("outer auth (pages/api/[...trpc].ts)", () => {
  test("missing key: 401 with only a message, Next's charset", async () => {
    const res = await fetch(`${c.url}/api/project.all`);
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(await res.json()).toEqual({ message: "Unauthorized" });
  });

  test("wrong key and empty key: same bare 401", async () => {
    for (const key of ["not-a-real-key", ""]) {
      const res = await fetch(`${c.url}/api/project.all`, { headers: { "x-api-key": key } });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ message: "Unauthorized" });
    }
  });

  test("Bearer with the valid key is ignored", async () => {
    const res = await fetch(`${c.url}/api/project.all`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ message: "Unauthorized" });
  });

  test("auth comes before routing, even for unknown paths and settings.health", async () => {
    for (const path of ["/api/nope.nothing", "/api/settings.health"]) {
      const res = await fetch(`${c.url}${path}`);
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ message: "Unauthorized" });
    }
  });

  test("/api/health needs no key", async () => {
    const res = await fetch(`${c.url}/api/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
  });
});

describe("routing", () => {
  test("wrong method and unknown procedure: 404 Not found without data.path", async () => {
    const expected = {
      message: "Not found",
      code: "NOT_FOUND",
      data: { code: "NOT_FOUND", httpStatus: 404, zodError: null },
    };
    const post = await c.post("/api/project.all", {});
    expect(post.status).toBe(404);
    expect(await post.json()).toEqual(expected);
    const get = await c.get("/api/application.deploy");
    expect(get.status).toBe(404);
    expect(await get.json()).toEqual(expected);
    const unknown = await c.get("/api/project.nothing");
    expect(await unknown.json()).toEqual(expected);
  });

  test("paths are case-insensitive; data.path stays canonical", async () => {
    const res = await c.get("/api/PROJECT.ALL");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual([]);
    const bad = await c.post("/api/Project.Create", {});
    expect((await bad.json()).data.path).toBe("project.create");
  });

  test("settings probes", async () => {
    expect(await c.q("settings.getDokployVersion")).toBe("v0.30.2");
    expect(await c.q("settings.health")).toEqual({ status: "ok" });
  });

  test("a Host matching nothing and a non-/api path: Traefik's 404", async () => {
    const res = await fetch(`${c.url}/`, { headers: { host: "nobody.example.test" } });
    expect(res.status).toBe(404);
    expect(await res.text()).toBe("404 page not found\n");
  });
});

describe("request bodies", () => {
  test("POST without a JSON content type: 415 with the unclosed quote", async () => {
    const res = await fetch(`${c.url}/api/project.create`, {
      method: "POST",
      headers: { "x-api-key": KEY, "content-type": "application/x-www-form-urlencoded" },
      body: "name=x",
    });
    expect(res.status).toBe(415);
    const body = await res.json();
    expect(body.message).toBe('Unsupported content-type "application/x-www-form-urlencoded');
    expect(body.code).toBe("UNSUPPORTED_MEDIA_TYPE");
    expect(body.data).toEqual({ code: "UNSUPPORTED_MEDIA_TYPE", httpStatus: 415, path: "project.create", zodError: null });
  });

  test("POST without any content type: Missing content-type header", async () => {
    const res = await fetch(`${c.url}/api/project.create`, {
      method: "POST",
      headers: { "x-api-key": KEY },
      body: new Uint8Array([123, 125]),
    });
    expect(res.status).toBe(415);
    expect((await res.json()).message).toBe("Missing content-type header");
  });

  test("charset parameter is fine", async () => {
    const res = await c.post("/api/project.create", { name: "x" }, { "content-type": "application/json; charset=utf-8" });
    expect(res.status).toBe(200);
  });

  test("malformed JSON: plain-text 400 from Next's body parser", async () => {
    const res = await c.post("/api/project.create", "{not json");
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).not.toContain("json");
    expect(await res.text()).toBe("Invalid JSON");
  });

  test("body over 1 MB: 413", async () => {
    const res = await c.post("/api/project.create", { name: "x".repeat(1024 * 1024) });
    expect(res.status).toBe(413);
  });
});

describe("input validation", () => {
  test("project.create {}: the exact validation body", async () => {
    const res = await c.post("/api/project.create", {});
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(await res.json()).toEqual({
      message: "Input validation failed",
      code: "BAD_REQUEST",
      data: {
        code: "BAD_REQUEST",
        httpStatus: 400,
        path: "project.create",
        zodError: { formErrors: [], fieldErrors: { name: ["Invalid input: expected string, received undefined"] } },
      },
      issues: [{ expected: "string", code: "invalid_type", path: ["name"], message: "Invalid input: expected string, received undefined" }],
    });
  });

  test("empty JSON body counts as {}", async () => {
    const res = await c.post("/api/project.create", "");
    expect(res.status).toBe(400);
    expect((await res.json()).message).toBe("Input validation failed");
  });

  test("saveDockerProvider: omitted keys are nonoptional, null is accepted", async () => {
    const res = await c.post("/api/application.saveDockerProvider", { applicationId: "x", dockerImage: "nginx:alpine" });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.data.zodError.fieldErrors).toEqual({
      username: ["Invalid input: expected nonoptional, received undefined"],
      password: ["Invalid input: expected nonoptional, received undefined"],
      registryUrl: ["Invalid input: expected nonoptional, received undefined"],
    });
    expect(body.issues.map((i: any) => i.expected)).toEqual(["nonoptional", "nonoptional", "nonoptional"]);
    const withNulls = await c.post("/api/application.saveDockerProvider", {
      applicationId: "missing",
      dockerImage: "nginx:alpine",
      username: null,
      password: null,
      registryUrl: null,
    });
    // Valid input; the unknown application is a 404.
    expect(withNulls.status).toBe(404);
    expect((await withNulls.json()).message).toBe("Application not found");
  });

  test("min length and unknown keys", async () => {
    const empty = await c.post("/api/project.remove", { projectId: "" });
    expect(empty.status).toBe(400);
    expect((await empty.json()).issues[0]).toMatchObject({ code: "too_small", minimum: 1, path: ["projectId"] });
    // A misspelt key is stripped, not rejected.
    const { project } = await c.call("project.create", { name: "x", descriptoin: "typo" });
    expect(project.description).toBeNull();
    expect(project).not.toHaveProperty("descriptoin");
  });

  test("coercion: numbers from strings, 'false' becomes true, .required() fields are not coerced", async () => {
    const { environment } = await c.call("project.create", { name: "coerce" });
    const app = await c.call("application.create", { name: "a", environmentId: environment.environmentId });
    const domain = await c.call("domain.create", { host: "c.example.test", applicationId: app.applicationId, port: "8080", https: "false" });
    expect(domain.port).toBe(8080);
    expect(domain.https).toBe(true);
    const env = await c.post("/api/application.saveEnvironment", {
      applicationId: app.applicationId,
      env: null,
      buildArgs: null,
      buildSecrets: null,
      createEnvFile: "true",
    });
    expect(env.status).toBe(400);
    expect((await env.json()).issues[0]).toMatchObject({ path: ["createEnvFile"], expected: "boolean" });
  });

  test("query input: coerced tail, default applied, min length enforced", async () => {
    const bad = await c.get("/api/deployment.readLogs?deploymentId=x&tail=0");
    expect(bad.status).toBe(400);
    const missing = await c.get("/api/deployment.readLogs?deploymentId=x&tail=25");
    expect(missing.status).toBe(404);
    expect((await missing.json()).message).toBe("Deployment not found");
    const noId = await c.get("/api/deployment.all");
    expect(noId.status).toBe(400);
  });
});
