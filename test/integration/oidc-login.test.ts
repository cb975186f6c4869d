// AUTH_MODE=oidc over HTTP against a real provider (test/support/oidc-provider.mjs): who may
// deploy, who owns and manages a stack, admins, cross-site requests, sign-out.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Harness, startHarness } from "../support/harness.ts";
import { type Jar, type TestProvider, freePort, newSigningKey, oidcEnv, signIn, startProvider } from "../support/oidc.ts";

let provider: TestProvider;
let h: Harness;
let portalUrl: string;

beforeAll(async () => {
  portalUrl = `http://127.0.0.1:${await freePort()}`;
  provider = await startProvider({ keys: [await newSigningKey("key-1")], portalUrl });
  h = await startHarness({ env: oidcEnv(provider, portalUrl) });
});

afterAll(async () => {
  await h?.stop();
  await provider?.stop();
});

const api = (path: string, jar: Jar | null, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) =>
  fetch(`${portalUrl}${path}`, {
    method: init.method ?? "GET",
    headers: {
      ...(jar ? { cookie: jar.header() } : {}),
      // What a browser sends from the portal's own page.
      ...(init.method && init.method !== "GET" ? { origin: portalUrl, "sec-fetch-site": "same-origin" } : {}),
      ...(init.body !== undefined ? { "content-type": "application/json" } : {}),
      ...init.headers,
    },
    body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
  });

const json = async (res: Response) => ({ status: res.status, body: (await res.json()) as any });

async function waitUntilDone(jar: Jar, deploymentId: string): Promise<any> {
  for (let i = 0; i < 200; i++) {
    const snap = (await json(await api(`/api/deployments/${deploymentId}`, jar))).body;
    if (snap.status !== "running") return snap;
    await Bun.sleep(50);
  }
  throw new Error("deployment did not finish");
}

describe("AUTH_MODE=oidc", () => {
  test("the public endpoints stay public; deploying needs a signed-in person", async () => {
    expect((await api("/health", null)).status).toBe(200);
    expect((await json(await api("/api/check/somebody", null))).body.available).toBe(true);
    const me = (await json(await api("/api/me", null))).body;
    expect(me).toMatchObject({ authMode: "oidc", providerName: "Gitea", signInUrl: "/auth/login", person: null, expired: false });
    const anonymous = await json(await api("/api/deploy", null, { method: "POST", body: { name: "anonymous" } }));
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.code).toBe("sign_in_required");
    expect(h.portal.store.stacks.live("anonymous")).toBeNull();
  });

  test("alice signs in, deploys one stack without seeing a token, and manages it; bob cannot, carol (admin) can", async () => {
    const alice = (await signIn(portalUrl, "alice")).jar;
    const me = (await json(await api("/api/me", alice))).body;
    expect(me).toMatchObject({
      person: { name: "Alice Example", email: "alice@example.org", username: "Alice.Example", admin: false },
      suggestedName: "alice-example",
      maxStacksPerUser: 1,
      stacks: [],
    });

    const deployed = await json(await api("/api/deploy", alice, { method: "POST", body: { name: me.suggestedName } }));
    expect(deployed.status).toBe(202);
    expect(deployed.body.managementToken).toBeUndefined();
    expect(deployed.body.credentials.password).toBeString();
    const snap = await waitUntilDone(alice, deployed.body.deploymentId);
    expect(snap.status).toBe("succeeded");

    // The stack records its owner; "Your stacks" lists it.
    expect(h.portal.store.stacks.live("alice-example")!.owner).toMatchObject({ name: "Alice Example", email: "alice@example.org", subject: "alice" });
    const mine = (await json(await api("/api/me", alice))).body.stacks;
    expect(mine).toEqual([expect.objectContaining({ name: "alice-example", status: "ready", deploymentId: deployed.body.deploymentId })]);

    // MAX_STACKS_PER_USER=1 (the default).
    const second = await json(await api("/api/deploy", alice, { method: "POST", body: { name: "alice-second" } }));
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe("user_stack_limit");
    expect(h.portal.store.stacks.live("alice-second")).toBeNull();

    // Bob: signed in, allowed, but not the owner.
    const bob = (await signIn(portalUrl, "bob")).jar;
    expect((await json(await api(`/api/deployments/${deployed.body.deploymentId}`, bob))).status).toBe(403);
    expect((await api(`/api/deployments/${deployed.body.deploymentId}/events`, bob)).status).toBe(403);
    expect((await json(await api(`/api/deployments/${deployed.body.deploymentId}`, null))).status).toBe(401);
    // The rollback report follows the snapshot's rule: nothing for someone who may not see the stack.
    expect((await api(`/api/deployments/${deployed.body.deploymentId}/report`, bob)).status).toBe(403);
    expect((await api(`/api/deployments/${deployed.body.deploymentId}/report`, null)).status).toBe(401);
    expect((await api(`/api/deployments/${deployed.body.deploymentId}/report`, alice)).status).toBe(200);
    const bobDelete = await json(await api("/api/stacks/alice-example", bob, { method: "DELETE" }));
    expect(bobDelete.status).toBe(403);
    expect(bobDelete.body.error.code).toBe("forbidden");
    expect((await api("/api/stacks", bob)).status).toBe(401);
    expect((await json(await api("/api/me", bob))).body.stacks).toEqual([]);

    // Carol is in OIDC_ADMIN_GROUPS: sees every stack with its owner, and the audit log.
    const carol = (await signIn(portalUrl, "carol")).jar;
    expect((await json(await api("/api/me", carol))).body.person.admin).toBe(true);
    const list = await json(await api("/api/stacks", carol));
    expect(list.status).toBe(200);
    expect(list.body.stacks.find((s: any) => s.name === "alice-example").owner).toMatchObject({ name: "Alice Example", email: "alice@example.org" });
    expect((await api(`/api/deployments/${deployed.body.deploymentId}`, carol)).status).toBe(200);
    expect((await api(`/api/deployments/${deployed.body.deploymentId}/report`, carol)).status).toBe(200);
    const audit = (await json(await api("/api/admin/audit", carol))).body.entries;
    const deployEntry = audit.find((e: any) => e.action === "deploy" && e.stackName === "alice-example" && e.outcome === "accepted");
    expect(deployEntry).toMatchObject({ actor: "person", person: { subject: "alice", name: "Alice Example", email: "alice@example.org" } });
    expect(audit.find((e: any) => e.action === "delete" && e.outcome === "forbidden")?.person?.subject).toBe("bob");

    // Alice deletes her stack: no token asked.
    const removed = await json(await api("/api/stacks/alice-example", alice, { method: "DELETE" }));
    expect(removed.status).toBe(202);
    expect((await waitUntilDone(alice, removed.body.deploymentId)).status).toBe("succeeded");
    const deleteEntry = (await json(await api("/api/admin/audit", carol))).body.entries.find(
      (e: any) => e.action === "delete" && e.outcome === "accepted" && e.stackName === "alice-example",
    );
    expect(deleteEntry).toMatchObject({ actor: "owner", person: { subject: "alice" } });

    // The name is held for her: she (and nobody else) may take it back, without a token.
    expect((await json(await api("/api/check/alice-example", bob))).body.reason).toBe("recently_deleted");
    expect((await json(await api("/api/check/alice-example", alice))).body).toMatchObject({ available: true, reason: null });
    const bobTakes = await json(await api("/api/deploy", bob, { method: "POST", body: { name: "alice-example" } }));
    expect(bobTakes.body.error.code).toBe("recently_deleted");
    const again = await json(await api("/api/deploy", alice, { method: "POST", body: { name: "alice-example" } }));
    expect(again.status).toBe(202);
    await waitUntilDone(alice, again.body.deploymentId);
    // Carol (admin) deletes it.
    const byAdmin = await json(await api("/api/stacks/alice-example", carol, { method: "DELETE" }));
    expect(byAdmin.status).toBe(202);
    await waitUntilDone(carol, byAdmin.body.deploymentId);
  });

  test("a person outside the allowed groups and e-mail domains gets the not-allowed page and no session", async () => {
    const { jar, location } = await signIn(portalUrl, "mallory");
    expect(location).toBe("/?signin=not_allowed");
    expect([...jar.cookies.keys()]).not.toContain("asd-session");
    expect((await json(await api("/api/me", jar))).body.person).toBeNull();
    const deploy = await json(await api("/api/deploy", jar, { method: "POST", body: { name: "mallory" } }));
    expect(deploy.status).toBe(401);
    expect(h.portal.store.stacks.live("mallory")).toBeNull();
    const refused = h.portal.store.audit.page(50).find((e) => e.action === "sign_in" && e.outcome === "not_allowed");
    expect(refused?.person?.subject).toBe("mallory");
    // Dave is in no allowed group, but his e-mail domain is allowed.
    expect((await signIn(portalUrl, "dave")).location).toBe("/");
  });

  test("a cross-site POST or DELETE with the session cookie is refused, and changes nothing", async () => {
    const bob = (await signIn(portalUrl, "bob")).jar;
    for (const headers of [{ "sec-fetch-site": "cross-site" }, { "sec-fetch-site": "same-site" }]) {
      const res = await json(await api("/api/deploy", bob, { method: "POST", body: { name: "bob-forged" }, headers }));
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe("cross_site_request");
    }
    const forgedOrigin = await fetch(`${portalUrl}/api/deploy`, {
      method: "POST",
      headers: { cookie: bob.header(), origin: "http://evil.localhost", "content-type": "application/json" },
      body: JSON.stringify({ name: "bob-forged" }),
    });
    expect(forgedOrigin.status).toBe(403);
    const logout = await fetch(`${portalUrl}/auth/logout`, { method: "POST", headers: { cookie: bob.header(), "sec-fetch-site": "cross-site" } });
    expect(logout.status).toBe(403);
    expect(h.portal.store.stacks.live("bob-forged")).toBeNull();
    expect((await json(await api("/api/me", bob))).body.person.name).toBe("Bob Builder");
    // The same request from the portal's own page goes through.
    const own = await json(await api("/api/deploy", bob, { method: "POST", body: { name: "bob-own" } }));
    expect(own.status).toBe(202);
    await waitUntilDone(bob, own.body.deploymentId);
    const forgedDelete = await json(await api("/api/stacks/bob-own", bob, { method: "DELETE", headers: { "sec-fetch-site": "cross-site" } }));
    expect(forgedDelete.body.error.code).toBe("cross_site_request");
    expect(h.portal.store.stacks.live("bob-own")?.status).toBe("ready");
  });

  test("signing out ends the session and sends the browser to the provider's end-session endpoint", async () => {
    const { jar } = await signIn(portalUrl, "dave");
    const session = jar.cookies.get("asd-session")!;
    const res = await api("/auth/logout", jar, { method: "POST" });
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie().join("\n")).toMatch(/asd-session=; Path=\/; Max-Age=0/);
    const { redirect } = (await res.json()) as { redirect: string };
    const end = new URL(redirect);
    expect(`${end.origin}${end.pathname}`).toBe(`${provider.url}/session/end`);
    expect(end.searchParams.get("post_logout_redirect_uri")).toBe(`${portalUrl}/`);
    expect(end.searchParams.get("id_token_hint")).toBeString();
    // The provider accepts it (its sign-out confirmation page).
    const page = await fetch(redirect);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("logout");
    // The old cookie is dead.
    const after = await json(await api("/api/me", null, { headers: { cookie: `asd-session=${session}` } }));
    expect(after.body.person).toBeNull();
    const deploy = await json(
      await api("/api/deploy", null, { method: "POST", body: { name: "dave-late" }, headers: { cookie: `asd-session=${session}` } }),
    );
    expect(deploy.status).toBe(401);
  });

  test("a management token still works for automation, without a session", async () => {
    const carol = (await signIn(portalUrl, "carol")).jar;
    const made = await json(await api("/api/deploy", carol, { method: "POST", body: { name: "carol-tools" } }));
    await waitUntilDone(carol, made.body.deploymentId);
    const byAdminToken = await fetch(`${portalUrl}/api/stacks/carol-tools`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${h.env.ADMIN_TOKEN}` },
    });
    expect(byAdminToken.status).toBe(202);
  });
});
