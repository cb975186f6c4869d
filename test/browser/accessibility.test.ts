import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import type { Page } from "playwright-core";
import { ADMIN_TOKEN, type Harness, deployAndWait, startHarness } from "../support/harness.ts";
import { LOCALE, type Launched, confirmDialog, launch, openAdmin, openQuickPage, openStackPage } from "./support.ts";

/**
 * axe-core (WCAG 2.1 A and AA rules) over every view and dialog a person meets, in English at
 * desktop size and in Arabic (right to left) on a phone: no violations.
 */

const T = 90_000;
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
// Given to the page through DevTools, as a test tool: the page's CSP (rightly) allows no such script.
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

let h: Harness;
let chrome: Launched;
let token = "";

beforeAll(async () => {
  [h, chrome] = await Promise.all([startHarness({ sandbox: { deployDurationMs: 1500 } }), launch()]);
  token = (await deployAndWait(h, "a11y-own")).managementToken;
}, T);

afterAll(async () => {
  await chrome?.close();
  await h?.stop();
}, T);

/** Each violation as "rule: where", so a failure says what to fix. */
async function violations(page: Page): Promise<string[]> {
  await page.evaluate(AXE);
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: any }).axe;
    const result = await axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } });
    return result.violations.map((v: any) => `${v.id}: ${v.nodes.map((n: any) => n.target.join(" ")).join(", ")}`);
  });
}

describe("accessibility (axe-core)", () => {
  // Left to right on a desktop, right to left on a phone: both directions, both sizes.
  for (const [lang, size, viewport] of [
    ["en", "desktop", DESKTOP],
    ["ar", "phone", PHONE],
  ] as const)
    test(
      `${lang}, ${size}: start, a deploy running and done, its page, the new password, the dialogs, the admin view`,
      async () => {
        const seen: Record<string, string[]> = {};
        const { context, page, problems } = await openQuickPage(chrome.browser, h.url, { locale: LOCALE[lang], viewport });
        try {
          await page.goto(`${h.url}/`);
          await page.waitForSelector("html[data-ready]");
          seen.start = await violations(page);

          await page.fill("#name-input", `a11y-${lang}-${size}`);
          await page.waitForSelector('#name-status[data-state="ok"]');
          await page.click("#deploy-button");
          await page.waitForSelector(".save-panel");
          seen.deploying = await violations(page);
          await page.waitForSelector('#view-progress[data-status="ready"]', { timeout: 15_000 });
          seen.ready = await violations(page);
          await page.click('[data-action="confirm-saved"]');
          await page.waitForSelector("#confirm-dialog[open]");
          seen.confirm = await violations(page);
          await confirmDialog(page, "yes");
        } finally {
          await context.close();
        }

        const owner = await openStackPage(chrome.browser, h.url, lang, "a11y-own", token);
        try {
          await owner.page.setViewportSize(viewport);
          await owner.page.waitForSelector('#view-stack[data-state="running"]');
          seen.stack = await violations(owner.page);
          await owner.page.click("#stack-delete");
          await owner.page.waitForSelector("#delete-dialog[open]");
          seen.delete = await violations(owner.page);
          await owner.page.click("#delete-cancel");
          await owner.page.click('[data-action="stack-password"]');
          await confirmDialog(owner.page, "yes");
          await owner.page.waitForSelector(".new-password");
          seen.password = await violations(owner.page);
        } finally {
          await owner.context.close();
        }

        const admin = await openAdmin(chrome.browser, h.url, LOCALE[lang], ADMIN_TOKEN);
        try {
          await admin.page.setViewportSize(viewport);
          seen.admin = await violations(admin.page);
        } finally {
          await admin.context.close();
        }
        expect(seen).toEqual({ start: [], deploying: [], ready: [], confirm: [], stack: [], delete: [], password: [], admin: [] });
        expect(problems).toEqual([]);
      },
      T,
    );
});
