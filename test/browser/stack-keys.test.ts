import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Harness, deployAndWait, sandboxState, startHarness } from "../support/harness.ts";
import { type Launched, confirmDialog, inEachLang, launch, msg, openStackPage, plain, plainText as text } from "./support.ts";

/**
 * Issue 26, part 4, in a real browser: the owner adds a model key on their stack's page; it is
 * applied with a restart the page asks about, then shown only by its last four characters; in
 * en, nl and ar.
 */

const T = 90_000;
const KEY = "sk-or-v1-TypedInTheBrowser-9x8Y";
let h: Harness;
let chrome: Launched;

beforeAll(async () => {
  [h, chrome] = await Promise.all([startHarness(), launch()]);
}, T);

afterAll(async () => {
  await chrome?.close();
  await h?.stop();
}, T);

describe("the owner's model keys, on the page", () => {
  test(
    "a key typed, applied after the question, shown by its last four only",
    async () => {
      const stack = await deployAndWait(h, "pagekeys");
      const { context, page, problems } = await openStackPage(chrome.browser, h.url, "en", "pagekeys", stack.managementToken);
      try {
        await page.waitForSelector('#stack-keys [data-provider="openrouter"][data-set="false"]');
        await inEachLang(page, async (lang) => {
          expect(await text(page, "#stack-keys-heading")).toBe(msg(lang, "keys.heading"));
          expect(await text(page, '[data-provider="openrouter"] label')).toBe(msg(lang, "keys.label", { provider: "OpenRouter" }));
          expect(await text(page, '[data-provider="openrouter"] .key-state')).toBe(msg(lang, "keys.not_set"));
        });

        await page.fill('[data-key-input="openrouter"]', KEY);
        await page.click('[data-action="key-save-openrouter"]');
        // Typed, then taken: the field is empty while the page asks.
        expect(await page.inputValue('[data-key-input="openrouter"]')).toBe("");
        await confirmDialog(page, "yes");
        await page.waitForSelector('#stack-keys [data-provider="openrouter"][data-set="true"]', { timeout: 20_000 });
        await inEachLang(page, async (lang) => {
          expect(await text(page, '[data-provider="openrouter"] .key-state')).toBe(plain(msg(lang, "keys.set", { last4: "…9x8Y" })));
          expect(await text(page, '[data-provider="openrouter"] [data-action="key-remove-openrouter"]')).toBe(msg(lang, "keys.remove"));
        });
        expect((await sandboxState(h)).applications.find((a: any) => a.name === "ai-stack-pagekeys").env).toContain(`OPENROUTER_API_KEY=${KEY}`);
        expect(await page.content()).not.toContain(KEY);

        // The key's models are offered per agent; the main agent gets one, the rest keep the free default.
        const sisyphus = '[data-agent-model="sisyphus"]';
        await page.waitForSelector(`${sisyphus} option[value="openrouter/mistralai/mistral-large"]`, { state: "attached" });
        await inEachLang(page, async (lang) => {
          expect(await text(page, '[data-agent="sisyphus"] label')).toBe(msg(lang, "agent.main"));
          expect(await page.locator(`${sisyphus} option[value=""]`).innerText()).toBe(msg(lang, "keys.model_default"));
        });
        await page.selectOption(sisyphus, "openrouter/mistralai/mistral-large");
        await page.click('[data-action="models-save"]');
        await confirmDialog(page, "yes");
        await page.waitForSelector('#stack-progress[data-status="ready"]', { timeout: 20_000 });
        await page.waitForFunction(
          (s) => (document.querySelector(s) as HTMLSelectElement | null)?.value === "openrouter/mistralai/mistral-large",
          sisyphus,
        );
        expect(await page.inputValue('[data-agent-model="oracle"]')).toBe("");
        expect((await sandboxState(h)).applications.find((a: any) => a.name === "ai-stack-pagekeys").env).toContain(
          "STACK_AGENT_MODELS=sisyphus=openrouter/mistralai/mistral-large",
        );
        expect(problems).toEqual([]);
      } finally {
        await context.close();
      }
    },
    T,
  );
});
