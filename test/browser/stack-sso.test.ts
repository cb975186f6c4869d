// STACK_SSO in Chromium: the owner opens their stack's own address, signs in once at the real
// oidc-provider, and lands in a real `opencode serve` behind the sandbox's Traefik, with no
// basic-auth prompt; the gate (GET /auth/stack) is Traefik's forwardAuth for every stack.
// Alice's stack runs the image's OpenCode, bob's the release the fleet is moving off.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hashId } from "../../src/auth/sessions.ts";
import { type Harness, startHarness } from "../support/harness.ts";
import { openCode } from "../support/opencode.ts";
import { type Jar, type TestProvider, signIn, stackSsoSetup } from "../support/oidc.ts";
import { LOCALE, type Launched, launch, signInAtProvider } from "./support.ts";

// A limit catches a hang, not slowness: a real OpenCode on a busy machine is slow to answer.
const T = 120_000;
/** Setting up starts a provider, a portal, Chromium and a real OpenCode: generous, to catch hangs only. */
const SETUP = 180_000;
const CURRENT = openCode("current");
const PREVIOUS = openCode("previous");
const root = mkdtempSync(join(tmpdir(), "sso-opencode-"));
let provider: TestProvider;
let h: Harness;
let portalUrl: string;
let sandboxPort: number;
let chrome: Launched;
let alicePassword: string;
let bobPassword: string;

const stackOrigin = (name: string) => `http://${name}.stacks.localhost:${sandboxPort}`;
const basic = (password: string) => `Basic ${Buffer.from(`opencode:${password}`).toString("base64")}`;
/** A request to a stack through the sandbox's Traefik (by Host, as a browser would send it). */
const viaTraefik = (name: string, path: string, headers: Record<string, string> = {}) =>
  fetch(`http://127.0.0.1:${sandboxPort}${path}`, { redirect: "manual", headers: { host: `${name}.stacks.localhost:${sandboxPort}`, ...headers } });

async function deployAs(jar: Jar, name: string): Promise<string> {
  const res = await fetch(`${portalUrl}/api/deploy`, {
    method: "POST",
    headers: { cookie: jar.header(), origin: portalUrl, "content-type": "application/json" },
    body: JSON.stringify({ name }),
  });
  expect(res.status).toBe(202);
  const body = (await res.json()) as { deploymentId: string; credentials: { password: string } };
  for (let i = 0; i < 3000 && h.portal.store.stacks.live(name)?.status !== "ready"; i++) await Bun.sleep(50);
  expect({
    name,
    status: h.portal.store.stacks.live(name)?.status,
    error: h.portal.store.deployments.byId(body.deploymentId)?.error ?? null,
  }).toEqual({
    name,
    status: "ready",
    error: null,
  });
  return body.credentials.password;
}

/** A one-time ticket for `origin`, as the portal hands it to a signed-in person. */
async function ticketFor(jar: Jar, origin: string, to = "/"): Promise<string> {
  const res = await fetch(`${portalUrl}/auth/stack/start?origin=${encodeURIComponent(origin)}&to=${encodeURIComponent(to)}`, {
    redirect: "manual",
    headers: { cookie: jar.header() },
  });
  expect(res.status).toBe(303);
  const location = new URL(res.headers.get("location")!);
  expect(location.origin).toBe(origin);
  expect(location.pathname).toBe("/.portal-sso");
  return `${location.pathname}${location.search}`;
}

/** The pass cookie the gate sets for a ticket (and the ticket's answer). */
async function redeem(name: string, ticketPath: string): Promise<{ res: Response; cookie: string | null }> {
  const res = await viaTraefik(name, ticketPath);
  const line = res.headers.getSetCookie().find((c) => c.startsWith("asd-stack="));
  return { res, cookie: line ? line.split(";")[0]! : null };
}

/**
 * The owner opens their stack's address in a fresh browser, signs in once, and is in OpenCode
 * (`version`) with no password; its API, event stream and terminal WebSocket answer.
 */
async function ownerOpensStack(login: string, name: string, version: string) {
  const context = await chrome.browser.newContext({ locale: LOCALE.en });
  const page = await context.newPage();
  const prompts: string[] = [];
  page.on("response", (r) => {
    if (r.status() === 401 && r.headers()["www-authenticate"]) prompts.push(r.url());
  });
  await page.goto(`${stackOrigin(name)}/`);
  await signInAtProvider(page, provider, login);
  await page.waitForURL(`${stackOrigin(name)}/`);
  expect(prompts).toEqual([]);

  // OpenCode's own API, with the browser's cookie only: the gate added the password.
  const health = await page.evaluate(async () => {
    const res = await fetch("/global/health");
    return { status: res.status, body: await res.json() };
  });
  expect(health).toEqual({ status: 200, body: expect.objectContaining({ healthy: true, version }) });
  const created = await page.evaluate(async () => {
    const res = await fetch("/session", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: "through the gate" }),
    });
    return res.status;
  });
  expect(created).toBe(200);
  // Server-Sent Events through the gate (OpenCode's UI lives on them).
  const event = await page.evaluate(
    () =>
      new Promise<string>((resolve, reject) => {
        const source = new EventSource("/event");
        source.onmessage = (e) => {
          source.close();
          resolve(JSON.parse(e.data).type);
        };
        // A limit that catches a hang: OpenCode 1.18 on a starved machine took more than 10 s.
        setTimeout(() => reject(new Error("no event")), 30_000);
      }),
  );
  expect(event).toBe("server.connected");
  // A WebSocket through the gate: OpenCode's terminal (/pty/{id}/connect) answers a command.
  const terminal = await page.evaluate(async () => {
    // One terminal: created, connected, typed into every second until the answer comes back on it.
    const answerOn = async (): Promise<{ answer: string | null; seen: string }> => {
      const created = await fetch("/pty", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ command: "/bin/sh" }),
      });
      if (!created.ok) return { answer: null, seen: `POST /pty: ${created.status} ${await created.text()}` };
      const { id } = await created.json();
      return new Promise((resolve) => {
        const ws = new WebSocket(`ws://${location.host}/pty/${id}/connect`);
        let seen = "";
        let typing: ReturnType<typeof setInterval> | undefined;
        const done = (answer: string | null) => {
          clearInterval(typing);
          clearTimeout(timer);
          ws.close();
          resolve({ answer, seen });
        };
        const timer = setTimeout(() => done(null), 20_000);
        ws.onopen = () => {
          const type = () => ws.send("echo through-the-gate-$((6*7))\n");
          type();
          typing = setInterval(type, 1_000);
        };
        ws.onmessage = async (e) => {
          seen += typeof e.data === "string" ? e.data : await (e.data as Blob).text();
          if (seen.includes("through-the-gate-42")) done("42");
        };
        ws.onerror = () => done(null);
        ws.onclose = (e) => {
          seen += ` [closed ${e.code}]`;
          done(null);
        };
      });
    };
    // On a busy machine OpenCode 1.18's terminal now and then carries nothing live back (seen
    // at load 13): as a person would, open a new one.
    const tries: string[] = [];
    for (let i = 0; i < 2; i++) {
      const { answer, seen } = await answerOn();
      if (answer) return answer;
      tries.push(seen);
    }
    throw new Error(`no answer from 2 terminals; saw ${JSON.stringify(tries)}`);
  });
  expect(terminal).toBe("42");

  // The pass: host-only, HttpOnly, SameSite=Lax; nothing for the parent domain.
  const cookies = await context.cookies();
  const pass = cookies.find((c) => c.name === "asd-stack");
  expect(pass).toMatchObject({ domain: `${name}.stacks.localhost`, httpOnly: true, sameSite: "Lax", path: "/" });
  expect(cookies.filter((c) => c.domain.includes("stacks.localhost") && c.domain !== `${name}.stacks.localhost`)).toEqual([]);
  expect(pass!.expires * 1000 - Date.now()).toBeLessThanOrEqual(15 * 60_000 + 5_000);

  // Opening it again later needs no sign-in at all.
  const again = await page.goto(`${stackOrigin(name)}/global/health`);
  expect(again?.status()).toBe(200);
  expect(page.url()).toBe(`${stackOrigin(name)}/global/health`);
  await context.close();
}

beforeAll(async () => {
  let env: Record<string, string>;
  ({ portalUrl, sandboxPort, provider, env } = await stackSsoSetup({
    HEALTH_TIMEOUT: "120s",
    PROBE_ATTEMPT_TIMEOUT: "2s",
    MAX_STACKS_PER_USER: "2",
  }));
  [h, chrome] = await Promise.all([
    startHarness({
      env,
      sandbox: {
        port: sandboxPort,
        stackStopMs: 200,
        openCode: {
          command: CURRENT.command,
          match: ["ai-stack-alice-example", "ai-stack-bob"],
          root,
          choose: ({ appName }) => (appName.includes("ai-stack-bob") ? { command: PREVIOUS.command } : undefined),
        },
      },
    }),
    launch(),
  ]);
  const alice = await signIn(portalUrl, "alice");
  const bob = await signIn(portalUrl, "bob");
  [alicePassword, bobPassword] = await Promise.all([deployAs(alice.jar, "alice-example"), deployAs(bob.jar, "bob")]);
}, SETUP);

afterAll(async () => {
  await chrome?.close();
  await h?.stop();
  await provider?.stop();
  rmSync(root, { recursive: true, force: true });
}, T);

describe("opening a stack with the portal's sign-in (STACK_SSO)", () => {
  test(
    "Traefik's middleware file holds the gate and the stack's domain lists it",
    async () => {
      const state = h.sandbox.state();
      expect(state.middlewareFile).toContain("ai-stack-sso:");
      expect(state.middlewareFile).toContain(`address: "${portalUrl}/auth/stack"`);
      expect(state.middlewareFile).toContain("redirect-to-https:");
      const routers = Object.values(state.traefik).flat();
      expect(routers.find((r) => r.host === "alice-example.stacks.localhost")?.middlewares).toEqual(["ai-stack-sso"]);
    },
    T,
  );

  for (const [login, name, oc] of [
    ["alice", "alice-example", CURRENT],
    ["bob", "bob", PREVIOUS],
  ] as const) {
    test(
      `the owner opens their stack's address, signs in once, and is in OpenCode ${oc.version} with no password; its API, event stream and terminal WebSocket answer`,
      () => ownerOpensStack(login, name, oc.version),
      T,
    );
  }

  test(
    "someone already signed in to the portal goes straight into their stack, without seeing the provider",
    async () => {
      const context = await chrome.browser.newContext({ locale: LOCALE.en });
      const page = await context.newPage();
      await page.goto(`${portalUrl}/auth/login`);
      await signInAtProvider(page, provider, "alice");
      // Past /auth/callback (which sets the session): leaving earlier would cut the sign-in short.
      await page.waitForURL((u) => u.origin === portalUrl && !u.pathname.startsWith("/auth/"));
      const visited: string[] = [];
      page.on("request", (r) => visited.push(r.url()));
      const landed = await page.goto(`${stackOrigin("alice-example")}/global/health`);
      expect(landed?.status()).toBe(200);
      expect(await landed?.json()).toMatchObject({ healthy: true });
      // Through the gate and the portal's ticket, never at the provider.
      expect(visited.some((u) => u.startsWith(`${portalUrl}/auth/stack/start?`))).toBe(true);
      expect(visited.some((u) => u.startsWith(`${stackOrigin("alice-example")}/.portal-sso?ticket=`))).toBe(true);
      expect(visited.filter((u) => new URL(u).port === String(provider.port))).toEqual([]);
      await context.close();
    },
    T,
  );

  test(
    "nl: someone else who is signed in gets the portal's 403 page, in their language, not a password prompt",
    async () => {
      const context = await chrome.browser.newContext({ locale: LOCALE.nl });
      const page = await context.newPage();
      await page.goto(`${stackOrigin("alice-example")}/`);
      await signInAtProvider(page, provider, "bob");
      await page.waitForSelector('[data-gate="forbidden"]');
      expect(await page.locator('[data-gate="forbidden"]').innerText()).toContain("van iemand anders");
      expect(await page.getAttribute("html", "lang")).toBe("nl");
      expect(new URL(page.url()).origin).toBe(portalUrl);
      // Straight to the ticket page again: still 403, and no ticket for alice's host.
      const res = await context.request.get(`${portalUrl}/auth/stack/start?origin=${encodeURIComponent(stackOrigin("alice-example"))}&to=%2F`, {
        maxRedirects: 0,
      });
      expect(res.status()).toBe(403);
      await context.close();
    },
    T,
  );

  test(
    "a ticket works once, only for its own host; one stack's cookie does not open another",
    async () => {
      const { jar } = await signIn(portalUrl, "alice");
      const ticket = await ticketFor(jar, stackOrigin("alice-example"), "/global/health");
      const first = await redeem("alice-example", ticket);
      expect(first.res.status).toBe(302);
      expect(first.res.headers.get("location")).toBe("/global/health");
      expect(first.cookie).not.toBeNull();
      const line = first.res.headers.getSetCookie().find((c) => c.startsWith("asd-stack="))!;
      expect(line).toMatch(/; HttpOnly/);
      expect(line).toMatch(/; SameSite=Lax/);
      expect(line).not.toMatch(/domain=/i);
      // Replayed: refused.
      const replay = await redeem("alice-example", ticket);
      expect(replay.res.status).toBe(403);
      expect(replay.cookie).toBeNull();
      expect(await replay.res.text()).toContain('data-gate="ticket_invalid"');
      // A fresh ticket for alice's host, shown to bob's host: refused (and used up).
      const other = await ticketFor(jar, stackOrigin("alice-example"));
      expect((await redeem("bob", other)).res.status).toBe(403);
      expect((await redeem("alice-example", other)).res.status).toBe(403);
      // Alice's pass opens alice's stack, not bob's (which sends to the portal instead).
      expect((await viaTraefik("alice-example", "/global/health", { cookie: first.cookie! })).status).toBe(200);
      // An OIDC admin opens other people's stacks only with STACK_SSO_ADMINS=on (off here).
      const carol = await signIn(portalUrl, "carol");
      const asAdmin = await fetch(`${portalUrl}/auth/stack/start?origin=${encodeURIComponent(stackOrigin("alice-example"))}`, {
        redirect: "manual",
        headers: { cookie: carol.jar.header() },
      });
      expect(asAdmin.status).toBe(403);
      const bob = await viaTraefik("bob", "/global/health", { cookie: first.cookie! });
      expect(bob.status).toBe(302);
      expect(bob.headers.get("location")).toStartWith(`${portalUrl}/auth/stack/start?`);
    },
    T,
  );

  test(
    "an expired portal session, and signing out, close the stack",
    async () => {
      const { jar } = await signIn(portalUrl, "alice");
      const { cookie } = await redeem("alice-example", await ticketFor(jar, stackOrigin("alice-example")));
      expect((await viaTraefik("alice-example", "/global/health", { cookie: cookie! })).status).toBe(200);
      // Nine hours idle (SESSION_IDLE_TIMEOUT is 8h): the session has ended.
      const session = jar.cookies.get("asd-session")!;
      h.portal.store.sessions.touch(hashId(session), Date.now() - 9 * 3_600_000);
      const closed = await viaTraefik("alice-example", "/global/health", { cookie: cookie! });
      expect(closed.status).toBe(302);
      expect(closed.headers.get("location")).toStartWith(`${portalUrl}/auth/stack/start?`);

      const second = await signIn(portalUrl, "alice");
      const pass = await redeem("alice-example", await ticketFor(second.jar, stackOrigin("alice-example")));
      expect((await viaTraefik("alice-example", "/global/health", { cookie: pass.cookie! })).status).toBe(200);
      const out = await fetch(`${portalUrl}/auth/logout`, { method: "POST", headers: { cookie: second.jar.header(), origin: portalUrl } });
      expect(out.status).toBe(200);
      expect((await viaTraefik("alice-example", "/global/health", { cookie: pass.cookie! })).status).toBe(302);
    },
    T,
  );

  test(
    "API clients with the stack's password pass the gate to OpenCode's own check",
    async () => {
      for (const [name, password] of [
        ["alice-example", alicePassword],
        ["bob", bobPassword],
      ] as const) {
        const ok = await viaTraefik(name, "/global/health", { authorization: basic(password) });
        expect({ name, status: ok.status }).toEqual({ name, status: 200 });
        const wrong = await viaTraefik(name, "/global/health", { authorization: basic("not-the-password") });
        expect({ name, status: wrong.status }).toEqual({ name, status: 401 });
      }
      // Without anything: an API call is told to sign in, a page load is sent to the portal.
      expect(
        (
          await fetch(`http://127.0.0.1:${sandboxPort}/session`, {
            method: "POST",
            headers: { host: `alice-example.stacks.localhost:${sandboxPort}` },
          })
        ).status,
      ).toBe(401);
      expect((await viaTraefik("alice-example", "/")).status).toBe(302);
    },
    T,
  );

  test(
    "after a new password the owner's pass works at once: the gate does not keep the old password",
    async () => {
      const { jar } = await signIn(portalUrl, "bob");
      const pass = await redeem("bob", await ticketFor(jar, stackOrigin("bob")));
      // The gate has read (and keeps for a few seconds) bob's password.
      expect((await viaTraefik("bob", "/global/health", { cookie: pass.cookie! })).status).toBe(200);
      const res = await fetch(`${portalUrl}/api/stacks/bob/password`, { method: "POST", headers: { cookie: jar.header(), origin: portalUrl } });
      expect(res.status).toBe(202);
      const { deploymentId } = (await res.json()) as { deploymentId: string };
      for (let i = 0; i < 400 && h.portal.store.deployments.byId(deploymentId)?.status === "running"; i++) await Bun.sleep(50);
      expect(h.portal.store.deployments.byId(deploymentId)?.status).toBe("succeeded");
      expect((await viaTraefik("bob", "/global/health", { cookie: pass.cookie! })).status).toBe(200);
    },
    T,
  );

  test(
    "behind https the pass is a __Host- cookie with Secure",
    async () => {
      const { jar } = await signIn(portalUrl, "alice");
      const ticket = await ticketFor(jar, stackOrigin("alice-example"));
      // As Traefik asks for an https entry point (plain http is for loopback hosts only).
      const res = await fetch(`${portalUrl}/auth/stack`, {
        redirect: "manual",
        headers: {
          "x-forwarded-host": `alice-example.stacks.localhost:${sandboxPort}`,
          "x-forwarded-proto": "https",
          "x-forwarded-uri": ticket,
          "x-forwarded-method": "GET",
        },
      });
      expect(res.status).toBe(302);
      const line = res.headers.getSetCookie()[0]!;
      expect(line).toStartWith("__Host-asd-stack=");
      expect(line).toMatch(/; Secure/);
      expect(line).toMatch(/; Path=\//);
      expect(line).not.toMatch(/domain=/i);
    },
    T,
  );
});
