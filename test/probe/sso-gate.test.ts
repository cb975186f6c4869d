import { afterAll, beforeAll, expect, test } from "bun:test";
import { probeOnce } from "../../src/stacks/probe/probe-once.ts";

/**
 * With STACK_SSO, Traefik asks the portal's gate before the stack, so a probe through Traefik
 * gets the redirect to the portal's sign-in whether the stack runs or not: not "up".
 */

let server: ReturnType<typeof Bun.serve>;
beforeAll(() => {
  server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: (req) =>
      new URL(req.url).pathname === "/gated"
        ? new Response(null, { status: 302, headers: { location: "https://portal.example/auth/stack/start?origin=https%3A%2F%2Fa.example&to=%2F" } })
        : new Response(null, { status: 302, headers: { location: "/login" } }),
  });
});
afterAll(() => server.stop(true));

test("the gate's redirect to the portal is not up; any other redirect still is", async () => {
  expect(await probeOnce({ url: `http://127.0.0.1:${server.port}/gated` }, { timeoutMs: 2000 })).toEqual({
    up: false,
    status: 511,
    reason: "status_511",
  });
  expect(await probeOnce({ url: `http://127.0.0.1:${server.port}/other` }, { timeoutMs: 2000 })).toEqual({ up: true, status: 302 });
});
