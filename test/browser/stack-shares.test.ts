// A colleague invited (AUTH_MODE=oidc, STACK_SSO on), in Chromium against the real oidc-provider
// and a real `opencode serve` behind the sandbox's Traefik: the owner invites on the stack's page,
// the invited open the stack's address and land in OpenCode, see it under "Your stacks" with what
// their role allows, and a removed one is refused at the next request.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { type Harness, startHarness } from "../support/harness.ts";
import { openCode } from "../support/opencode.ts";
import { type TestProvider, signIn, stackSsoSetup } from "../support/oidc.ts";
import {
  type Guarded,
  type Lang,
  LOCALE,
  type Launched,
  confirmDialog,
  inEachLang,
  launch,
  msg,
  openPage,
  signInAtProvider,
  plainText as text,
} from "./support.ts";

// Limits catch hangs, not slowness: a real OpenCode on a busy machine is slow to answer.
const T = 120_000;
const SETUP = 180_000;
const NAME = "alice-team";
const OC = openCode("current");
const root = mkdtempSync(join(tmpdir(), "shares-opencode-"));
let provider: TestProvider;
let h: Harness;
let portalUrl: string;
let sandboxPort: number;
let chrome: Launched;
let alice: Guarded;

const stackOrigin = () => `http://${NAME}.stacks.localhost:${sandboxPort}`;

/** The portal in a new browser, signed in as `login`, on its start page. */
async function portalAs(login: string, lang: Lang): Promise<Guarded> {
  const guarded = await openPage(chrome.browser, portalUrl, { locale: LOCALE[lang] });
  // A limit catches a hang: signing in at the provider beside the other lane's engine and
  // browser tests once took over 15 s (CI, this file's second test).
  guarded.context.setDefaultTimeout(30_000);
  await guarded.page.goto(`${portalUrl}/`);
  await guarded.page.waitForSelector("html[data-ready]");
  await guarded.page.click('#account [data-action="sign-in"]');
  await signInAtProvider(guarded.page, provider, login);
  await guarded.page.waitForSelector("#your-stacks");
  return guarded;
}

/** A problem the page recorded that is not the provider's sign-in page (its font) or the stack's own origin. */
const notOurs = (p: string) =>
  !p.includes(`127.0.0.1:${provider.port}`) && !p.includes("https://fonts.googleapis.com/") && !p.includes(".stacks.localhost");

/** OpenCode's health, asked from a page on the stack's own origin with the browser's cookie only. */
const healthFrom = (page: Page) =>
  page.evaluate(async () => {
    const res = await fetch("/global/health", { redirect: "manual" });
    return res.status;
  });

beforeAll(async () => {
  let env: Record<string, string>;
  ({ portalUrl, sandboxPort, provider, env } = await stackSsoSetup({ HEALTH_TIMEOUT: "120s", PROBE_ATTEMPT_TIMEOUT: "2s", POOL_SIZE: "0" }));
  [h, chrome] = await Promise.all([
    startHarness({
      env,
      sandbox: { port: sandboxPort, stackStopMs: 200, openCode: { command: OC.command, match: [`ai-stack-${NAME}`], root } },
    }),
    launch(),
  ]);
  const owner = await signIn(portalUrl, "alice");
  const res = await fetch(`${portalUrl}/api/deploy`, {
    method: "POST",
    headers: { cookie: owner.jar.header(), origin: portalUrl, "content-type": "application/json" },
    body: JSON.stringify({ name: NAME }),
  });
  expect(res.status).toBe(202);
  for (let i = 0; i < 3000 && h.portal.store.stacks.live(NAME)?.status !== "ready"; i++) await Bun.sleep(50);
  expect(h.portal.store.stacks.live(NAME)?.status).toBe("ready");
  alice = await portalAs("alice", "en");
  await alice.page.click(`#your-stacks [data-action="manage-${NAME}"]`);
  await alice.page.waitForSelector('#view-stack[data-state="running"]');
}, SETUP);

afterAll(async () => {
  await alice?.context.close();
  await chrome?.close();
  await h?.stop();
  await provider?.stop();
  rmSync(root, { recursive: true, force: true });
}, T);

async function invite(kind: "email" | "group", value: string, role: "user" | "manager"): Promise<void> {
  const { page } = alice;
  await page.selectOption("#share-kind", kind);
  await page.fill("#share-value", value);
  await page.selectOption("#share-role", role);
  await page.click('[data-action="share-invite"]');
  await page.waitForSelector(`#stack-shares [data-share="${value}"][data-role="${role}"]`);
}

describe("a colleague invited", () => {
  test(
    "the owner invites a person by e-mail and a group, on the stack's page, in en, nl and ar",
    async () => {
      const { page } = alice;
      await page.waitForSelector("#stack-shares-section:not([hidden])");
      expect(await page.isVisible("#stack-shares-none")).toBe(true);
      // Nothing typed: said, nothing sent.
      await page.click('[data-action="share-invite"]');
      expect(await text(page, "#stack-shares-error")).toBe(msg("en", "shares.empty"));
      await invite("email", "dave@partner.test", "user");
      expect(await text(page, "#stack-shares-message")).toBe(msg("en", "shares.invited", { who: "dave@partner.test" }));
      await invite("group", "staff", "manager");
      await inEachLang(page, async (lang) => {
        expect(await text(page, "#stack-shares-heading")).toBe(msg(lang, "shares.heading"));
        expect(await text(page, '#stack-shares [data-share="staff"] .badge')).toBe(msg(lang, "shares.role_manager_short"));
        expect(await page.locator("#share-role option[value=manager]").innerText()).toBe(msg(lang, "shares.role_manager"));
      });
      expect(h.portal.store.shares.list(h.portal.store.stacks.live(NAME)!.id).map((s) => `${s.kind}:${s.value}:${s.role}`)).toEqual([
        "email:dave@partner.test:user",
        "group:staff:manager",
      ]);
      expect(alice.problems.filter(notOurs)).toEqual([]);
    },
    T,
  );

  test(
    "nl: the invited user opens the stack's address, signs in once and is in OpenCode; the page shows them only what a user may do",
    async () => {
      const dave = await portalAs("dave", "nl");
      const { page } = dave;
      try {
        const item = `#your-stacks [data-stack="${NAME}"]`;
        await page.waitForSelector(`${item}[data-role="user"]`);
        expect(await text(page, `${item} [data-shared]`)).toBe(msg("nl", "account.shared_with_you", { role: msg("nl", "shares.role_user_short") }));
        // Theirs to open, not to delete.
        expect(await page.locator(`${item} [data-action="delete-${NAME}"]`).count()).toBe(0);
        await page.click(`${item} [data-action="manage-${NAME}"]`);
        await page.waitForSelector('#view-stack[data-state="running"]');
        for (const part of ["#stack-actions-section", "#stack-keys-section", "#stack-logs-section", "#stack-shares-section"])
          expect({ part, visible: await page.isVisible(part) }).toEqual({ part, visible: false });
        expect(await page.isVisible('#stack-address [data-action="open-stack"]')).toBe(true);

        // The stack's own address: already signed in to the portal, straight into OpenCode.
        const stack = await dave.context.newPage();
        const landed = await stack.goto(`${stackOrigin()}/global/health`);
        expect(landed?.status()).toBe(200);
        expect(await landed?.json()).toMatchObject({ healthy: true, version: OC.version });

        // Removed by the owner: the very next request is refused by the gate, and the stack leaves Your stacks.
        await alice.page.click(`#stack-shares [data-share="dave@partner.test"] button`);
        await alice.page.waitForSelector('#stack-shares [data-share="dave@partner.test"]', { state: "detached" });
        expect(await healthFrom(stack)).toBe(403);
        await page.goto(`${portalUrl}/`);
        await page.waitForSelector("#your-stacks");
        expect(await page.locator(`#your-stacks [data-stack="${NAME}"]`).count()).toBe(0);
        expect(dave.problems.filter(notOurs)).toEqual([]);
      } finally {
        await dave.context.close();
      }
    },
    T,
  );

  test(
    "ar: a manager by group restarts the stack from its page, and sees no password, keys or sharing",
    async () => {
      const bob = await portalAs("bob", "ar");
      const { page } = bob;
      try {
        expect(await page.getAttribute("html", "dir")).toBe("rtl");
        await page.waitForSelector(`#your-stacks [data-stack="${NAME}"][data-role="manager"]`);
        await page.click(`#your-stacks [data-action="manage-${NAME}"]`);
        await page.waitForSelector('#view-stack[data-state="running"]');
        expect(await page.isVisible('[data-action="stack-restart"]')).toBe(true);
        expect(await page.isVisible('[data-action="stack-password"]')).toBe(false);
        expect(await page.isVisible("#stack-keys-section")).toBe(false);
        expect(await page.isVisible("#stack-shares-section")).toBe(false);
        expect(await page.isVisible("#stack-logs-section")).toBe(true);
        await page.click('[data-action="stack-restart"]');
        await confirmDialog(page, "yes");
        await page.waitForSelector('#stack-progress[data-status="ready"]', { timeout: T });
        await page.waitForSelector('#view-stack[data-state="running"]');
        const restart = h.portal.store.audit.page(50).find((e) => e.action === "restart");
        expect(restart).toMatchObject({ actor: "manager", outcome: "accepted", person: { subject: "bob" } });
        // Still OpenCode behind the gate, for the manager too.
        const stack = await bob.context.newPage();
        const landed = await stack.goto(`${stackOrigin()}/global/health`);
        expect(landed?.status()).toBe(200);
      } finally {
        await bob.context.close();
      }
    },
    T,
  );
});
