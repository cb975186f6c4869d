import { startHarness } from "./test/support/harness.ts";
import { launch, openPage, sandboxControl } from "./test/browser/support.ts";
const h = await startHarness();
const chrome = await launch();
const out = "/tmp/h12/shots";
for (const [vw, tag] of [[{ width: 390, height: 844 }, "phone"], [{ width: 1280, height: 800 }, "desk"]] as const) {
  for (const locale of ["en-GB", "ar-EG"]) {
    const l = locale.slice(0, 2);
    const { context, page } = await openPage(chrome.browser, h.url, { locale, viewport: vw });
    await page.goto(`${h.url}/`);
    await page.waitForSelector("html[data-ready]");
    await page.screenshot({ path: `${out}/${tag}-${l}-start.png`, fullPage: true });
    await sandboxControl(h.sandboxUrl, "settings", { deployDurationMs: 3000 });
    const name = `shot-${tag}-${l}`;
    await page.fill("#name-input", name);
    await page.waitForSelector('#name-status[data-state="ok"]');
    await page.click("#deploy-button");
    await page.waitForSelector('#progress-steps li[data-step="wait_running"][data-state="started"]');
    await page.screenshot({ path: `${out}/${tag}-${l}-progress.png`, fullPage: true });
    await sandboxControl(h.sandboxUrl, "settings", { deployDurationMs: 60 });
    await page.waitForSelector('#view-progress[data-status="ready"]', { timeout: 15000 });
    await page.click('[data-action="start-over"]');
    await page.waitForSelector("#confirm-dialog[open]");
    await page.screenshot({ path: `${out}/${tag}-${l}-leave.png` });
    await page.click("#confirm-yes");
    await page.waitForSelector("#view-start:not([hidden])");
    await page.screenshot({ path: `${out}/${tag}-${l}-yourstack.png`, fullPage: true });
    const fail = `fail-${tag}-${l}`;
    await sandboxControl(h.sandboxUrl, "faults", { kind: "deploy_error", match: fail, times: 1 });
    await page.fill("#name-input", fail);
    await page.waitForSelector('#name-status[data-state="ok"]');
    await page.click("#deploy-button");
    await page.waitForSelector('#view-progress[data-status="failed"]', { timeout: 15000 });
    await page.waitForSelector(".result-log pre");
    await page.screenshot({ path: `${out}/${tag}-${l}-failed.png`, fullPage: true });
    await context.close();
  }
}
await chrome.close();
await h.stop();
console.log("done");
