// "Your stack" with sign-in on (AUTH_MODE=oidc): reached from "Your stacks" without a token,
// the session authorises it; Chromium signs in at the test provider's own pages.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Harness, startHarness } from "../support/harness.ts";
import { type TestProvider, freePort, newSigningKey, oidcEnv, startProvider } from "../support/oidc.ts";
import { confirmDialog, LOCALE, type Launched, launch, msg, openPage, plainText as text } from "./support.ts";

// A limit catches a hang, not slowness: a flow that takes 10 s alone may take four times that on a busy machine.
const T = 90_000;
let provider: TestProvider;
let h: Harness;
let portalUrl: string;
let chrome: Launched;

beforeAll(async () => {
  portalUrl = `http://127.0.0.1:${await freePort()}`;
  provider = await startProvider({ keys: [await newSigningKey("key-1")], portalUrl });
  [h, chrome] = await Promise.all([startHarness({ env: oidcEnv(provider, portalUrl), sandbox: { stackStopMs: 300 } }), launch()]);
}, T);

afterAll(async () => {
  await chrome?.close();
  await h?.stop();
  await provider?.stop();
}, T);

describe("your stack, signed in", () => {
  test(
    "nl: from Your stacks to the stack's page without a token; stop works with the session alone",
    async () => {
      const { context, page, problems } = await openPage(chrome.browser, portalUrl, { locale: LOCALE.nl });
      context.setDefaultTimeout(8000);
      try {
        await page.goto(`${portalUrl}/`);
        await page.waitForSelector("html[data-ready]");
        await page.click('#account [data-action="sign-in"]');
        await page.waitForURL((u) => u.port === String(provider.port));
        await page.fill('input[name="login"]', "alice");
        await page.fill('input[name="password"]', "any-password");
        await page.click('button[type="submit"]');
        await page.waitForURL((u) => u.origin === new URL(portalUrl).origin);
        await page.waitForSelector('#name-status[data-state="ok"]');
        const name = await page.inputValue("#name-input");
        await page.click("#deploy-button");
        await page.waitForSelector('#view-progress[data-status="ready"]', { timeout: 15_000 });
        // The result leads to the stack's page too; here the way from Your stacks is tried.
        await page.click('[data-action="start-over"]');
        await confirmDialog(page, "yes");
        await page.waitForSelector(`#your-stacks [data-action="manage-${name}"]`);
        expect(await text(page, `#your-stacks [data-action="manage-${name}"]`)).toBe(msg("nl", "stack.manage"));
        await page.click(`#your-stacks [data-action="manage-${name}"]`);
        await page.waitForSelector('#view-stack[data-state="running"]');
        expect(await text(page, "#stack-heading")).toBe(msg("nl", "stack.heading", { name }));
        // No token was needed, and none is kept.
        const stored = await page.evaluate(() => JSON.stringify({ ...sessionStorage }) + JSON.stringify({ ...localStorage }));
        expect(stored).not.toContain("stack-token");

        await page.click('[data-action="stack-stop"]');
        await confirmDialog(page, "yes");
        await page.waitForSelector('#view-stack[data-state="stopped"]');
        expect(await text(page, "#stack-state")).toBe(msg("nl", "stack.stopped"));
        expect(h.portal.store.stacks.live(name)?.owner?.subject).toBe("alice");

        const providerPages = (p: string) => p.includes(`127.0.0.1:${provider.port}`) || p.includes("https://fonts.googleapis.com/");
        expect(problems.filter((p) => !providerPages(p))).toEqual([]);
      } finally {
        await context.close();
      }
    },
    T,
  );
});
