// What the portal checks at sign-in, against a real provider: state, PKCE and nonce; the ID
// token's issuer, audience and signature (with the provider's key rotation); session lifetimes.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { createHash, randomBytes } from "node:crypto";
import { movableClock } from "../support/clock.ts";
import { type Harness, startHarness } from "../support/harness.ts";
import {
  CLIENT_ID,
  CLIENT_SECRET,
  Jar,
  OTHER_CLIENT_ID,
  OTHER_CLIENT_SECRET,
  type PrivateJwk,
  type TestProvider,
  beginLogin,
  finishLogin,
  freePort,
  newSigningKey,
  oidcEnv,
  signIn,
  signInAtProvider,
  startProvider,
} from "../support/oidc.ts";

let key1: PrivateJwk;
let provider: TestProvider;
let h: Harness;
let portalUrl: string;
const extra: TestProvider[] = [];

beforeAll(async () => {
  key1 = await newSigningKey("key-1");
  portalUrl = `http://127.0.0.1:${await freePort()}`;
  provider = await startProvider({ keys: [key1], portalUrl });
  h = await startHarness({ env: oidcEnv(provider, portalUrl) });
});

afterEach(async () => {
  await Promise.all(extra.splice(0).map((p) => p.stop()));
});

afterAll(async () => {
  await h?.stop();
  await provider?.stop();
});

const me = async (jar: Jar) => (await fetch(`${portalUrl}/api/me`, { headers: { cookie: jar.header() } })).json();
const param = (url: string, name: string) => new URL(url).searchParams.get(name)!;

/** Asserts a callback was refused: back to the page with `signin=failed`, no session. */
async function expectRefused(callback: string, jar: Jar, reason: RegExp) {
  const before = h.logs.length;
  const done = await finishLogin(callback, jar);
  expect(done).toEqual({ status: 303, location: "/?signin=failed" });
  expect([...jar.cookies.keys()]).not.toContain("asd-session");
  expect((await me(jar)).person).toBeNull();
  expect(h.logs.slice(before).join("\n")).toMatch(reason);
}

/**
 * Signs in at `at` directly as a client of it (not through the portal) with the given nonce,
 * and returns the ID token its token endpoint hands out: a real, provider-signed token.
 */
async function idTokenFrom(at: TestProvider, opts: { clientId: string; secret: string; nonce: string; login: string }): Promise<string> {
  const verifier = randomBytes(32).toString("base64url");
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  const auth = new URL(`${at.url}/auth`);
  for (const [k, v] of Object.entries({
    client_id: opts.clientId,
    response_type: "code",
    scope: "openid",
    redirect_uri: `${portalUrl}/auth/callback`,
    state: "s".repeat(20),
    nonce: opts.nonce,
    code_challenge: challenge,
    code_challenge_method: "S256",
  }))
    auth.searchParams.set(k, v);
  const callback = await signInAtProvider(auth.href, opts.login);
  const res = await fetch(`${at.url}/token`, {
    method: "POST",
    headers: { authorization: `Basic ${btoa(`${opts.clientId}:${opts.secret}`)}`, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code: param(callback, "code"),
      redirect_uri: `${portalUrl}/auth/callback`,
      code_verifier: verifier,
    }),
  });
  const body = (await res.json()) as { id_token?: string };
  if (!body.id_token) throw new Error(`no id_token from ${at.url}: ${JSON.stringify(body)}`);
  return body.id_token;
}

describe("the authorization response", () => {
  test("a state that is not this browser's sign-in is refused", async () => {
    const jar = new Jar();
    const callback = await signInAtProvider(await beginLogin(portalUrl, jar), "alice");
    const forged = new URL(callback);
    forged.searchParams.set("state", "a-state-this-browser-never-sent");
    await expectRefused(forged.href, jar, /"state\\?" response parameter value/);
  });

  test("a callback without this browser's login attempt (no cookie) is refused", async () => {
    const callback = await signInAtProvider(await beginLogin(portalUrl, new Jar()), "alice");
    const stranger = new Jar();
    await expectRefused(callback, stranger, /without a login attempt/);
  });

  test("PKCE: a code issued to another sign-in (code injection) is refused by the code verifier", async () => {
    const victim = new Jar();
    const victimStart = await beginLogin(portalUrl, victim);
    const attacker = new Jar();
    const attackerCallback = await signInAtProvider(await beginLogin(portalUrl, attacker), "mallory");
    // The attacker's code, with the victim's own state, into the victim's browser.
    const injected = new URL(attackerCallback);
    injected.searchParams.set("state", param(victimStart, "state"));
    const said = provider.output().length;
    await expectRefused(injected.href, victim, /"error":"invalid_grant"/);
    // The provider says why it refused the code: the victim's verifier does not fit it.
    expect(provider.output().slice(said)).toContain("code_verifier does not match code_challenge");
  });

  test("a nonce other than the one sent is refused", async () => {
    const jar = new Jar();
    const start = new URL(await beginLogin(portalUrl, jar));
    start.searchParams.set("nonce", "a-nonce-the-portal-never-sent");
    const callback = await signInAtProvider(start.href, "alice");
    await expectRefused(callback, jar, /ID Token \\?"nonce\\?" claim value/);
  });
});

describe("the ID token", () => {
  test("control: a token swapped in with the right issuer, audience, nonce and key is accepted", async () => {
    const jar = new Jar();
    const start = await beginLogin(portalUrl, jar);
    await provider.swapIdToken(
      await idTokenFrom(provider, { clientId: CLIENT_ID, secret: CLIENT_SECRET, nonce: param(start, "nonce"), login: "alice" }),
    );
    const done = await finishLogin(await signInAtProvider(start, "alice"), jar);
    expect(done.location).toBe("/");
    expect((await me(jar)).person.name).toBe("Alice Example");
  });

  test("a token for another client (audience) of the same provider is refused", async () => {
    const jar = new Jar();
    const start = await beginLogin(portalUrl, jar);
    await provider.swapIdToken(
      await idTokenFrom(provider, { clientId: OTHER_CLIENT_ID, secret: OTHER_CLIENT_SECRET, nonce: param(start, "nonce"), login: "alice" }),
    );
    await expectRefused(await signInAtProvider(start, "alice"), jar, /"aud\\?" \(audience\)/);
  });

  test("a token from another issuer (same keys, same client) is refused", async () => {
    const other = await startProvider({ keys: [key1], portalUrl });
    extra.push(other);
    const jar = new Jar();
    const start = await beginLogin(portalUrl, jar);
    await provider.swapIdToken(
      await idTokenFrom(other, { clientId: CLIENT_ID, secret: CLIENT_SECRET, nonce: param(start, "nonce"), login: "alice" }),
    );
    await expectRefused(await signInAtProvider(start, "alice"), jar, /"iss\\?" \(issuer\)/);
  });

  test("a token signed with a key the provider does not publish is refused", async () => {
    // A rogue server that calls itself by our provider's name, with its own key.
    const rogue = await startProvider({ keys: [await newSigningKey("rogue-key")], portalUrl, issuer: provider.issuer });
    extra.push(rogue);
    const jar = new Jar();
    const start = await beginLogin(portalUrl, jar);
    await provider.swapIdToken(
      await idTokenFrom(rogue, { clientId: CLIENT_ID, secret: CLIENT_SECRET, nonce: param(start, "nonce"), login: "alice" }),
    );
    await expectRefused(await signInAtProvider(start, "alice"), jar, /no applicable key|matching key|JWKSNoMatchingKey/i);
  });
});

describe("the provider's key rotation", () => {
  test("after the provider signs with a new key, sign-in still works (the key set is read again)", async () => {
    const rotPortalUrl = `http://127.0.0.1:${await freePort()}`;
    let idp = await startProvider({ keys: [await newSigningKey("old-key")], portalUrl: rotPortalUrl });
    const portal = await startHarness({ env: oidcEnv(idp, rotPortalUrl) });
    try {
      expect((await signIn(rotPortalUrl, "alice")).location).toBe("/");
      const firstAt = Date.now();
      const port = idp.port;
      await idp.stop();
      idp = await startProvider({ port, keys: [await newSigningKey("new-key"), await newSigningKey("old-key-2")], portalUrl: rotPortalUrl });
      // The portal re-reads keys at most once a second.
      await Bun.sleep(Math.max(0, 1_100 - (Date.now() - firstAt)));
      const { jar, location } = await signIn(rotPortalUrl, "bob");
      expect(location).toBe("/");
      const who = await (await fetch(`${rotPortalUrl}/api/me`, { headers: { cookie: jar.header() } })).json();
      expect(who.person.name).toBe("Bob Builder");
    } finally {
      await portal.stop();
      await idp.stop();
    }
  });
});

describe("sessions", () => {
  test("a session ends after SESSION_IDLE_TIMEOUT without requests; requests keep it alive", async () => {
    const idlePortalUrl = `http://127.0.0.1:${await freePort()}`;
    const idp = await startProvider({ keys: [key1], portalUrl: idlePortalUrl });
    extra.push(idp);
    // The sessions' clock moves only when the test says: a busy machine cannot end a session early.
    const clock = movableClock();
    const portal = await startHarness({
      env: oidcEnv(idp, idlePortalUrl, { SESSION_IDLE_TIMEOUT: "2s", SESSION_MAX_AGE: "1h" }),
      sessionClock: clock.now,
    });
    try {
      const { jar } = await signIn(idlePortalUrl, "alice");
      const ask = async () => (await fetch(`${idlePortalUrl}/api/me`, { headers: { cookie: jar.header() } })).json();
      // Active: a request every 500 ms for 2.5 s (longer than the idle timeout) keeps it.
      for (let i = 0; i < 5; i++) {
        clock.advance(500);
        expect((await ask()).person?.name).toBe("Alice Example");
      }
      clock.advance(2_300);
      const deploy = await fetch(`${idlePortalUrl}/api/deploy`, {
        method: "POST",
        headers: { cookie: jar.header(), "content-type": "application/json", origin: idlePortalUrl },
        body: JSON.stringify({ name: "idle-alice" }),
      });
      expect(deploy.status).toBe(401);
      expect((await deploy.json()).error.code).toBe("session_expired");
      const after = await ask();
      expect(after).toMatchObject({ person: null, expired: true });
      expect(portal.portal.store.stacks.live("idle-alice")).toBeNull();
    } finally {
      await portal.stop();
    }
  });

  test("a session ends at SESSION_MAX_AGE however active it is", async () => {
    const agePortalUrl = `http://127.0.0.1:${await freePort()}`;
    const idp = await startProvider({ keys: [key1], portalUrl: agePortalUrl });
    extra.push(idp);
    const clock = movableClock();
    const portal = await startHarness({
      env: oidcEnv(idp, agePortalUrl, { SESSION_IDLE_TIMEOUT: "2s", SESSION_MAX_AGE: "4s" }),
      sessionClock: clock.now,
    });
    try {
      const { jar } = await signIn(agePortalUrl, "alice");
      const ask = async () => (await fetch(`${agePortalUrl}/api/me`, { headers: { cookie: jar.header() } })).json();
      for (let i = 0; i < 6; i++) {
        clock.advance(500);
        expect((await ask()).person?.name).toBe("Alice Example");
      }
      clock.advance(1_300);
      expect(await ask()).toMatchObject({ person: null, expired: true });
    } finally {
      await portal.stop();
    }
  });

  test("signing in again gives a new session id and ends the old one", async () => {
    const { jar } = await signIn(portalUrl, "alice");
    const first = jar.cookies.get("asd-session")!;
    await signIn(portalUrl, "alice", jar);
    const second = jar.cookies.get("asd-session")!;
    expect(second).not.toBe(first);
    const old = await (await fetch(`${portalUrl}/api/me`, { headers: { cookie: `asd-session=${first}` } })).json();
    expect(old.person).toBeNull();
    expect((await me(jar)).person.name).toBe("Alice Example");
  });

  test("the session id is stored only as a hash", async () => {
    const { jar } = await signIn(portalUrl, "bob");
    const id = jar.cookies.get("asd-session")!;
    const rows = h.portal.store.db.query("SELECT id_hash FROM sessions").all() as { id_hash: string }[];
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.some((r) => r.id_hash === id)).toBe(false);
    expect(rows.some((r) => r.id_hash === createHash("sha256").update(id).digest("hex"))).toBe(true);
  });
});
