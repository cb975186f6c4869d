import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Harness, startHarness } from "../support/harness.ts";
import { type Jar, type TestProvider, signIn, stackSsoSetup } from "../support/oidc.ts";

/**
 * The stack gate's way back (STACK_SSO): whatever `to` a link carries into
 * /auth/stack/start, the ticket's redirect lands on the stack's own origin, and never a 500.
 */

let provider: TestProvider;
let h: Harness;
let portalUrl: string;
let alice: Jar;
const STACK_HOST = "alice-example.stacks.localhost:8443";
const ORIGIN = `http://${STACK_HOST}`;

beforeAll(async () => {
  const setup = await stackSsoSetup();
  ({ portalUrl, provider } = setup);
  h = await startHarness({ env: setup.env, sandbox: { port: setup.sandboxPort } });
  alice = (await signIn(portalUrl, "alice")).jar;
  const res = await fetch(`${portalUrl}/api/deploy`, {
    method: "POST",
    headers: { cookie: alice.header(), origin: portalUrl, "content-type": "application/json" },
    body: JSON.stringify({ name: "alice-example" }),
  });
  expect(res.status).toBe(202);
  for (let i = 0; i < 200 && h.portal.store.stacks.live("alice-example")?.status !== "ready"; i++) await Bun.sleep(50);
  expect(h.portal.store.stacks.live("alice-example")?.status).toBe("ready");
});

afterAll(async () => {
  await h?.stop();
  await provider?.stop();
});

/** The whole way: the start page with `to` (as a link encodes it), then the ticket at the gate, as Traefik forwards it. */
async function wayBack(encodedTo: string): Promise<{ start: number; gate: number; location: string | null }> {
  const start = await fetch(`${portalUrl}/auth/stack/start?origin=${encodeURIComponent(ORIGIN)}&to=${encodedTo}`, {
    redirect: "manual",
    headers: { cookie: alice.header() },
  });
  if (start.status !== 303) return { start: start.status, gate: 0, location: null };
  const ticket = new URL(start.headers.get("location")!);
  const gate = await fetch(`${portalUrl}/auth/stack`, {
    redirect: "manual",
    headers: {
      "x-forwarded-host": STACK_HOST,
      "x-forwarded-proto": "http",
      "x-forwarded-uri": `${ticket.pathname}${ticket.search}`,
      "x-forwarded-method": "GET",
    },
  });
  return { start: start.status, gate: gate.status, location: gate.headers.get("location") };
}

describe("the gate's redirect after a ticket", () => {
  test("an ordinary path comes back", async () => {
    expect(await wayBack(encodeURIComponent("/session/abc?x=1"))).toEqual({ start: 303, gate: 302, location: "/session/abc?x=1" });
  });

  test("tabs, CR/LF, backslashes, //, encoded forms and absolute URLs land on the stack's root", async () => {
    const hostile = [
      "%2F%09%2Fevil.example%2Fphish",
      "%2F%0A%2Fevil.example",
      "%2F%0D%0ASet-Cookie%3A%20x%3D1",
      "%2F%0D%2Fevil.example",
      "%2F%5Cevil.example",
      "%5C%5Cevil.example",
      "%2F%2Fevil.example%2Fphish",
      "//evil.example/phish",
      "%2F%2E%2E%2F%2Fevil.example",
      "%2Fa%2F..%2F..%2F%2Fevil.example",
      "https%3A%2F%2Fevil.example%2F",
      "javascript%3Aalert(1)",
      "%2F%E2%80%A8%2Fevil.example",
      "%2F%00",
      "%252F%252Fevil.example",
    ];
    for (const to of hostile) {
      const result = await wayBack(to);
      expect({ to, start: result.start, gate: result.gate }).toEqual({ to, start: 303, gate: 302 });
      const landing = new URL(result.location!, ORIGIN);
      expect({ to, origin: landing.origin }).toEqual({ to, origin: ORIGIN });
      expect(result.location).toMatch(/^\/(?![/\\])[\x21-\x7e]*$/);
    }
  });
});
