// The sandbox's Traefik with a domain's middlewares and the global middleware file: forwardAuth
// as Traefik v3 documents it.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { type Client, deployAndWait, makeApp, startClient } from "./helpers.ts";

let c: Client;
/** An auth server that records what it was asked and answers what the test says. */
let auth: ReturnType<typeof Bun.serve>;
let asked: Headers[] = [];
let answer: () => Response = () => new Response(null, { status: 200 });

beforeAll(async () => {
  c = await startClient();
  auth = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req) {
      asked.push(req.headers);
      return answer();
    },
  });
});
afterAll(async () => {
  await c.stop();
  auth.stop(true);
});
beforeEach(() => {
  c.started.sandbox.reset();
  asked = [];
});

const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;
const FILE = (address: string) =>
  `http:\n  middlewares:\n    gate:\n      forwardAuth:\n        address: "${address}"\n        authResponseHeaders:\n          - Authorization\n        addAuthCookiesToResponse:\n          - pass\n`;

async function gatedStack(middlewares: string[]) {
  const { app } = await makeApp(c, { name: "gated", image: "img:1", env: "OPENCODE_SERVER_PASSWORD=pw" });
  await c.call("domain.create", {
    host: "gated.stacks.test",
    applicationId: app.applicationId,
    port: 4096,
    https: true,
    certificateType: "none",
    middlewares,
  });
  await deployAndWait(c, app.applicationId);
  await Bun.sleep(40);
  return app;
}

const get = (path: string, headers: Record<string, string> = {}) =>
  fetch(`${c.url}${path}`, { redirect: "manual", headers: { host: "gated.stacks.test", ...headers } });

describe("forwardAuth in the sandbox's Traefik", () => {
  test("the auth server gets the forwarded headers; on 2xx its Authorization replaces the client's and its cookie reaches the browser", async () => {
    await c.call("settings.updateMiddlewareTraefikConfig", { traefikConfig: FILE(`http://127.0.0.1:${auth.port}/check`) });
    await gatedStack(["gate"]);
    answer = () => new Response(null, { status: 200, headers: { Authorization: basic("opencode", "pw"), "Set-Cookie": "pass=1; Path=/; HttpOnly" } });
    const res = await get("/global/health?x=1", { authorization: basic("opencode", "wrong"), "x-forwarded-host": "spoofed.example" });
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie()).toEqual(["pass=1; Path=/; HttpOnly"]);
    const h = asked[0]!;
    expect(h.get("x-forwarded-host")).toBe("gated.stacks.test");
    expect(h.get("x-forwarded-uri")).toBe("/global/health?x=1");
    expect(h.get("x-forwarded-method")).toBe("GET");
    expect(h.get("x-forwarded-proto")).toBe("http");
    // Without Authorization in the answer, Traefik removes the client's: OpenCode says 401.
    answer = () => new Response(null, { status: 204 });
    expect((await get("/global/health", { authorization: basic("opencode", "pw") })).status).toBe(401);
  });

  test("any other answer goes to the client as it is, Set-Cookie included; the service is not asked", async () => {
    await c.call("settings.updateMiddlewareTraefikConfig", { traefikConfig: FILE(`http://127.0.0.1:${auth.port}/check`) });
    await gatedStack(["gate@file"]);
    answer = () => new Response("go sign in", { status: 302, headers: { Location: "https://portal.example/x", "Set-Cookie": "pass=; Max-Age=0" } });
    const res = await get("/");
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("https://portal.example/x");
    expect(res.headers.getSetCookie()).toEqual(["pass=; Max-Age=0"]);
    expect(await res.text()).toBe("go sign in");
    answer = () => new Response("<p>no</p>", { status: 403, headers: { "content-type": "text/html" } });
    const denied = await get("/global/health");
    expect(denied.status).toBe(403);
    expect(await denied.text()).toBe("<p>no</p>");
  });

  test("a middleware the file does not define drops the router (404); an unreachable auth server is a 500", async () => {
    await gatedStack(["gate"]);
    expect((await get("/")).status).toBe(404);
    await c.call("settings.updateMiddlewareTraefikConfig", { traefikConfig: FILE("http://127.0.0.1:9/check") });
    expect((await get("/")).status).toBe(500);
  });

  test("the file starts as Dokploy writes it, and domain.update changes a router's middlewares at once", async () => {
    expect(await c.q("settings.readMiddlewareTraefikConfig")).toBe(
      "http:\n  middlewares:\n    redirect-to-https:\n      redirectScheme:\n        scheme: https\n        permanent: true\n",
    );
    await c.call("settings.updateMiddlewareTraefikConfig", { traefikConfig: FILE(`http://127.0.0.1:${auth.port}/check`) });
    const app = await gatedStack([]);
    expect((await get("/global/health")).status).toBe(401);
    const [domain] = await c.q("domain.byApplicationId", { applicationId: app.applicationId });
    answer = () => new Response(null, { status: 200, headers: { Authorization: basic("opencode", "pw") } });
    const updated = await c.call("domain.update", { domainId: domain.domainId, host: domain.host, middlewares: ["gate"] });
    expect(updated.middlewares).toEqual(["gate"]);
    expect(updated.port).toBe(4096);
    expect((await get("/global/health")).status).toBe(200);
    expect((await c.post("/api/domain.update", { domainId: "nope", host: "x.test" })).status).toBe(404);
  });
});
