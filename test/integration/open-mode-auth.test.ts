// AUTH_MODE=open (the default): none of sign-in is wired; deploys still hand out a token.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { type Harness, deploy, startHarness } from "../support/harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

test("open mode: /api/me says so, the sign-in routes do not exist, a deploy returns its management token", async () => {
  expect(await (await fetch(`${h.url}/api/me`)).json()).toEqual({ authMode: "open", person: null, expired: false });
  expect((await fetch(`${h.url}/auth/login`, { redirect: "manual" })).status).toBe(404);
  expect((await fetch(`${h.url}/auth/callback?code=x&state=y`, { redirect: "manual" })).status).toBe(404);
  expect((await fetch(`${h.url}/api/stacks/anything/claim`, { method: "POST" })).status).toBe(404);
  // A browser request from elsewhere is not refused for its origin: open mode has no cookie to protect.
  const accepted = await deploy(h, "open-alice", { origin: "http://elsewhere.localhost", "sec-fetch-site": "cross-site" });
  expect(accepted.status).toBe(202);
  expect(accepted.body.managementToken).toStartWith("mt_");
  expect(h.portal.store.stacks.live("open-alice")?.owner).toBeNull();
});
