// The warm pool with sign-in on (AUTH_MODE=oidc) against a real provider: the signed-in person
// who deploys becomes the owner of the pooled stack they take, exactly as of a stack made for
// them, and their limit holds for pooled stacks too.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Harness, poolEnv, poolReady, readEvents, sandboxState, startHarness } from "../support/harness.ts";
import { type Jar, type TestProvider, freePort, newSigningKey, oidcEnv, signIn, startProvider } from "../support/oidc.ts";

let provider: TestProvider;
let h: Harness;
let portalUrl: string;

beforeAll(async () => {
  portalUrl = `http://127.0.0.1:${await freePort()}`;
  provider = await startProvider({ keys: [await newSigningKey("key-1")], portalUrl });
  h = await startHarness({
    // With STACK_SSO: a claimed stack's domain asks the portal first, as a deployed one's does.
    env: (sandboxUrl) =>
      oidcEnv(provider, portalUrl, {
        ...poolEnv(sandboxUrl),
        MAX_STACKS_PER_USER: "1",
        STACK_SSO: "on",
        STACK_SSO_ADDRESS: "http://portal-app:3000/auth/stack",
      }),
  });
});

afterAll(async () => {
  await h?.stop();
  await provider?.stop();
});

const deploy = (jar: Jar, name: string) =>
  fetch(`${portalUrl}/api/deploy`, {
    method: "POST",
    headers: { cookie: jar.header(), origin: portalUrl, "sec-fetch-site": "same-origin", "content-type": "application/json" },
    body: JSON.stringify({ name }),
  }).then(async (res) => ({ status: res.status, body: (await res.json()) as any }));

describe("a signed-in person takes a pooled stack", () => {
  test("and owns it: no management token, in their stacks, managed with their session; their limit holds", async () => {
    await poolReady(h, 2);
    const alice = (await signIn(portalUrl, "alice")).jar;
    const accepted = await deploy(alice, "alice-pooled");
    expect(accepted.status).toBe(202);
    expect(accepted.body.managementToken).toBeUndefined();
    const events = await readEvents(`${portalUrl}${accepted.body.eventsUrl}`, { headers: { cookie: alice.header() } });
    expect(events.at(-1)!.data.status).toBe("ready");
    expect(events.some((e) => e.event === "step" && e.data.step === "claim")).toBe(true);
    const owned = h.portal.store.stacks.live("alice-pooled")!;
    expect(owned.owner).toMatchObject({ subject: "alice" });
    const domain = (await sandboxState(h)).domains.find((d: any) => d.applicationId === owned.applicationId);
    expect(domain).toMatchObject({ host: "alice-pooled.stacks.test", middlewares: ["ai-stack-sso"] });
    const me = await (await fetch(`${portalUrl}/api/me`, { headers: { cookie: alice.header() } })).json();
    expect(me.stacks.map((s: any) => s.name)).toEqual(["alice-pooled"]);
    const details = await fetch(`${portalUrl}/api/stacks/alice-pooled/details`, { headers: { cookie: alice.header() } });
    expect(details.status).toBe(200);
    // Somebody else cannot manage it.
    const bob = (await signIn(portalUrl, "bob")).jar;
    expect((await fetch(`${portalUrl}/api/stacks/alice-pooled/details`, { headers: { cookie: bob.header() } })).status).toBe(403);

    // Alice at her limit: refused, and the pool keeps its ready stack for someone else.
    await poolReady(h, 2);
    const second = await deploy(alice, "alice-second");
    expect(second).toMatchObject({ status: 409, body: { error: { code: "user_stack_limit" } } });
    expect(h.portal.store.pool.counts().ready).toBe(2);
    expect(h.portal.store.stacks.live("alice-second")).toBeNull();
  });
});
