import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Harness, deployAndWait, sandboxState, startHarness } from "../support/harness.ts";
import { type Launched, confirmDialog, inEachLang, launch, msg, openStackPage, plainText as text } from "./support.ts";

/**
 * Restore in one click, in a real browser: the owner sees the stack's backups on its page,
 * restores yesterday's workspace after the page asks, follows the steps, and finds the safety
 * copy of what was there listed; in en, nl and ar.
 */

const T = 90_000;
const DESTINATION = "dest-restore-page";
let h: Harness;
let chrome: Launched;

beforeAll(async () => {
  [h, chrome] = await Promise.all([startHarness({ env: { BACKUP_DESTINATION_ID: DESTINATION, POOL_SIZE: "0" } }), launch()]);
  h.sandbox.addDestination("s3", DESTINATION);
}, T);

afterAll(async () => {
  await chrome?.close();
  await h?.stop();
}, T);

describe("restore in one click, on the page", () => {
  test(
    "yesterday's workspace brought back after a question, with the steps in view and a safety copy listed",
    async () => {
      const stack = await deployAndWait(h, "pagerestore");
      const manager = (await sandboxState(h)).nodes[0].id;
      const volume = "portal-ai-workspace-pagerestore";
      h.sandbox.writeVolume(manager, volume, { "notes.md": "yesterday" });
      h.sandbox.runScheduledBackups();
      h.sandbox.writeVolume(manager, volume, { "notes.md": "today, broken" });
      const { context, page, problems } = await openStackPage(chrome.browser, h.url, "en", "pagerestore", stack.managementToken);
      try {
        const workspaceItem = '#stack-backups [data-volume="workspace"][data-safety="false"]';
        await page.waitForSelector(workspaceItem);
        await inEachLang(page, async (lang) => {
          expect(await text(page, "#stack-backups-heading")).toBe(msg(lang, "restore.heading"));
          expect(await text(page, `${workspaceItem} span >> nth=0`)).toBe(msg(lang, "restore.volume_workspace"));
          expect(await text(page, `${workspaceItem} [data-action="restore-backup"]`)).toBe(msg(lang, "restore.button"));
        });
        expect(await page.locator("#stack-backups li").count()).toBe(2);

        await page.click(`${workspaceItem} [data-action="restore-backup"]`);
        expect(await text(page, "#confirm-title")).toBe(msg("en", "restore.confirm_title"));
        await confirmDialog(page, "yes");
        await page.waitForSelector('#stack-steps li[data-step="restore_volume"]');
        expect(await text(page, '#stack-steps li[data-step="safety_backup"] .step-label')).toBe(msg("en", "step.safety_backup"));
        await page.waitForSelector('#stack-progress[data-status="ready"]', { timeout: 30_000 });
        await page.waitForSelector('#view-stack[data-state="running"]');
        expect((await sandboxState(h)).nodeVolumes[manager][volume]).toEqual({ "notes.md": "yesterday" });

        // The safety copy of "today" is listed, marked, and can be restored the same way.
        await page.waitForSelector('#stack-backups [data-volume="workspace"][data-safety="true"]');
        await inEachLang(page, async (lang) => {
          expect(await text(page, '#stack-backups [data-volume="workspace"][data-safety="true"] .badge')).toBe(msg(lang, "restore.safety"));
        });
        expect(await page.locator('.stack-operation[data-kind="restore"]').count()).toBe(1);
        expect(problems).toEqual([]);
      } finally {
        await context.close();
      }
    },
    T,
  );
});
