import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Validator } from "@seriousme/openapi-schema-validator";
import Ajv2020, { type ValidateFunction } from "ajv/dist/2020.js";
import type { Hono } from "hono";
import { inspectRoutes } from "hono/dev";
import { ADMIN_TOKEN, type Harness, type SseEvent, deployAndWait, readEvents, startHarness } from "../support/harness.ts";
import { type TestProvider, freePort, newSigningKey, oidcEnv, signIn, startProvider } from "../support/oidc.ts";

/**
 * GET /api/openapi.json describes the API the portal really has: every route the app answers
 * (open and AUTH_MODE=oidc, the page and its assets aside) is in the document with its
 * method and nothing else is, and real answers of a running portal (successes and errors,
 * with their stable codes) validate against the document's schemas (JSON Schema 2020-12).
 */

type Json = Record<string, any>;

let h: Harness;
let oidc: Harness;
let sso: Harness;
let provider: TestProvider;
let oidcUrl: string;
let doc: Json;

beforeAll(async () => {
  // The name check's budget is spent on purpose at the end (429).
  h = await startHarness({ sandbox: { stackStopMs: 100 }, env: { RATE_LIMIT_CHECK: "40/1m", HEALTH_TIMEOUT: "20s" } });
  oidcUrl = `http://127.0.0.1:${await freePort()}`;
  provider = await startProvider({ keys: [await newSigningKey("key-1")], portalUrl: oidcUrl });
  oidc = await startHarness({ env: oidcEnv(provider, oidcUrl) });
  // STACK_SSO=on adds the stack gate's routes: only their presence is checked here.
  const ssoUrl = `http://127.0.0.1:${await freePort()}`;
  sso = await startHarness({
    env: oidcEnv(provider, ssoUrl, { STACK_SSO: "on", STACK_SSO_ADDRESS: `${ssoUrl}/auth/stack`, STACK_DOMAIN_SUFFIX: "stacks.localhost" }),
  });
  const res = await fetch(`${h.url}/api/openapi.json`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toStartWith("application/json");
  doc = (await res.json()) as Json;
});

afterAll(async () => {
  await h?.stop();
  await oidc?.stop();
  await sso?.stop();
  await provider?.stop();
});

const ajv = new Ajv2020({ strict: false, allErrors: true });
const compiled = new Map<string, ValidateFunction>();
/** A schema of the document, with the document's components so that its $refs resolve. */
function validator(key: string, schema: Json): ValidateFunction {
  let v = compiled.get(key);
  if (!v) {
    v = ajv.compile({ ...schema, components: doc.components });
    compiled.set(key, v);
  }
  return v;
}

function expectValid(key: string, schema: Json, value: unknown) {
  const v = validator(key, schema);
  const ok = v(value);
  if (!ok) throw new Error(`${key}: ${ajv.errorsText(v.errors)}\n${JSON.stringify(value).slice(0, 2000)}`);
}

/** The documented answer of `method path` at `status`; the default only for 405 and 5xx. */
function documented(method: string, path: string, status: number): Json {
  const op = doc.paths[path]?.[method];
  if (!op) throw new Error(`${method.toUpperCase()} ${path} is not in the document`);
  const answer = op.responses[String(status)] ?? (status === 405 || status >= 500 ? op.responses.default : undefined);
  if (!answer) throw new Error(`${method.toUpperCase()} ${path} answered ${status}, which the document does not list`);
  return answer;
}

const seen = new Set<string>();

/**
 * Calls the portal and checks the answer against the document: its status is listed, its
 * content type is the documented one, and a JSON body validates. `path` is the document's
 * template, `url` the address called.
 */
async function call(method: string, path: string, url: string, init: RequestInit = {}): Promise<{ status: number; body: any; res: Response }> {
  const res = await fetch(url, { ...init, method: method.toUpperCase(), redirect: "manual" });
  const answer = documented(method, path, res.status);
  seen.add(`${method} ${path} ${res.status}`);
  const type = (res.headers.get("content-type") ?? "").split(";")[0]!.trim();
  if (!answer.content) {
    expect(await res.text()).toBe("");
    return { status: res.status, body: null, res };
  }
  if (!answer.content[type]) throw new Error(`${method} ${path} ${res.status}: content type ${type} is not documented`);
  if (type === "text/event-stream") return { status: res.status, body: null, res };
  const text = await res.text();
  const body = type === "application/json" ? JSON.parse(text) : text;
  if (type === "application/json") expectValid(`${method} ${path} ${res.status}`, answer.content[type].schema, body);
  return { status: res.status, body, res };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const json = (body: unknown, headers: Record<string, string> = {}) => ({
  headers: { "content-type": "application/json", ...headers },
  body: JSON.stringify(body),
});

/** Follows an event stream to its end; every event's data validates against the document's event schemas. */
async function followEvents(eventsUrl: string, headers: Record<string, string> = {}): Promise<SseEvent[]> {
  const stream = documented("get", "/api/deployments/{id}/events", 200).content["text/event-stream"];
  const events = await readEvents(eventsUrl, { headers });
  for (const e of events) {
    const ref = stream["x-events"][e.event];
    if (!ref) throw new Error(`event ${e.event} is not documented`);
    expectValid(`event ${e.event}`, ref, e.data);
  }
  expect(events.at(-1)?.event).toBe("done");
  return events;
}

describe("the document", () => {
  test("is OpenAPI 3.1 with bearer and session cookie security and valid JSON Schemas", async () => {
    expect(doc.openapi).toBe("3.1.0");
    // The specification's own JSON Schema for 3.1 documents.
    const spec = await new Validator().validate(structuredClone(doc));
    expect(spec.errors ?? []).toEqual([]);
    expect(spec.valid).toBe(true);
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: "http", scheme: "bearer" });
    expect(doc.components.securitySchemes.session).toMatchObject({ type: "apiKey", in: "cookie", name: "asd-session" });
    const strict = new Ajv2020({ strict: true, allErrors: true });
    for (const [name, schema] of Object.entries(doc.components.schemas as Json)) {
      expect(() => strict.compile({ ...schema, $id: `urn:check:${name}`, $defs: undefined }), name).not.toThrow(/strict mode|schema is invalid/);
    }
    expect(doc.paths["/api/deploy"].post.requestBody.content["application/json"].schema).toMatchObject({
      type: "object",
      required: ["name"],
      properties: { name: { type: "string" } },
    });
    expect(doc.paths["/api/stacks/{name}/details"].get.security).toEqual([{ bearer: [] }, { session: [] }]);
    expect(doc.paths["/api/stacks/{name}/details"].get.parameters).toContainEqual(
      expect.objectContaining({ name: "name", in: "path", required: true }),
    );
    expect(doc.paths["/api/stacks/{name}/logs"].get.parameters).toContainEqual(
      expect.objectContaining({ name: "lines", in: "query", schema: { type: "string", pattern: "^\\d{1,4}$" } }),
    );
    expect(doc.paths["/api/stacks"].get.parameters).toContainEqual(
      expect.objectContaining({ name: "limit", in: "query", schema: { type: "string", pattern: "^\\d{1,7}$" } }),
    );
    // Stable codes per route, in the document itself.
    expect(doc.paths["/api/deploy"].post.responses["409"].content["application/json"].schema.allOf[1].properties.error.properties.code.enum).toEqual([
      "taken",
      "recently_deleted",
      "user_stack_limit",
      "no_capacity",
    ]);
  });

  test("has every route the app answers, with its method, and no route it does not", () => {
    const answered = new Set<string>();
    const templates = Object.keys(doc.paths);
    for (const app of [h.portal.app, oidc.portal.app, sso.portal.app] as Hono<any>[]) {
      for (const r of inspectRoutes(app)) {
        if (r.isMiddleware || r.method === "ALL" || r.path === "/" || r.path.startsWith("/assets/")) continue;
        let path = r.path.replace(/:(\w+)/g, "{$1}");
        // A trailing wildcard is one named parameter in the document (the name check takes any bytes).
        if (path.endsWith("/*")) {
          const prefix = path.slice(0, -1);
          path = templates.find((t) => t.startsWith(prefix) && /^\{\w+\}$/.test(t.slice(prefix.length))) ?? path;
        }
        const method = r.method.toLowerCase();
        expect(doc.paths[path]?.[method], `${r.method} ${r.path}`).toBeDefined();
        answered.add(`${method} ${path}`);
      }
    }
    const described = Object.entries(doc.paths as Json).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
    expect(described.sort()).toEqual([...answered].sort());
    // Sanity: the enumeration saw the routes of both modes.
    expect(answered).toContain("post /api/stacks/{name}/redeploy");
    expect(answered).toContain("get /auth/callback");
  });
});

describe("real answers validate against the document", () => {
  let token: string;
  let deploymentId: string;

  test("public reads", async () => {
    expect((await call("get", "/health", `${h.url}/health`)).body.status).toBe("healthy");
    await call("get", "/api/info", `${h.url}/api/info`);
    await call("get", "/api/me", `${h.url}/api/me`);
    expect((await call("get", "/api/check/{name}", `${h.url}/api/check/alice`)).body).toMatchObject({ available: true, reason: null });
    expect((await call("get", "/api/check/{name}", `${h.url}/api/check/Bad_Name`)).body.reason).toBe("invalid_characters");
    expect((await call("get", "/api/check", `${h.url}/api/check`)).body.reason).toBe("too_short");
    await call("get", "/api/openapi.json", `${h.url}/api/openapi.json`);
    const metrics = await call("get", "/metrics", `${h.url}/metrics`);
    expect(metrics.body).toContain("# HELP");
    expect((await call("get", "/api/stacks/{name}", `${h.url}/api/stacks/nobody`)).status).toBe(404);
  });

  test("deploy, its events, snapshot, status and report", async () => {
    const accepted = await call("post", "/api/deploy", `${h.url}/api/deploy`, json({ name: "ovid" }));
    expect(accepted.status).toBe(202);
    token = accepted.body.managementToken;
    deploymentId = accepted.body.deploymentId;
    const events = await followEvents(`${h.url}${accepted.body.eventsUrl}`);
    expect(events.at(-1)?.data.status).toBe("ready");
    const stream = await call("get", "/api/deployments/{id}/events", `${h.url}/api/deployments/${deploymentId}/events?lastEventId=1`);
    expect(stream.res.headers.get("content-type")).toStartWith("text/event-stream");
    await stream.res.body?.cancel();
    const ended = await call("get", "/api/deployments/{id}/events", `${h.url}/api/deployments/${deploymentId}/events`, {
      headers: { "Last-Event-ID": events.at(-1)!.id },
    });
    expect(ended.status).toBe(204);

    expect((await call("get", "/api/deployments/{id}", `${h.url}/api/deployments/${deploymentId}`)).body.status).toBe("succeeded");
    await call("get", "/api/deployments/{id}", `${h.url}/api/deployments/${deploymentId}`, { headers: bearer(token) });
    expect((await call("get", "/api/deployments/{id}", `${h.url}/api/deployments/${deploymentId}`, { headers: bearer("mt_wrong") })).status).toBe(
      403,
    );
    expect((await call("get", "/api/deployments/{id}", `${h.url}/api/deployments/nope`)).status).toBe(404);
    await call("get", "/api/deployments/{id}/report", `${h.url}/api/deployments/${deploymentId}/report`);
    await call("get", "/api/deployments/{id}/log", `${h.url}/api/deployments/${deploymentId}/log`, { headers: bearer(token) });
    expect((await call("get", "/api/deployments/{id}/log", `${h.url}/api/deployments/${deploymentId}/log`)).status).toBe(401);
    expect((await call("get", "/api/stacks/{name}", `${h.url}/api/stacks/ovid`)).body.status).toBe("ready");
  });

  test("deploy refusals carry their documented codes", async () => {
    const codes = async (init: RequestInit) => (await call("post", "/api/deploy", `${h.url}/api/deploy`, init)).body.error.code;
    expect(await codes(json({ name: "ab" }))).toBe("too_short");
    expect(await codes(json({ name: "ovid" }))).toBe("taken");
    expect(await codes(json({ name: 5 }))).toBe("invalid_request");
    expect(await codes({ headers: { "content-type": "application/json" }, body: "{" })).toBe("invalid_json");
    expect(await codes({ headers: { "content-type": "text/plain" }, body: "ovid" })).toBe("unsupported_media_type");
    expect(await codes(json({ name: "olaf" }, { "idempotency-key": "short" }))).toBe("invalid_idempotency_key");
  });

  test("a failed deploy's snapshot, events and report", async () => {
    await fetch(`${h.sandboxUrl}/__sandbox/faults`, {
      method: "POST",
      body: JSON.stringify({ procedure: "domain.create", kind: "status", status: 400, message: "no" }),
    });
    try {
      const accepted = await call("post", "/api/deploy", `${h.url}/api/deploy`, json({ name: "oona" }));
      const events = await followEvents(`${h.url}${accepted.body.eventsUrl}`);
      expect(events.at(-1)?.data.status).toBe("failed");
      const id = accepted.body.deploymentId;
      const owner = await call("get", "/api/deployments/{id}", `${h.url}/api/deployments/${id}`, { headers: bearer(accepted.body.managementToken) });
      expect(owner.body.error.code).toBe("dokploy_rejected");
      expect((await call("get", "/api/deployments/{id}/report", `${h.url}/api/deployments/${id}/report`)).body.cleanup).not.toBeNull();
    } finally {
      await fetch(`${h.sandboxUrl}/__sandbox/faults`, { method: "DELETE" });
    }
  });

  test("the owner's reads: access, details, logs", async () => {
    const path = (what: string) => `${h.url}/api/stacks/ovid/${what}`;
    expect((await call("get", "/api/stacks/{name}/access", path("access"), { headers: bearer(token) })).body.actor).toBe("management");
    expect((await call("get", "/api/stacks/{name}/access", path("access"))).status).toBe(401);
    expect((await call("get", "/api/stacks/{name}/access", path("access"), { headers: bearer("mt_wrong") })).status).toBe(403);
    const details = await call("get", "/api/stacks/{name}/details", path("details"), { headers: bearer(token) });
    expect(details.body.dokploy.volumes.length).toBeGreaterThan(0);
    expect(details.body.operations[0].deploymentId).toBe(deploymentId);
    await call("get", "/api/stacks/{name}/details", path("details"), { headers: bearer(ADMIN_TOKEN) });
    expect((await call("get", "/api/stacks/{name}/details", path("details"))).body.error.code).toBe("unauthorized");
    expect((await call("get", "/api/stacks/{name}/details", path("details"), { headers: bearer("mt_wrong") })).body.error.code).toBe("forbidden");
    expect((await call("get", "/api/stacks/{name}/details", `${h.url}/api/stacks/nobody/details`, { headers: bearer(ADMIN_TOKEN) })).status).toBe(
      404,
    );
    const logs = await call("get", "/api/stacks/{name}/logs", `${path("logs")}?lines=20`, { headers: bearer(token) });
    expect(logs.body.deploy.lines.length).toBeGreaterThan(0);
    expect((await call("get", "/api/stacks/{name}/logs", `${path("logs")}?lines=0`, { headers: bearer(token) })).body.error.code).toBe(
      "invalid_request",
    );
  });

  test("operations: accepted, nothing to do, one at a time, a new password", async () => {
    const op = (kind: string, headers = bearer(token)) => call("post", `/api/stacks/{name}/${kind}`, `${h.url}/api/stacks/ovid/${kind}`, { headers });
    const stop = await op("stop");
    expect(stop.status).toBe(202);
    await followEvents(`${h.url}${stop.body.eventsUrl}`);
    expect((await op("stop")).body).toMatchObject({ nothingToDo: true, deploymentId: null });
    const start = await op("start");
    await followEvents(`${h.url}${start.body.eventsUrl}`);
    expect((await op("start")).body.nothingToDo).toBe(true);

    const restart = await op("restart");
    expect(restart.status).toBe(202);
    const busy = await op("redeploy");
    expect(busy.status).toBe(409);
    expect(busy.body.error).toMatchObject({ code: "operation_in_progress", deploymentId: restart.body.deploymentId });
    await followEvents(`${h.url}${restart.body.eventsUrl}`);

    const redeploy = await op("redeploy");
    await followEvents(`${h.url}${redeploy.body.eventsUrl}`);
    const password = await op("password");
    expect(password.body.credentials.password).toBeString();
    await followEvents(`${h.url}${password.body.eventsUrl}`);
    expect((await op("restart", {} as any)).status).toBe(401);
    expect((await op("restart", bearer("mt_wrong"))).status).toBe(403);
    expect((await call("post", "/api/stacks/{name}/stop", `${h.url}/api/stacks/nobody/stop`, { headers: bearer(ADMIN_TOKEN) })).status).toBe(404);
  });

  test("the admin API", async () => {
    const admin = { headers: bearer(ADMIN_TOKEN) };
    const page = await call("get", "/api/stacks", `${h.url}/api/stacks?all=true&limit=1`, admin);
    expect(page.body.next).toBeString();
    await call("get", "/api/stacks", `${h.url}${page.body.next}`, admin);
    expect((await call("get", "/api/stacks", `${h.url}/api/stacks?limit=0`, admin)).body.error.code).toBe("invalid_request");
    expect((await call("get", "/api/stacks", `${h.url}/api/stacks`)).status).toBe(401);
    expect((await call("get", "/api/stacks", `${h.url}/api/stacks`, { headers: bearer("wrong-admin-token") })).status).toBe(403);
    await call("get", "/api/admin/stacks", `${h.url}/api/admin/stacks?all=true`, admin);
    const audit = await call("get", "/api/admin/audit", `${h.url}/api/admin/audit?limit=5`, admin);
    expect(audit.body.entries.length).toBe(5);
    expect((await call("get", "/api/admin/audit", `${h.url}/api/admin/audit`)).status).toBe(401);
    await call("get", "/api/admin/reconcile", `${h.url}/api/admin/reconcile`, admin);
    const dry = await call("post", "/api/admin/reconcile", `${h.url}/api/admin/reconcile`, admin);
    expect(dry.body.report.applied).toBe(false);
    await call("post", "/api/admin/reconcile", `${h.url}/api/admin/reconcile`, json({ apply: false }, bearer(ADMIN_TOKEN)));
    expect((await call("post", "/api/admin/reconcile", `${h.url}/api/admin/reconcile`, json({ apply: "yes" }, bearer(ADMIN_TOKEN)))).status).toBe(
      400,
    );
    expect((await call("get", "/api/admin/reconcile", `${h.url}/api/admin/reconcile`)).body.report).not.toBeNull();
  });

  test("delete, on both paths", async () => {
    await deployAndWait(h, "olle");
    const olle = await call("delete", "/api/stack/{name}", `${h.url}/api/stack/olle`, { headers: bearer(ADMIN_TOKEN) });
    expect(olle.status).toBe(202);
    await followEvents(`${h.url}${olle.body.eventsUrl}`);
    expect((await call("delete", "/api/stacks/{name}", `${h.url}/api/stacks/ovid`)).status).toBe(401);
    expect((await call("delete", "/api/stacks/{name}", `${h.url}/api/stacks/ovid`, { headers: bearer("mt_wrong") })).status).toBe(403);
    const ovid = await call("delete", "/api/stacks/{name}", `${h.url}/api/stacks/ovid`, { headers: bearer(token) });
    expect(ovid.body.volumeKept).toBe(true);
    await followEvents(`${h.url}${ovid.body.eventsUrl}`);
    expect((await call("delete", "/api/stacks/{name}", `${h.url}/api/stacks/ovid`, { headers: bearer(token) })).status).toBe(404);
    expect((await call("post", "/api/deploy", `${h.url}/api/deploy`, json({ name: "ovid" }))).body.error.code).toBe("recently_deleted");
  });

  test("an unknown method answers in the error format the document's default describes", async () => {
    const res = await fetch(`${h.url}/api/deploy`, { method: "PUT" });
    expect(res.status).toBe(405);
    expectValid("error", { $ref: "#/components/schemas/Error" }, await res.json());
  });

  test("over the name check's budget: 429 rate_limited", async () => {
    let limited: { status: number; body: any; res: Response } | undefined;
    for (let i = 0; i < 45 && !limited; i++) {
      const r = await call("get", "/api/check/{name}", `${h.url}/api/check/x${i}`);
      if (r.status === 429) limited = r;
    }
    expect(limited?.body.error.code).toBe("rate_limited");
    expect(limited?.res.headers.get("retry-after")).toMatch(/^\d+$/);
  });

  test("sign-in (AUTH_MODE=oidc): me, deploy, claim, logout", async () => {
    expect((await call("get", "/api/me", `${oidcUrl}/api/me`)).body).toMatchObject({ authMode: "oidc", person: null });
    expect((await call("post", "/api/deploy", `${oidcUrl}/api/deploy`, json({ name: "opal" }))).body.error.code).toBe("sign_in_required");
    const login = await call("get", "/auth/login", `${oidcUrl}/auth/login`);
    expect(login.status).toBe(303);
    const { jar } = await signIn(oidcUrl, "alice");
    const cookie = { cookie: jar.header() };
    const deployed = await call("post", "/api/deploy", `${oidcUrl}/api/deploy`, json({ name: "opal" }, { ...cookie, origin: oidcUrl }));
    expect(deployed.status).toBe(202);
    expect(deployed.body.managementToken).toBeUndefined();
    await followEvents(`${oidcUrl}${deployed.body.eventsUrl}`, cookie);
    const me = await call("get", "/api/me", `${oidcUrl}/api/me`, { headers: cookie });
    expect(me.body.stacks.map((s: any) => s.name)).toEqual(["opal"]);
    await call("get", "/api/stacks/{name}/details", `${oidcUrl}/api/stacks/opal/details`, { headers: cookie });
    const crossSite = await call("post", "/api/stacks/{name}/restart", `${oidcUrl}/api/stacks/opal/restart`, {
      headers: { ...cookie, origin: "http://elsewhere.localhost" },
    });
    expect(crossSite.body.error.code).toBe("cross_site_request");
    const claim = (headers: Record<string, string>) =>
      call("post", "/api/stacks/{name}/claim", `${oidcUrl}/api/stacks/opal/claim`, { headers: { ...headers, origin: oidcUrl } });
    expect((await claim(cookie)).body).toEqual({ name: "opal", owned: true });
    const bob = { cookie: (await signIn(oidcUrl, "bob")).jar.header() };
    expect((await claim(bob)).body.error.code).toBe("unauthorized");
    expect((await claim({ ...bob, ...bearer("mt_wrong") })).body.error.code).toBe("forbidden");
    const out = await call("post", "/auth/logout", `${oidcUrl}/auth/logout`, { headers: { ...cookie, origin: oidcUrl } });
    expect(out.body.redirect).toBeString();
    expect((await call("get", "/api/stacks/{name}/details", `${oidcUrl}/api/stacks/opal/details`, { headers: cookie })).status).toBe(401);
  });

  test("the answers above covered every kind the brief names", () => {
    for (const status of [200, 202, 204, 400, 401, 403, 404, 409, 415, 429])
      expect(
        [...seen].some((s) => s.endsWith(` ${status}`)),
        String(status),
      ).toBe(true);
  });
});
