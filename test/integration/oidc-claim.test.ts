// Switching AUTH_MODE from open to oidc on an existing data directory: the old stacks stay,
// their tokens keep working, and a signed-in person can claim one with its token.
// Also: behind https the cookies are `__Host-` cookies with Secure.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Harness, deployAndWait, startHarness } from "../support/harness.ts";
import { Jar, type TestProvider, beginLogin, freePort, newSigningKey, oidcEnv, signIn, signInAtProvider, startProvider } from "../support/oidc.ts";

let provider: TestProvider;
let h: Harness;
let portalUrl: string;
let legacyToken: string;
let legacyTwoToken: string;
const dataDir = mkdtempSync(join(tmpdir(), "portal-claim-"));

beforeAll(async () => {
  // Before sign-in was switched on.
  const open = await startHarness({ dataDir });
  legacyToken = (await deployAndWait(open, "legacy")).managementToken!;
  legacyTwoToken = (await deployAndWait(open, "legacy-two")).managementToken!;
  await open.stop();
  portalUrl = `http://127.0.0.1:${await freePort()}`;
  provider = await startProvider({ keys: [await newSigningKey("key-1")], portalUrl });
  h = await startHarness({ dataDir, env: oidcEnv(provider, portalUrl) });
});

afterAll(async () => {
  await h?.stop();
  await provider?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const post = (path: string, jar: Jar, token?: string) =>
  fetch(`${portalUrl}${path}`, {
    method: "POST",
    headers: { cookie: jar.header(), origin: portalUrl, ...(token ? { authorization: `Bearer ${token}` } : {}) },
  }).then(async (res) => ({ status: res.status, body: (await res.json()) as any }));

describe("stacks from before sign-in", () => {
  test("stay as they were, unowned, and their management token still manages them", async () => {
    expect(h.portal.store.stacks.live("legacy")).toMatchObject({ status: "ready", owner: null });
    const status = await fetch(`${portalUrl}/api/stacks/legacy`);
    expect(status.status).toBe(200);
  });

  test("a signed-in person claims one with its management token and then manages it without", async () => {
    const alice = (await signIn(portalUrl, "alice")).jar;
    expect((await post("/api/stacks/legacy/claim", alice)).body.error.code).toBe("unauthorized");
    expect((await post("/api/stacks/legacy/claim", alice, "mt_not-the-token")).body.error.code).toBe("forbidden");
    const claimed = await post("/api/stacks/legacy/claim", alice, legacyToken);
    expect(claimed).toEqual({ status: 200, body: { name: "legacy", owned: true } });
    expect(h.portal.store.stacks.live("legacy")!.owner).toMatchObject({ subject: "alice", name: "Alice Example" });
    const me = await (await fetch(`${portalUrl}/api/me`, { headers: { cookie: alice.header() } })).json();
    expect(me.stacks.map((s: any) => s.name)).toEqual(["legacy"]);
    expect(h.portal.store.audit.page(20).find((e) => e.action === "claim" && e.outcome === "accepted")?.person?.subject).toBe("alice");

    // Somebody else, even with the token, cannot take it over.
    const bob = (await signIn(portalUrl, "bob")).jar;
    const taken = await post("/api/stacks/legacy/claim", bob, legacyToken);
    expect(taken).toMatchObject({ status: 409, body: { error: { code: "already_owned" } } });

    // Alice sees its deployments now; Bob does not.
    const deploymentId = me.stacks[0].deploymentId;
    expect((await fetch(`${portalUrl}/api/deployments/${deploymentId}`, { headers: { cookie: alice.header() } })).status).toBe(200);
    expect((await fetch(`${portalUrl}/api/deployments/${deploymentId}`, { headers: { cookie: bob.header() } })).status).toBe(403);

    // MAX_STACKS_PER_USER (1) counts claimed stacks too.
    const over = await post("/api/stacks/legacy-two/claim", alice, legacyTwoToken);
    expect(over).toMatchObject({ status: 409, body: { error: { code: "user_stack_limit" } } });
    expect(h.portal.store.stacks.live("legacy-two")!.owner).toBeNull();

    // The token still works for automation after the claim.
    const removed = await fetch(`${portalUrl}/api/stacks/legacy`, { method: "DELETE", headers: { authorization: `Bearer ${legacyToken}` } });
    expect(removed.status).toBe(202);
  });
});

describe("cookies behind https", () => {
  test("are __Host- cookies with Secure, HttpOnly, SameSite=Lax and Path=/", async () => {
    const port = await freePort();
    const publicUrl = "https://portal.localhost";
    const idp = await startProvider({ keys: [await newSigningKey("key-1")], portalUrl: publicUrl });
    const portal = await startHarness({ env: oidcEnv(idp, publicUrl, { PORT: String(port) }) });
    try {
      const local = `http://127.0.0.1:${port}`;
      const jar = new Jar();
      const start = await fetch(`${local}/auth/login`, { redirect: "manual" });
      expect(start.headers.getSetCookie()).toEqual([
        expect.stringMatching(/^__Host-asd-login=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=600; HttpOnly; SameSite=Lax; Secure$/),
      ]);
      const authorization = await beginLogin(local, jar);
      expect(new URL(authorization).searchParams.get("redirect_uri")).toBe("https://portal.localhost/auth/callback");
      const callback = await signInAtProvider(authorization, "alice");
      // The proxy in front (Traefik) would hand this to the portal over http.
      const res = await fetch(callback.replace(publicUrl, local), { redirect: "manual", headers: { cookie: jar.header() } });
      expect(res.status).toBe(303);
      const session = res.headers.getSetCookie().find((c) => c.startsWith("__Host-asd-session="));
      expect(session).toMatch(/^__Host-asd-session=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=604800; HttpOnly; SameSite=Lax; Secure$/);
      jar.take(res);
      const me = await (await fetch(`${local}/api/me`, { headers: { cookie: jar.header() } })).json();
      expect(me.person.name).toBe("Alice Example");
      // Changes are accepted from the public origin only.
      const deploy = (origin: string) =>
        fetch(`${local}/api/deploy`, {
          method: "POST",
          headers: { cookie: jar.header(), origin, "content-type": "application/json" },
          body: JSON.stringify({ name: "alice-secure" }),
        });
      expect((await deploy(local)).status).toBe(403);
      expect((await deploy(publicUrl)).status).toBe(202);
    } finally {
      await portal.stop();
      await idp.stop();
    }
  });
});
