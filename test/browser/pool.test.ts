import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ADMIN_TOKEN, type Harness, poolEnv, poolReady, startHarness } from "../support/harness.ts";
import { type Launched, inEachLang, launch, msg, normalise, openAdmin, openPage, text } from "./support.ts";

/**
 * A deploy that takes a stack of the warm pool, in a real browser: the page shows the claim's
 * three steps and the once-only details as for any deploy, and a reload rebuilds the same view.
 */

const T = 90_000;
const CLAIM_STEPS = ["claim", "wait_healthy", "ready"];

let h: Harness;
let chrome: Launched;

beforeAll(async () => {
  [h, chrome] = await Promise.all([startHarness({ env: (sandboxUrl) => poolEnv(sandboxUrl, 1) }), launch()]);
}, T);

afterAll(async () => {
  await chrome?.close();
  await h?.stop();
}, T);

describe("a deploy from the warm pool, on the page", () => {
  test(
    "the claim's steps in each language, the details once, the same view after a reload",
    async () => {
      await poolReady(h, 1);
      const { context, page, problems } = await openPage(chrome.browser, h.url, { locale: "en-GB" });
      try {
        await page.goto(`${h.url}/`);
        await page.fill("#name-input", "frank");
        await page.waitForSelector('#name-status[data-state="ok"]');
        await page.click("#deploy-button");
        await page.waitForSelector('#view-progress[data-status="ready"]', { timeout: 15_000 });
        const check = async () =>
          inEachLang(page, async (lang) => {
            const steps = page.locator("#progress-steps li");
            expect(await steps.evaluateAll((items) => items.map((li) => li.getAttribute("data-step")))).toEqual(CLAIM_STEPS);
            for (const step of CLAIM_STEPS) {
              const item = page.locator(`#progress-steps li[data-step="${step}"]`);
              expect(await item.getAttribute("data-state")).toBe("succeeded");
              expect(await item.locator(".step-label").innerText()).toBe(msg(lang, `step.${step}`));
            }
            expect(await text(page, "#result-title")).toBe(msg(lang, "result.ready_title"));
          });
        await check();
        const password = await text(page, '[data-detail="password"] .detail-value');
        const app = h.portal.store.stacks.live("frank");
        expect(app?.pool).toBeNull();
        const env = await (await fetch(`${h.sandboxUrl}/__sandbox/state`)).json();
        expect(env.applications.find((a: any) => a.applicationId === app?.applicationId).env).toContain(`OPENCODE_SERVER_PASSWORD=${password}`);
        await page.reload();
        await page.waitForSelector('#view-progress[data-status="ready"]');
        await check();
        expect(problems).toEqual([]);
      } finally {
        await context.close();
      }
    },
    T,
  );

  test(
    "the admin's capacity card counts the pool's ready stacks against POOL_SIZE",
    async () => {
      await poolReady(h, 1);
      const { context, page, problems } = await openAdmin(chrome.browser, h.url, "en-GB", ADMIN_TOKEN);
      try {
        await page.waitForSelector('#capacity-fleet [data-count="pool"]');
        await inEachLang(page, async (lang) => {
          expect(await text(page, '#capacity-fleet [data-count="pool"] dt')).toBe(msg(lang, "capacity.pool"));
          expect(normalise(await text(page, '#capacity-fleet [data-count="pool"] dd'))).toBe(
            normalise(msg(lang, "capacity.of", { n: "1", max: "1" })),
          );
        });
        expect(problems).toEqual([]);
      } finally {
        await context.close();
      }
    },
    T,
  );
});
