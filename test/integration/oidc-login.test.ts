import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Harness, readEvents, startHarness } from "../support/harness.ts";
import { Jar, type TestProvider, freePort, newSigningKey, oidcEnv, signIn, startProvider } from "../support/oidc.ts";

let provider: TestProvider;
let h: Harness;
let portalUrl: string;

beforeAll(async () => {
  const port = await freePort();
  portalUrl = `http://127.0.0.1:${port}`;
  provider = await startProvider({ keys: [await newSigningKey("key-1")], portalUrl });
  h = await startHarness({ env: oidcEnv(provider, portalUrl) });
});

afterAll(async () => {
  await h?.stop();
  await provider?.stop();
});

const api = (path: string, jar: Jar, init: RequestInit = {}) =>
  fetch(`${portalUrl}${path}`, { ...init, headers: { cookie: jar.header(), ...(init.headers as Record<string, string>) } });

describe("sign-in with the provider, then deploy and manage as that person", () => {
  test("alice signs in, gets one stack with no management token, manages it; bob cannot, carol (admin) can", async () => {
    const { jar, location } = await signIn(portalUrl, "alice");
    expect(location).toBe("/");
    const me = await (await api("/api/me", jar)).json();
    expect(me).toMatchObject({
      authMode: "oidc",
      providerName: "Gitea",
      person: { name: "Alice Example", email: "alice@example.org", username: "Alice.Example", admin: false },
      suggestedName: "alice-example",
      stacks: [],
    });

    const deploy = await api("/api/deploy", jar, {
      method: "POST",
      headers: { "content-type": "application/json", origin: portalUrl },
      body: JSON.stringify({ name: "alice-example" }),
    });
    expect(deploy.status).toBe(202);
    const accepted = await deploy.json();
    expect(accepted.managementToken).toBeUndefined();
    expect(accepted.credentials.password).toBeString();
    const events = await readEvents(`${portalUrl}${accepted.eventsUrl}`, { headers: { cookie: jar.header() } } as never).catch((e) => e);
    expect(events).toBeDefined();
  });
});
