import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Page } from "playwright-core";
import { ADMIN_TOKEN, type Harness, deployAndWait, dokployPost, sandboxState, startHarness, waitFor } from "../support/harness.ts";
import { LANGS, LOCALE, type Launched, confirmDialog, inEachLang, launch, msg, openAdmin, openQuickPage, plainText as text } from "./support.ts";

/**
 * The page, round two, as a person meets it: the progress of a deploy and of an owner's
 * operation stays in view at desktop and phone size; a rollout asks first; an owner's upgrade
 * after a rollout stays on the rollout's image and the page says when there is nothing newer;
 * the owner deletes from their own page; the start page lists the stacks this device remembers.
 */

// A limit catches a hang, not slowness: a flow that takes 10 s alone may take four times that on a busy machine.
const T = 90_000;
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const V1 = "registry.test/opencode:v1";
const V2 = "registry.test/opencode:v2";

let chrome: Launched;
beforeAll(async () => {
  chrome = await launch();
}, T);
afterAll(() => chrome?.close(), T);

/** Whether the element is wholly inside the window. */
const inViewport = (page: Page, selector: string) =>
  page.evaluate((sel) => {
    const box = document.querySelector(sel)?.getBoundingClientRect();
    return Boolean(box && box.height > 0 && box.top >= 0 && box.bottom <= window.innerHeight);
  }, selector);

/**
 * Until `done` shows up: scrolls to the end of the page (where a person reading the details to
 * save ends up) and checks each of `selectors` is in the window. Returns how many times it looked.
 */
async function keptInView(page: Page, selectors: string[], done: string): Promise<number> {
  let looks = 0;
  for (;;) {
    if (await page.locator(done).count()) return looks;
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    // The page may have finished between the two reads: then the block is allowed to scroll away.
    const seen = await Promise.all(selectors.map((s) => inViewport(page, s)));
    if (await page.locator(done).count()) return looks;
    expect(Object.fromEntries(selectors.map((s, i) => [s, seen[i]]))).toEqual(Object.fromEntries(selectors.map((s) => [s, true])));
    looks++;
    await page.waitForTimeout(150);
  }
}

describe("progress in view", () => {
  let h: Harness;
  // Slow enough that a deploy and a restart run for a few seconds: there is a "throughout" to check.
  beforeAll(async () => {
    h = await startHarness({ sandbox: { deployDurationMs: 1500, stackStartMs: 700, stackStopMs: 700 } });
  }, T);
  afterAll(() => h?.stop(), T);

  for (const lang of LANGS)
    for (const [size, viewport] of Object.entries({ desktop: DESKTOP, phone: PHONE }))
      test(
        `${lang}, ${size}: the current step, the bar and the time stay in view through a deploy and a restart`,
        async () => {
          const { context, page, problems } = await openQuickPage(chrome.browser, h.url, { locale: LOCALE[lang], viewport });
          try {
            const name = `view-${lang}-${size}`;
            await page.goto(`${h.url}/`);
            await page.fill("#name-input", name);
            await page.waitForSelector('#name-status[data-state="ok"]');
            await page.click("#deploy-button");
            await page.waitForSelector(".save-panel");
            const looks = await keptInView(page, ["#progress-summary", "#progress-bar", "#progress-elapsed"], '#view-progress[data-status="ready"]');
            expect(looks).toBeGreaterThan(2);
            // Ready: the page offers to open it.
            expect(await page.isVisible('[data-action="open-stack"]')).toBe(true);

            // Its page, and an operation started from the actions further down.
            await page.click('[data-action="manage-stack"]');
            await confirmDialog(page, "yes");
            await page.waitForSelector('#view-stack[data-state="running"]');
            await page.click('[data-action="stack-restart"]');
            await confirmDialog(page, "yes");
            await page.waitForSelector("#stack-progress:not([hidden])");
            const during = await keptInView(page, ["#stack-summary", "#stack-bar", "#stack-elapsed"], '#stack-progress[data-status="ready"]');
            expect(during).toBeGreaterThan(2);
            expect(await text(page, "#stack-summary")).toBe(msg(lang, "stack.action_ready"));
            expect(problems).toEqual([]);
          } finally {
            await context.close();
          }
        },
        T,
      );
});

/** The owner page opened from the start page's form, "remember on this device" ticked. */
async function openRemembered(h: Harness, page: Page, name: string, token: string): Promise<void> {
  await page.goto(`${h.url}/`);
  await page.waitForSelector("html[data-ready]");
  await page.click("#manage-section > summary");
  await page.fill("#manage-name", name);
  await page.fill("#manage-token", token);
  await page.check("#manage-remember");
  await page.click("#manage-button");
  await page.waitForSelector('#view-stack[data-state="running"]');
}

describe("the name field", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await deployAndWait(h, "alice");
  }, T);
  afterAll(() => h?.stop(), T);

  test(
    "a taken or invalid name offers free names like it, one click puts one in; in en, nl and ar",
    async () => {
      const { context, page, problems } = await openQuickPage(chrome.browser, h.url, { locale: LOCALE.en, viewport: PHONE });
      try {
        await page.goto(`${h.url}/`);
        await page.fill("#name-input", "alice");
        await page.waitForSelector('#name-status[data-reason="taken"] .name-suggestion');
        await inEachLang(page, async (lang) => {
          expect(await text(page, "#name-status .name-suggest")).toBe(`${msg(lang, "name.suggest")} alice-2 alice-3`);
          expect(await page.getAttribute('.name-suggestion[data-name="alice-2"]', "aria-label")).toBe(msg(lang, "name.use", { name: "alice-2" }));
        });
        await page.click('.name-suggestion[data-name="alice-2"]');
        await page.waitForSelector('#name-status[data-state="ok"]');
        expect(await page.inputValue("#name-input")).toBe("alice-2");
        // An invalid one: made valid.
        await page.fill("#name-input", "Alice Smith!");
        await page.waitForSelector('#name-status[data-state="bad"] .name-suggestion');
        expect(await page.getAttribute(".name-suggestion >> nth=0", "data-name")).toBe("alice-smith");
        expect(problems).toEqual([]);
      } finally {
        await context.close();
      }
    },
    T,
  );
});

describe("the root address", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  }, T);
  afterAll(() => h?.stop(), T);

  test(
    "opens the start page, not the last deployment; a reload still brings the deployment back",
    async () => {
      const { context, page, problems } = await openQuickPage(chrome.browser, h.url, { locale: LOCALE.nl, viewport: DESKTOP });
      try {
        await page.goto(`${h.url}/`);
        await page.fill("#name-input", "rooted");
        await page.waitForSelector('#name-status[data-state="ok"]');
        await page.click("#deploy-button");
        await page.waitForSelector('#view-progress[data-status="ready"]');
        // Typed in the address bar: the start page, with the way back to the deployment.
        await page.goto(`${h.url}/`);
        await page.waitForSelector("html[data-ready]");
        expect(await page.isVisible("#view-start")).toBe(true);
        expect(await page.isVisible("#your-stack")).toBe(true);
        // A reload of a page whose address lost its hash: the deployment again.
        await page.click("#your-stack-show");
        await page.waitForSelector('#view-progress[data-status="ready"]');
        await page.evaluate(() => history.replaceState(null, "", "/"));
        await page.reload();
        await page.waitForSelector('#view-progress[data-status="ready"]');
        expect(problems).toEqual([]);
      } finally {
        await context.close();
      }
    },
    T,
  );
});

describe("the owner page, complete", () => {
  // Its own portal: the rollout moves this one stack only.
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { STACK_IMAGE: V1 } });
  }, T);
  afterAll(() => h?.stop(), T);
  const service = async (name: string) => (await sandboxState(h)).services.find((s: any) => s.hosts.includes(`${name}.stacks.test`));

  test(
    "a rollout asks first; an upgrade after it stays on its image; remembered stacks are listed; the owner deletes from their page; in en, nl and ar on a phone",
    async () => {
      const name = "own-a";
      const { managementToken } = await deployAndWait(h, name);

      // The admin's rollout to v2: asked first, with the image and the running stacks it restarts.
      const admin = await openAdmin(chrome.browser, h.url, LOCALE.en, ADMIN_TOKEN);
      try {
        await admin.page.fill("#rollout-image", V2);
        await admin.page.click("#rollout-start");
        await admin.page.waitForSelector("#confirm-dialog[open]");
        expect(await text(admin.page, "#confirm-text")).toBe(
          msg("en", "rollout.confirm_text", { image: V2, stacks: "1", running: "1", stopped: "0" }),
        );
        await confirmDialog(admin.page, "yes");
        await admin.page.waitForFunction(
          (done) => document.querySelector("#rollout-summary")?.textContent?.includes(done),
          msg("en", "rollout.status_finished"),
          { timeout: 30_000 },
        );
        expect(admin.problems).toEqual([]);
      } finally {
        await admin.context.close();
      }
      expect((await service(name)).image).toBe(V2);

      const { context, page, problems } = await openQuickPage(chrome.browser, h.url, { locale: LOCALE.nl, viewport: PHONE });
      try {
        await openRemembered(h, page, name, managementToken);
        // Up to date after the rollout: it says so, and offers no upgrade.
        await page.waitForSelector('#stack-version[data-up-to-date="true"]');
        await inEachLang(page, async (lang) => {
          expect(await text(page, "#stack-version")).toBe(msg(lang, "stack.version_current"));
        });
        expect(await page.isVisible('[data-action="stack-redeploy"]')).toBe(false);

        // Someone put the stack back on v1 from Dokploy's UI: the page offers v2, never STACK_IMAGE's v1.
        const { applicationId } = await service(name);
        const body = { applicationId, dockerImage: V1, username: null, password: null, registryUrl: null };
        expect((await dokployPost(h.sandboxUrl, "application.saveDockerProvider", body)).status).toBe(200);
        await page.reload();
        await page.waitForSelector('#stack-version[data-up-to-date="false"]');
        await inEachLang(page, async (lang) => {
          expect(await text(page, "#stack-version")).toBe(msg(lang, "stack.version_newer", { image: V2 }));
        });
        await page.click('[data-action="stack-redeploy"]');
        await confirmDialog(page, "yes");
        await page.waitForSelector('#stack-progress[data-kind="redeploy"][data-status="ready"]');
        await page.waitForSelector('#stack-version[data-up-to-date="true"]');
        await waitFor(
          () => service(name),
          (s) => s.image === V2 && s.state === "running",
          "the stack on v2",
        );
        expect(h.portal.store.images.of(h.portal.store.stacks.live(name)!.id)?.image).toBe(V2);

        // The start page lists it ("remember on this device"), with a link to its page.
        await page.click("#stack-back");
        await page.waitForSelector("#remembered:not([hidden])");
        await inEachLang(page, async (lang) => {
          expect(await text(page, "#remembered-heading")).toBe(msg(lang, "remembered.heading"));
          expect(await text(page, `#remembered-list li[data-stack="${name}"]`)).toBe(name);
        });
        await page.click(`#remembered-list li[data-stack="${name}"] a`);
        await page.waitForSelector('#view-stack[data-state="running"]');

        // Delete from the danger zone: the start page's question (what goes, what stays); Cancel keeps it.
        await inEachLang(page, async (lang) => {
          expect(await text(page, "#stack-danger-heading")).toBe(msg(lang, "stack.danger_heading"));
          expect(await text(page, "#stack-delete")).toBe(msg(lang, "delete.button"));
        });
        await page.click("#stack-delete");
        await page.waitForSelector("#delete-dialog[open]");
        expect(await text(page, "#delete-dialog-title")).toBe(msg("nl", "delete.confirm_title", { name }));
        await page.click("#delete-cancel");
        expect(await page.isVisible("#view-stack")).toBe(true);
        expect(await page.evaluate(() => document.activeElement?.id)).toBe("stack-delete");
        await page.click("#stack-delete");
        await page.click("#delete-confirm");
        await page.waitForSelector('#view-progress[data-status="deleted"]', { timeout: 15_000 });
        expect(h.portal.store.stacks.live(name)).toBeNull();
        expect(problems).toEqual([]);
      } finally {
        await context.close();
      }
    },
    T,
  );
});
