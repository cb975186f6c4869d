import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { loadConfig } from "../../src/config.ts";
import { type Harness, deployAndWait, dokployPost, sandboxState, startHarness, waitFor } from "../support/harness.ts";
import { type Launched, confirmDialog, launch, msg, openStackPage, plainText as text } from "./support.ts";

/**
 * The owner's page, the two actions the lifecycle test does not click: restart (asked first,
 * then stop and start seen live) and upgrade (the stack gets the portal's current image back
 * after it was changed in Dokploy), in Dutch.
 */

// A limit catches a hang, not slowness: a flow that takes 10 s alone may take four times that on a busy machine.
const T = 90_000;
const OLD_IMAGE = "registry.example/old-stack:0";
let h: Harness;
let chrome: Launched;
let token = "";
let current = "";

beforeAll(async () => {
  [h, chrome] = await Promise.all([startHarness({ sandbox: { stackStopMs: 200, stackStartMs: 200 } }), launch()]);
  token = (await deployAndWait(h, "upg-nl")).managementToken;
  current = loadConfig(h.env).STACK_IMAGE;
}, T);

afterAll(async () => {
  await chrome?.close();
  await h?.stop();
}, T);

const serviceOf = async () => (await sandboxState(h)).services.find((s: any) => s.hosts.includes("upg-nl.stacks.test"));
const dokploy = (procedure: string, body: unknown) => dokployPost(h.sandboxUrl, procedure, body);

async function openStack() {
  const guarded = await openStackPage(chrome.browser, h.url, "nl", "upg-nl", token);
  await guarded.page.waitForSelector('#view-stack[data-state="running"]');
  return guarded;
}

describe("your stack: restart and upgrade", () => {
  test(
    "nl: restart asks first, then stops and starts the stack live",
    async () => {
      const { context, page } = await openStack();
      try {
        await page.click('[data-action="stack-restart"]');
        await page.waitForSelector("#confirm-dialog[open]");
        expect(await text(page, "#confirm-title")).toBe(msg("nl", "stack.confirm_restart_title"));
        expect(await text(page, "#confirm-text")).toBe(msg("nl", "stack.confirm_restart_text"));
        await confirmDialog(page, "yes");
        await page.waitForSelector('#stack-steps li[data-step="start_service"]');
        expect(await text(page, '#stack-steps li[data-step="stop_service"] .step-label')).toBe(msg("nl", "step.stop_service"));
        await page.waitForSelector('#stack-progress[data-status="ready"]');
        await page.waitForSelector('#view-stack[data-state="running"]');
        expect(await text(page, "#stack-state")).toBe(msg("nl", "stack.running"));
        await page.waitForSelector('.stack-operation[data-kind="restart"][data-outcome="succeeded"]');
        expect((await serviceOf()).state).not.toBe("stopped");
      } finally {
        await context.close();
      }
    },
    T,
  );

  test(
    "nl: upgrade puts the portal's current image back on a stack that runs another",
    async () => {
      // Someone ran the stack on another image from Dokploy's UI.
      const { applicationId } = await serviceOf();
      expect(
        (
          await dokploy("application.saveDockerProvider", {
            applicationId,
            dockerImage: OLD_IMAGE,
            username: null,
            password: null,
            registryUrl: null,
          })
        ).status,
      ).toBe(200);
      expect((await dokploy("application.deploy", { applicationId })).status).toBe(200);
      await waitFor(serviceOf, (s) => s.image === OLD_IMAGE, "the stack to run the old image");

      const { context, page } = await openStack();
      try {
        expect(await text(page, '[data-fact="image"] dd:not(.hint)')).toBe(OLD_IMAGE);
        // The page says there is something newer, and which.
        expect(await text(page, "#stack-version")).toBe(msg("nl", "stack.version_newer", { image: current }));
        await page.click('[data-action="stack-redeploy"]');
        await page.waitForSelector("#confirm-dialog[open]");
        expect(await text(page, "#confirm-title")).toBe(msg("nl", "stack.confirm_redeploy_title"));
        await confirmDialog(page, "yes");
        await page.waitForSelector('#stack-steps li[data-step="apply_plan"]');
        expect(await text(page, '#stack-steps li[data-step="apply_plan"] .step-label')).toBe(msg("nl", "step.apply_plan"));
        await page.waitForSelector('#stack-progress[data-status="ready"]');
        await page.waitForSelector('.stack-operation[data-kind="redeploy"][data-outcome="succeeded"]');
        await page.waitForFunction((image) => document.querySelector('[data-fact="image"] dd:not(.hint)')?.textContent?.includes(image), current);
        expect((await serviceOf()).image).toBe(current);
        // Up to date now: it says so, and there is no button for nothing to do.
        await page.waitForSelector('#stack-version[data-up-to-date="true"]');
        expect(await text(page, "#stack-version")).toBe(msg("nl", "stack.version_current"));
        expect(await page.isVisible('[data-action="stack-redeploy"]')).toBe(false);
      } finally {
        await context.close();
      }
    },
    T,
  );
});
