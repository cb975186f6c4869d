// Sign-in in a real browser: Chromium through the test provider's own pages (oidc-provider in
// its own process), then deploy, manage and sign out on the portal's page, in en, nl and ar.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Page } from "playwright-core";
import { movableClock } from "../support/clock.ts";
import { type Harness, startHarness } from "../support/harness.ts";
import { type TestProvider, freePort, newSigningKey, oidcEnv, signIn, startProvider } from "../support/oidc.ts";
import { confirmDialog, inEachLang, LOCALE, type Lang, type Launched, launch, msg, openPage, plain, signInAtProvider } from "./support.ts";

// A limit catches a hang, not slowness: a flow that takes 10 s alone may take four times that on a busy machine.
const T = 90_000;
let provider: TestProvider;
let h: Harness;
let portalUrl: string;
let chrome: Launched;

beforeAll(async () => {
  portalUrl = `http://127.0.0.1:${await freePort()}`;
  provider = await startProvider({ keys: [await newSigningKey("key-1")], portalUrl });
  [h, chrome] = await Promise.all([startHarness({ env: oidcEnv(provider, portalUrl) }), launch()]);
}, T);

afterAll(async () => {
  await chrome?.close();
  await h?.stop();
  await provider?.stop();
}, T);

const text = async (page: Page, selector: string) => (await page.locator(selector).innerText()).replace(/\s+/g, " ").trim();

async function open(lang: Lang, url = portalUrl) {
  const guarded = await openPage(chrome.browser, url, { locale: LOCALE[lang] });
  await guarded.page.goto(`${url}/`);
  await guarded.page.waitForSelector("html[data-ready]");
  return guarded;
}

/** On the provider's own sign-in page, as `login`, and back on the portal's page. */
async function signInBack(page: Page, login: string) {
  await signInAtProvider(page, provider, login);
  await page.waitForURL((u) => u.origin === new URL(portalUrl).origin);
  await page.waitForSelector("html[data-ready]");
}

describe("signing in on the page", () => {
  test(
    "en: sign in at the provider, deploy the suggested name, see it under Your stacks, delete it, sign out",
    async () => {
      const { context, page, problems } = await open("en");
      // Signed out: the deploy form is hidden, "Sign in with Gitea" is offered.
      await page.waitForSelector('#account [data-action="sign-in"]');
      expect(await text(page, '#account [data-action="sign-in"]')).toBe(msg("en", "account.sign_in", { provider: "Gitea" }));
      expect(await page.isHidden("#deploy-form")).toBe(true);
      expect(await text(page, "#signin-heading")).toBe(msg("en", "account.sign_in_heading"));

      await page.click('#account [data-action="sign-in"]');
      await signInBack(page, "alice");

      await page.waitForSelector("#account [data-person]");
      expect(plain(await text(page, "#account [data-person]"))).toBe(msg("en", "account.signed_in_as", { name: "Alice Example" }));
      // The suggested name, checked like any other.
      await page.waitForSelector('#name-status[data-state="ok"]');
      expect(await page.inputValue("#name-input")).toBe("alice-example");
      expect(await text(page, "#your-stacks")).toContain(msg("en", "account.no_stacks"));

      await page.click("#deploy-button");
      await page.waitForSelector('#view-progress[data-status="ready"]', { timeout: 15_000 });
      expect(await text(page, '[data-detail="username"] .detail-value')).toBe("opencode");
      // No management token anywhere: the signed-in owner needs none.
      expect(await page.locator('[data-detail="token"]').count()).toBe(0);
      expect(h.portal.store.stacks.live("alice-example")?.owner?.subject).toBe("alice");

      // Back to the start (the page asks first: the password is not confirmed as saved): the
      // stack is listed, and the per-person limit (1) hides the form.
      await page.click('[data-action="start-over"]');
      await page.waitForSelector("#confirm-dialog[open]");
      // Only the password is at stake: the question does not speak of a token there is not.
      expect(await text(page, "#confirm-text")).toBe(msg("en", "leave.text_password"));
      await confirmDialog(page, "yes");
      await page.waitForSelector('#your-stacks [data-stack="alice-example"][data-status="ready"]');
      expect(await page.isHidden("#deploy-form")).toBe(true);
      expect(await text(page, "#your-stacks [data-limit]")).toBe(msg("en", "account.limit", { count: "1" }));

      // Delete from Your stacks, no token asked.
      await page.click('[data-action="delete-alice-example"]');
      await page.click('[data-action="delete-yes-alice-example"]');
      await page.waitForSelector('#view-progress[data-status="deleted"]', { timeout: 15_000 });
      await page.click('[data-action="start-over"]');
      await page.waitForSelector("#your-stacks");
      expect(await text(page, "#your-stacks")).toContain(msg("en", "account.no_stacks"));

      // Sign out: the provider's own sign-out page, then back to the portal, signed out.
      await page.click('#account [data-action="sign-out"]');
      await page.waitForURL((u) => u.port === String(provider.port));
      await page.click('button[name="logout"][value="yes"]');
      await page.waitForURL((u) => u.origin === new URL(portalUrl).origin);
      await page.waitForSelector('#account [data-action="sign-in"]');
      const me = await (await context.request.get(`${portalUrl}/api/me`)).json();
      expect(me.person).toBeNull();

      // Nothing but the provider's own pages (whose stylesheet names a web font that the
      // browser's resolver refuses) left the portal; no CSP violation on the portal's page.
      const providerPages = (p: string) => p.includes(`127.0.0.1:${provider.port}`) || p.includes("https://fonts.googleapis.com/");
      expect(problems.filter((p) => !providerPages(p))).toEqual([]);
      await context.close();
    },
    T,
  );

  test(
    "the header, and the not-allowed page for someone outside the allowed groups; in nl, en and ar",
    async () => {
      const { context, page } = await open("nl");
      await page.waitForSelector('#account [data-action="sign-in"]');
      await inEachLang(page, async (lang) => {
        expect(await page.getAttribute("html", "dir")).toBe(lang === "ar" ? "rtl" : "ltr");
        expect(plain(await text(page, '#account [data-action="sign-in"]'))).toBe(msg(lang, "account.sign_in", { provider: "Gitea" }));
      });
      await page.click('#account [data-action="sign-in"]');
      await signInBack(page, "mallory");
      await page.waitForSelector('[data-signin="not_allowed"]');
      await inEachLang(page, async (lang) => {
        expect(plain(await text(page, '[data-signin="not_allowed"]'))).toBe(msg(lang, "account.not_allowed", { provider: "Gitea" }));
        expect(await page.isHidden("#deploy-form")).toBe(true);
      });
      // The API says no too.
      const res = await context.request.post(`${portalUrl}/api/deploy`, { data: { name: "mallory" }, headers: { origin: portalUrl } });
      expect(res.status()).toBe(401);
      // The address is clean again (a reload does not repeat the message).
      expect(new URL(page.url()).search).toBe("");
      await context.close();
    },
    T,
  );

  test(
    "ar: a session that ended says so, in Arabic",
    async () => {
      const idleUrl = `http://127.0.0.1:${await freePort()}`;
      const idp = await startProvider({ keys: [await newSigningKey("key-1")], portalUrl: idleUrl });
      // The sessions' clock moves only when the test says: no waiting, and a busy machine cannot end the session early.
      const clock = movableClock();
      const portal = await startHarness({
        env: oidcEnv(idp, idleUrl, { SESSION_IDLE_TIMEOUT: "3s", SESSION_MAX_AGE: "1h" }),
        sessionClock: clock.now,
      });
      try {
        const { context, page } = await open("ar", idleUrl);
        await page.click('#account [data-action="sign-in"]');
        await page.waitForURL((u) => u.port === String(idp.port));
        await page.fill('input[name="login"]', "bob");
        await page.fill('input[name="password"]', "x");
        await page.click('button[type="submit"]');
        await page.waitForSelector("#account [data-person]");
        // The page's requests after the sign-in (the check of the suggested name last) are answered.
        await page.waitForSelector('#name-status[data-state="ok"]');
        // Longer than SESSION_IDLE_TIMEOUT without a request.
        clock.advance(3_100);
        await page.reload();
        await page.waitForSelector('[data-signin="expired"]');
        expect(plain(await text(page, '[data-signin="expired"]'))).toBe(msg("ar", "account.expired"));
        expect(plain(await text(page, '#account [data-action="sign-in"]'))).toBe(msg("ar", "account.sign_in", { provider: "Gitea" }));
        await context.close();
      } finally {
        await portal.stop();
        await idp.stop();
      }
    },
    T,
  );

  test(
    "a member of OIDC_ADMIN_GROUPS gets the admin view without the admin token, with each stack's owner",
    async () => {
      const { jar } = await signIn(portalUrl, "bob");
      const res = await fetch(`${portalUrl}/api/deploy`, {
        method: "POST",
        headers: { cookie: jar.header(), origin: portalUrl, "content-type": "application/json" },
        body: JSON.stringify({ name: "bob-stack" }),
      });
      expect(res.status).toBe(202);
      for (let i = 0; i < 200 && h.portal.store.stacks.live("bob-stack")?.status !== "ready"; i++) await Bun.sleep(50);
      const { context, page } = await open("nl");
      await page.click('#account [data-action="sign-in"]');
      await signInBack(page, "carol");
      await page.waitForSelector("#account .account-admin");
      await page.click("#admin-link");
      await page.waitForSelector('#admin-stacks tr[data-name="bob-stack"] [data-owner]');
      expect(await page.isHidden("#admin-login")).toBe(true);
      expect(await page.isHidden("#admin-sign-out")).toBe(true);
      expect(await text(page, '#admin-stacks tr[data-name="bob-stack"] [data-owner]')).toBe(
        `${msg("nl", "admin.owner")} Bob Builder <bob@example.org>`,
      );
      // The admin deletes it from the list, with the session alone.
      await page.click('#admin-stacks tr[data-name="bob-stack"] [data-action="admin-delete"]');
      await page.click("#admin-dialog-confirm");
      for (let i = 0; i < 300 && h.portal.store.stacks.latest("bob-stack")?.status !== "deleted"; i++) await Bun.sleep(50);
      expect(h.portal.store.stacks.latest("bob-stack")?.status).toBe("deleted");
      const audit = h.portal.store.audit.page(50).find((e) => e.action === "delete" && e.stackName === "bob-stack" && e.outcome === "accepted");
      expect(audit).toMatchObject({ actor: "admin", person: { subject: "carol" } });
      await context.close();
    },
    T,
  );
});
