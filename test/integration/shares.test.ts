import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Harness, startHarness } from "../support/harness.ts";
import { type Jar, type TestProvider, signIn, stackSsoSetup } from "../support/oidc.ts";

/**
 * A stack shared by its owner (AUTH_MODE=oidc, STACK_SSO on): a `user` by e-mail opens it
 * through the gate and sees it in "Your stacks"; a `manager` by group also powers it; neither
 * deletes, changes its password or keys, or shares; a removed share closes the gate at the
 * next request. Everything audited.
 */

let provider: TestProvider;
let h: Harness;
let portalUrl: string;
const people: Record<"alice" | "bob" | "dave" | "carol", Jar> = {} as never;
const STACK_HOST = "alice-stack.stacks.localhost:8443";

beforeAll(async () => {
  const setup = await stackSsoSetup({ POOL_SIZE: "0", MAX_STACKS_PER_USER: "2" });
  ({ portalUrl, provider } = setup);
  h = await startHarness({ env: setup.env, sandbox: { port: setup.sandboxPort } });
  for (const login of ["alice", "bob", "dave", "carol"] as const) people[login] = (await signIn(portalUrl, login)).jar;
  for (const name of ["alice-stack", "alice-other"]) {
    const res = await call("alice", "POST", "/api/deploy", { name });
    expect(res.status).toBe(202);
  }
  for (let i = 0; i < 400 && !["alice-stack", "alice-other"].every((n) => h.portal.store.stacks.live(n)?.status === "ready"); i++)
    await Bun.sleep(50);
  expect(h.portal.store.stacks.live("alice-stack")?.status).toBe("ready");
});

afterAll(async () => {
  await h?.stop();
  await provider?.stop();
});

async function call(who: keyof typeof people, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${portalUrl}${path}`, {
    method,
    headers: {
      cookie: people[who].header(),
      origin: portalUrl,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json().catch(() => null) };
}

const share = (who: keyof typeof people, body: unknown, stack = "alice-stack") => call(who, "POST", `/api/stacks/${stack}/shares`, body);
const myStacks = async (who: keyof typeof people) =>
  ((await call(who, "GET", "/api/me")).body.stacks as { name: string; role: string }[]).map((s) => `${s.name}:${s.role}`);

/** Through the gate as Traefik asks it: the start page's ticket, redeemed for a pass cookie. */
async function passFor(who: keyof typeof people): Promise<{ start: number; cookie: string | null }> {
  const origin = `http://${STACK_HOST}`;
  const start = await fetch(`${portalUrl}/auth/stack/start?origin=${encodeURIComponent(origin)}&to=%2F`, {
    redirect: "manual",
    headers: { cookie: people[who].header() },
  });
  if (start.status !== 303) return { start: start.status, cookie: null };
  const ticket = new URL(start.headers.get("location")!);
  const redeemed = await gate(`${ticket.pathname}${ticket.search}`);
  const cookie = redeemed.headers.getSetCookie()[0]?.split(";")[0] ?? null;
  return { start: start.status, cookie };
}

const gate = (uri: string, cookie?: string) =>
  fetch(`${portalUrl}/auth/stack`, {
    redirect: "manual",
    headers: {
      "x-forwarded-host": STACK_HOST,
      "x-forwarded-proto": "http",
      "x-forwarded-uri": uri,
      "x-forwarded-method": "GET",
      ...(cookie ? { cookie } : {}),
    },
  });

describe("sharing a stack", () => {
  test("before it is shared, nobody else opens, reads or runs it", async () => {
    expect((await call("bob", "GET", "/api/stacks/alice-stack/details")).body.error.code).toBe("forbidden");
    expect((await passFor("dave")).start).toBe(403);
    expect(await myStacks("bob")).toEqual([]);
  });

  test("the owner shares by e-mail and by group, and sharing again changes the role", async () => {
    const byMail = await share("alice", { email: "Dave@Partner.TEST", role: "user" });
    expect(byMail).toMatchObject({ status: 201, body: { name: "alice-stack", share: { kind: "email", value: "dave@partner.test", role: "user" } } });
    const byGroup = await share("alice", { group: "/staff", role: "user" });
    expect(byGroup).toMatchObject({ status: 201, body: { share: { kind: "group", value: "staff", role: "user" } } });
    const again = await share("alice", { group: "staff", role: "manager" });
    expect(again).toMatchObject({ status: 200, body: { share: { id: byGroup.body.share.id, role: "manager" } } });
    const list = await call("alice", "GET", "/api/stacks/alice-stack/shares");
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ name: "alice-stack", gate: true });
    expect(list.body.shares.map((s: any) => `${s.kind}:${s.value}:${s.role}`)).toEqual(["email:dave@partner.test:user", "group:staff:manager"]);
  });

  test("what is not a share is refused with a reason", async () => {
    for (const body of [
      {},
      { role: "user" },
      { email: "dave@partner.test", group: "staff", role: "user" },
      { email: "not-an-address", role: "user" },
    ]) {
      expect({ body, code: (await share("alice", body)).body.error.code }).toEqual({ body, code: "invalid_request" });
    }
    expect((await share("alice", { email: "x@y.test", role: "owner" })).status).toBe(400);
    expect((await share("alice", { group: "two words", role: "user" })).status).toBe(400);
    expect((await share("alice", "{not json")).body.error.code).toBe("invalid_json");
    expect((await call("alice", "DELETE", "/api/stacks/alice-stack/shares/999999")).body.error.code).toBe("not_found");
    expect((await call("alice", "DELETE", "/api/stacks/alice-stack/shares/abc")).body.error.code).toBe("not_found");
  });

  test("a user opens it through the gate, sees it under Your stacks, and only looks", async () => {
    expect(await myStacks("dave")).toEqual(["alice-stack:user"]);
    const { start, cookie } = await passFor("dave");
    expect(start).toBe(303);
    const through = await gate("/", cookie!);
    expect(through.status).toBe(200);
    expect(through.headers.get("authorization")).toMatch(/^Basic /);
    const details = await call("dave", "GET", "/api/stacks/alice-stack/details");
    expect(details).toMatchObject({ status: 200, body: { name: "alice-stack", role: "user" } });
    for (const [method, path] of [
      ["POST", "/api/stacks/alice-stack/stop"],
      ["GET", "/api/stacks/alice-stack/logs"],
      ["POST", "/api/stacks/alice-stack/password"],
      ["DELETE", "/api/stacks/alice-stack"],
      ["GET", "/api/stacks/alice-stack/shares"],
    ] as const) {
      const res = await call("dave", method, path);
      expect({ path, method, status: res.status, code: res.body.error.code }).toEqual({ path, method, status: 403, code: "owner_only" });
    }
    // Another of the owner's stacks stays closed.
    expect((await call("dave", "GET", "/api/stacks/alice-other/details")).body.error.code).toBe("forbidden");
  });

  test("a manager (by group) restarts it, but does not delete, change its password or keys, or share it", async () => {
    expect(await myStacks("bob")).toEqual(["alice-stack:manager"]);
    expect((await call("bob", "GET", "/api/stacks/alice-stack/details")).body.role).toBe("manager");
    expect((await call("bob", "GET", "/api/stacks/alice-stack/logs")).status).toBe(200);
    const restart = await call("bob", "POST", "/api/stacks/alice-stack/restart");
    expect(restart.status).toBe(202);
    // Its progress is theirs to follow.
    expect((await call("bob", "GET", `/api/deployments/${restart.body.deploymentId}`)).status).toBe(200);
    for (let i = 0; i < 200 && h.portal.store.deployments.runningFor(h.portal.store.stacks.live("alice-stack")!.id); i++) await Bun.sleep(50);
    for (const [method, path, body] of [
      ["DELETE", "/api/stacks/alice-stack", undefined],
      ["POST", "/api/stacks/alice-stack/password", undefined],
      ["POST", "/api/stacks/alice-stack/keys", { keys: { anthropic: "sk-ant-0123456789abcdef" } }],
      ["POST", "/api/stacks/alice-stack/shares", { email: "mallory@elsewhere.test", role: "manager" }],
      // Refused for who they are before what they sent.
      ["POST", "/api/stacks/alice-stack/shares", { nonsense: true }],
    ] as const) {
      const res = await call("bob", method, path, body);
      expect({ path, status: res.status, code: res.body.error.code }).toEqual({ path, status: 403, code: "owner_only" });
    }
    expect(h.portal.store.stacks.live("alice-stack")?.status).toBe("ready");
    expect(h.portal.store.shares.list(h.portal.store.stacks.live("alice-stack")!.id)).toHaveLength(2);
  });

  test("an admin sees and changes the shares; someone else's share ids do nothing here", async () => {
    const other = await share("alice", { email: "carol@example.org", role: "user" }, "alice-other");
    expect(other.status).toBe(201);
    expect((await call("alice", "DELETE", `/api/stacks/alice-stack/shares/${other.body.share.id}`)).status).toBe(404);
    expect((await call("carol", "GET", "/api/stacks/alice-stack/shares")).body.shares).toHaveLength(2);
    expect((await call("carol", "DELETE", `/api/stacks/alice-other/shares/${other.body.share.id}`)).status).toBe(200);
  });

  test("revoked, the gate refuses at the next request and the stack leaves Your stacks", async () => {
    const { cookie } = await passFor("dave");
    expect((await gate("/", cookie!)).status).toBe(200);
    const id = (await call("alice", "GET", "/api/stacks/alice-stack/shares")).body.shares.find((s: any) => s.kind === "email").id;
    const revoked = await call("alice", "DELETE", `/api/stacks/alice-stack/shares/${id}`);
    expect(revoked).toMatchObject({ status: 200, body: { share: { value: "dave@partner.test" } } });
    expect((await gate("/", cookie!)).status).toBe(403);
    expect(await myStacks("dave")).toEqual([]);
    expect((await call("dave", "GET", "/api/stacks/alice-stack/details")).body.error.code).toBe("forbidden");
  });

  test("every change and every refusal is in the audit log, with who and what", async () => {
    const entries = h.portal.store.audit.page(200).filter((e) => e.action === "share" || e.action === "unshare" || e.action === "restart");
    const summary = entries.map((e) => `${e.action}:${e.actor}:${e.outcome}:${e.person?.subject}`);
    expect(summary).toContain("share:owner:accepted:alice");
    expect(summary).toContain("share:anonymous:owner_only:bob");
    expect(summary).toContain("unshare:owner:accepted:alice");
    expect(summary).toContain("unshare:admin:accepted:carol");
    expect(summary).toContain("restart:manager:accepted:bob");
    const unshared = entries.find((e) => e.action === "unshare" && e.outcome === "accepted" && e.person?.subject === "alice");
    expect(unshared?.detail).toEqual({ kind: "email", value: "dave@partner.test", role: "user" });
  });

  test("deleted and deployed again, the name starts shared with nobody", async () => {
    expect((await call("alice", "DELETE", "/api/stacks/alice-stack")).status).toBe(202);
    for (let i = 0; i < 200 && h.portal.store.stacks.live("alice-stack"); i++) await Bun.sleep(50);
    expect(await myStacks("bob")).toEqual([]);
  });
});
