import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Harness, deployAndWait, sandboxState, startHarness } from "../support/harness.ts";
import { type Launched, inEachLang, launch, msg, openStackPage, plain, plainText as text } from "./support.ts";

/**
 * Issue 26, part 1, in a real browser: the owner's page says when the stack stops for idleness
 * and why, warns when the stop is near, and keeps it awake with one click; in en, nl and ar.
 * The stack's OpenCode is the sandbox's emulated one, whose sessions the test sets.
 */

const T = 90_000;
let h: Harness;
let chrome: Launched;

beforeAll(async () => {
  // The checks never run here: the page's forecast is what is tested, not the stop. Idle for less
  // than the warning time: a new stack is within it from its start.
  [h, chrome] = await Promise.all([
    startHarness({ env: { IDLE_STOP_AFTER: "20m", IDLE_WARNING_BEFORE: "30m", IDLE_CHECK_INTERVAL: "1h", IDLE_KEEP_AWAKE_MAX: "8h" } }),
    launch(),
  ]);
}, T);

afterAll(async () => {
  await chrome?.close();
  await h?.stop();
}, T);

/** What a catalog text says before its first placeholder: the part that does not depend on the times. */
const lead = (lang: Parameters<typeof msg>[0], key: string) => plain(msg(lang, key).split("{")[0]!);

describe("when the stack stops for idleness, on its page", () => {
  test(
    "the warning with its times, the word for a busy stack, and keep awake for 8 h",
    async () => {
      const stack = await deployAndWait(h, "sleepy");
      const appName = (await sandboxState(h)).applications.find((a: any) => a.name === "ai-stack-sleepy").appName;
      const forecast = async () =>
        ((await (await fetch(`${h.url}/api/stacks/sleepy/details`, { headers: { authorization: `Bearer ${stack.managementToken}` } })).json()) as any)
          .idle;
      const session = (busy: boolean) => {
        const at = Date.now() - 15 * 60_000;
        h.sandbox.setOpenCodeActivity(appName, {
          sessions: [{ id: "ses_1", time: { created: at - 60_000, updated: at } }],
          status: busy ? { ses_1: { type: "busy" } } : {},
        });
      };
      const { context, page, problems } = await openStackPage(chrome.browser, h.url, "en", "sleepy", stack.managementToken);
      try {
        await page.waitForSelector('#stack-idle [data-idle="idle"][data-idle-warning]');
        await inEachLang(page, async (lang) => {
          expect(await text(page, "#stack-idle .idle-line")).toStartWith(lead(lang, "idle.warning"));
          // Idle since its start; the stop no sooner than the warning time from now (no warning was sent yet).
          const [since, at] = await page.locator("#stack-idle time").evaluateAll((ts) => ts.map((x) => x.getAttribute("datetime") ?? ""));
          const now = await forecast();
          expect(since).toBe(now.lastActivityAt);
          expect(Math.abs(Date.parse(at ?? "") - Date.parse(now.stopsAt))).toBeLessThan(60_000);
          expect(await text(page, '[data-action="keep-awake"]')).toBe(plain(msg(lang, "idle.keep_awake", { hours: "8" })));
        });

        // Busy now: no stop is said.
        session(true);
        await page.click("#stack-logs-refresh");
        await page.waitForSelector('#stack-idle [data-idle="busy"]');
        await inEachLang(page, async (lang) => {
          expect(await text(page, "#stack-idle .idle-line")).toBe(plain(msg(lang, "idle.busy")));
        });

        // Idle again, and kept awake with one click: for 8 hours from now.
        session(false);
        const before = Date.now();
        await page.click('[data-action="keep-awake"]');
        await page.waitForSelector('#stack-idle [data-idle="kept_awake"]');
        const until = await page.locator("#stack-idle time").getAttribute("datetime");
        expect(Date.parse(until ?? "") - before).toBeGreaterThanOrEqual(8 * 3_600_000);
        await inEachLang(page, async (lang) => {
          expect(await text(page, "#stack-idle .idle-line")).toStartWith(lead(lang, "idle.kept_awake"));
          expect(await text(page, "#stack-message")).toStartWith(lead(lang, "idle.kept"));
        });
        expect(await forecast()).toMatchObject({ state: "kept_awake", keepAwakeUntil: until });
        expect(problems).toEqual([]);
      } finally {
        await context.close();
      }
    },
    T,
  );
});
