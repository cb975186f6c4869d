import { afterAll, beforeAll, expect, test } from "bun:test";
import { ADMIN_TOKEN, type Harness, deployAndWait, startHarness } from "../support/harness.ts";
import { type Launched, confirmDialog, launch, msg, openAdmin, plainText as text } from "./support.ts";

/**
 * The admin view's image rollout in a real browser: started from the form, it shows per
 * stack what happened (one stack fails on the new image and is put back), the counts of
 * done, failed and remaining, and why it paused; resumed once the fault is gone, it finishes.
 */

// A limit catches a hang, not slowness: a flow that takes 10 s alone may take four times that on a busy machine.
const T = 90_000;
const OLD = "registry.test/opencode:v1";
const NEW = "registry.test/opencode:v2";
const NAMES = ["roll-b1", "roll-b2", "roll-b3", "roll-b4"];

let h: Harness;
let chrome: Launched;

beforeAll(async () => {
  [h, chrome] = await Promise.all([startHarness({ env: { STACK_IMAGE: OLD, HEALTH_TIMEOUT: "1s" }, sandbox: { buildConcurrency: 4 } }), launch()]);
  for (const name of NAMES) expect((await deployAndWait(h, name)).done.data.status).toBe("ready");
}, T);

afterAll(async () => {
  await chrome?.close();
  await h?.stop();
}, T);

test(
  "start a rollout, see each stack's outcome and why it paused, resume it to the end",
  async () => {
    await fetch(`${h.sandboxUrl}/__sandbox/faults`, {
      method: "POST",
      body: JSON.stringify({ kind: "stack_never_ready", match: "roll-b3", image: NEW }),
    });
    const { context, page, problems } = await openAdmin(chrome.browser, h.url, "en-GB", ADMIN_TOKEN);
    // Each stack shows the image it runs.
    await page.waitForSelector('#admin-stacks tr[data-name="roll-b1"] td[data-col="image"]');
    expect(await page.locator('#admin-stacks tr[data-name="roll-b1"] td[data-col="image"]').innerText()).toBe(OLD);

    expect(await page.locator("#rollout-heading").innerText()).toBe(msg("en", "rollout.heading"));
    await page.fill("#rollout-image", NEW);
    await page.fill("#rollout-batch", "2");
    await page.fill("#rollout-failures", "1");
    // Asked first, naming the image and what it restarts; Cancel starts nothing.
    await page.click("#rollout-start");
    await page.waitForSelector("#confirm-dialog[open]");
    expect(await text(page, "#confirm-title")).toBe(msg("en", "rollout.confirm_title"));
    const asked = msg("en", "rollout.confirm_text", { image: NEW, stacks: String(NAMES.length), running: String(NAMES.length), stopped: "0" });
    expect(await text(page, "#confirm-text")).toBe(asked);
    await confirmDialog(page, "no");
    expect(await page.isHidden("#rollout-current")).toBe(true);
    expect(h.portal.store.rollouts.recent(1)).toHaveLength(0);
    await page.click("#rollout-start");
    await confirmDialog(page, "yes");
    await page.waitForSelector("#rollout-current:not([hidden])");
    // Polled while it runs, until it pauses at the failure.
    await page.waitForSelector("#rollout-resume:not([hidden])", { timeout: 15_000 });
    const summary = await page.locator("#rollout-summary").innerText();
    expect(summary).toContain(NEW);
    expect(summary).toContain(msg("en", "rollout.status_paused"));
    expect(summary).toContain("roll-b3");
    expect(await page.getAttribute('#rollout-stacks li[data-name="roll-b3"]', "data-state")).toBe("failed");
    expect(await page.locator('#rollout-stacks li[data-name="roll-b3"] .rollout-state').innerText()).toBe(msg("en", "rollout.state_failed"));
    expect(await page.getAttribute('#rollout-stacks li[data-name="roll-b1"]', "data-state")).toBe("done");
    expect(await page.locator('#rollout-counts [data-count="failed"] dd').innerText()).toBe("1");
    expect(Number(await page.locator('#rollout-counts [data-count="remaining"] dd').innerText())).toBeGreaterThan(0);

    await fetch(`${h.sandboxUrl}/__sandbox/faults`, { method: "DELETE" });
    await page.click("#rollout-resume");
    await page.waitForFunction(() => document.querySelector("#rollout-summary")?.textContent?.includes("finished"), undefined, { timeout: 15_000 });
    expect(await page.locator('#rollout-counts [data-count="done"] dd').innerText()).toBe(String(NAMES.length));
    expect(await page.locator('#rollout-counts [data-count="remaining"] dd').innerText()).toBe("0");
    expect(await page.isHidden("#rollout-cancel")).toBe(true);
    expect(problems).toEqual([]);
    await context.close();
  },
  T,
);
