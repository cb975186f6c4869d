import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { type Harness, startHarness } from "../support/harness.ts";
import {
  inEachLang,
  LANGS,
  LOCALE,
  type Launched,
  launch,
  msg,
  openPage,
  normalise,
  text,
  sandboxControl,
  startCuttableProxy,
  overflow,
} from "./support.ts";

/**
 * The page in a real browser (Debian's Chromium driven by playwright-core) against a real
 * portal and a sandbox Dokploy on loopback.
 */

/** `UPDATE_SCREENSHOTS=1 npm test` refreshes the README's pictures; other runs leave the tree clean. */
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS ? join(import.meta.dir, "../../docs/screenshots") : mkdtempSync(join(tmpdir(), "shots-"));
const DEPLOY_STEPS = ["create_project", "create_application", "configure", "deploy", "wait_running", "wait_healthy", "ready"];
const DELETE_STEPS = ["delete_application", "remove_project"];
// A limit catches a hang, not slowness: a flow that takes 10 s alone may take four times that on a busy machine.
const T = 90_000;
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

let h: Harness;
let chrome: Launched;

beforeAll(async () => {
  // The queue test holds a deploy behind a 3 s build: give Dokploy's deploy room to finish.
  [h, chrome] = await Promise.all([startHarness({ env: { DEPLOY_TIMEOUT: "30s" } }), launch()]);
  mkdirSync(SCREENSHOTS, { recursive: true });
}, T);

afterAll(async () => {
  await chrome?.close();
  await h?.stop();
}, T);

async function typeName(page: Page, name: string, state: "ok" | "bad" | "held") {
  // A verdict like "too short" waits until typing pauses or the field is left: leave it.
  await page.fill("#name-input", name);
  if (state === "bad") await page.locator("#name-input").blur();
  await page.waitForSelector(`#name-status[data-state="${state}"]`);
}

/** Answers the page's own "are you sure" question (#confirm-dialog) with yes. */
async function confirmYes(page: Page) {
  await page.waitForSelector("#confirm-dialog[open]");
  await page.click("#confirm-yes");
  await page.waitForSelector("#confirm-dialog:not([open])", { state: "attached" });
}

/** Deploy looks and acts disabled while it waits, yet stays reachable by keyboard. */
const deployDisabled = async (page: Page) => (await page.getAttribute("#deploy-button", "aria-disabled")) === "true";

async function waitDone(page: Page, status: "ready" | "failed" | "deleted") {
  await page.waitForSelector(`#view-progress[data-status="${status}"]`, { timeout: 15_000 });
}

const deploymentIdOf = (page: Page) => new URL(page.url()).hash.replace("#deployment=", "");

describe("the page in each language", () => {
  test(
    "the browser's language decides the default; Arabic is right to left",
    async () => {
      // Only the first page load depends on the browser's language: a page per language, nothing more.
      for (const lang of LANGS) {
        const { context, page, problems } = await openPage(chrome.browser, h.url, { locale: LOCALE[lang] });
        await page.goto(`${h.url}/`);
        await page.waitForSelector("html[data-ready]");
        expect(await page.getAttribute("html", "lang")).toBe(lang);
        expect(await page.getAttribute("html", "dir")).toBe(lang === "ar" ? "rtl" : "ltr");
        expect(await page.title()).toBe("AI Stack Deployer");
        expect(await text(page, "#deploy-heading")).toBe(msg(lang, "deploy.heading"));
        expect(await page.inputValue("#lang-select")).toBe(lang);
        expect(problems).toEqual([]);
        await context.close();
      }
    },
    T,
  );

  // One flow, in English; at each state the page is switched to nl and ar and read again.
  test(
    "name check, deploy to ready with credentials, delete with the token, failure and retry; each state in en, nl and ar",
    async () => {
      const { context, page, problems } = await openPage(chrome.browser, h.url, {
        locale: LOCALE.en,
        viewport: { width: 1280, height: 800 },
        permissions: ["clipboard-read", "clipboard-write"],
      });
      const response = await page.goto(`${h.url}/`);
      expect(response?.headers()["content-security-policy"]).toBe(CSP);
      await page.waitForSelector("html[data-ready]");

      // Arabic is right to left.
      await inEachLang(page, async (lang) => {
        expect(await page.getAttribute("html", "lang")).toBe(lang);
        expect(await page.getAttribute("html", "dir")).toBe(lang === "ar" ? "rtl" : "ltr");
        expect(await page.title()).toBe("AI Stack Deployer");
        expect(await text(page, "#deploy-heading")).toBe(msg(lang, "deploy.heading"));
        expect(await page.inputValue("#lang-select")).toBe(lang);
      });

      // An unusable name: the reason in each language, Deploy disabled.
      await typeName(page, "9lives", "bad");
      await inEachLang(page, async (lang) => {
        expect(await page.getAttribute("#name-status", "data-reason")).toBe("must_start_with_letter");
        expect(normalise(await text(page, "#name-status .name-reason"))).toBe(msg(lang, "reason.must_start_with_letter"));
        expect(await deployDisabled(page)).toBe(true);
        expect(await page.getAttribute("#name-input", "aria-invalid")).toBe("true");
      });
      await typeName(page, "admin", "bad");
      await inEachLang(page, async (lang) => {
        expect(normalise(await text(page, "#name-status .name-reason"))).toBe(msg(lang, "reason.reserved", { name: "admin" }));
      });

      // A good name: normalised, with the address it will get.
      const name = "alice";
      const url = `https://${name}.stacks.test`;
      await typeName(page, " Alice ", "ok");
      await inEachLang(page, async (lang) => {
        expect(normalise(await text(page, "#name-status .name-verdict"))).toBe(msg(lang, "name.available", { name }));
        expect(normalise(await text(page, "#name-status .name-address"))).toBe(msg(lang, "name.address", { url }));
        expect(await deployDisabled(page)).toBe(false);
      });

      // Deploy: every step, then ready with the once-only credentials.
      await page.click("#deploy-button");
      await waitDone(page, "ready");
      const id = deploymentIdOf(page);
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      const snapshot = (await (await fetch(`${h.url}/api/deployments/${id}`)).json()) as any;
      expect(snapshot).toMatchObject({ name, status: "succeeded", kind: "deploy" });
      const password = await text(page, '[data-detail="password"] .detail-value');
      const token = await text(page, '[data-detail="token"] .detail-value');
      await inEachLang(page, async (lang) => {
        for (const step of DEPLOY_STEPS) {
          const item = page.locator(`#progress-steps li[data-step="${step}"]`);
          expect(await item.getAttribute("data-state")).toBe("succeeded");
          expect(await item.locator(".step-label").innerText()).toBe(msg(lang, `step.${step}`));
          expect(await item.locator(".step-state").innerText()).toBe(msg(lang, "state.succeeded"));
        }
        expect(await text(page, "#result-title")).toBe(msg(lang, "result.ready_title"));
        expect(await page.getAttribute('[data-detail="url"] a', "href")).toBe(url);
        expect(await text(page, '[data-detail="username"] .detail-value')).toBe("opencode");
        expect(await text(page, '[data-detail="password"] .detail-value')).toBe(password);
        expect(await text(page, '[data-detail="token"] .detail-value')).toBe(token);
        expect(password.length).toBeGreaterThanOrEqual(16);
        expect(token.length).toBeGreaterThanOrEqual(16);
        expect(await text(page, ".once-note")).toBe(msg(lang, "result.once"));
        expect(await page.locator("#result button.copy").count()).toBe(4);
        // Focus moved to the result when the deploy was done (and stays there when the page redraws in another language).
        expect(await page.evaluate(() => document.activeElement?.id)).toBe("result-title");

        await page.screenshot({ path: join(SCREENSHOTS, `ready-${lang}.png`), fullPage: true });
      });
      await inEachLang(page, async (lang) => {
        // Copy buttons put the value on the clipboard and say so.
        await page.click('[data-detail="password"] button.copy');
        await page.waitForFunction(() => document.querySelector(".copy-status")?.textContent !== "");
        expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(password);
        expect(await text(page, ".copy-status")).toBe(msg(lang, "result.copied", { what: msg(lang, "result.password") }));

        // Mirrored layout: the language switch sits at the inline end of the header, and a
        // step's icon at the inline start of its row.
        const header = (await page.locator(".site-header").boundingBox())!;
        const langSwitch = (await page.locator("#lang-switch").boundingBox())!;
        const row = page.locator('#progress-steps li[data-step="configure"]');
        const icon = (await row.locator(".step-icon").boundingBox())!;
        const label = (await row.locator(".step-label").boundingBox())!;
        if (lang === "ar") {
          expect(langSwitch.x + langSwitch.width).toBeLessThan(header.x + header.width / 2);
          expect(icon.x).toBeGreaterThan(label.x);
        } else {
          expect(langSwitch.x).toBeGreaterThan(header.x + header.width / 2);
          expect(icon.x).toBeLessThan(label.x);
        }
        // Latin values inside the text are isolated and left to right.
        const isolation = await page.evaluate(() => {
          const bdi = document.querySelector("#progress-heading bdi")!;
          const style = getComputedStyle(bdi);
          return { dir: bdi.getAttribute("dir"), direction: style.direction, unicodeBidi: style.unicodeBidi };
        });
        expect(isolation).toEqual({ dir: "ltr", direction: "ltr", unicodeBidi: "isolate" });
      });

      // "I have saved them": gone from the page and from the tab's storage.
      await page.click('[data-action="confirm-saved"]');
      await confirmYes(page);
      expect(await page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith("asd.secrets.")))).toEqual([]);
      await inEachLang(page, async (lang) => {
        expect(await text(page, ".secrets-gone")).toBe(msg(lang, "result.forgotten"));
        expect(await page.locator('[data-detail="password"]').count()).toBe(0);
      });

      // Delete: a wrong token is refused in each language.
      await page.click('[data-action="start-over"]');
      await page.waitForSelector("#view-start:not([hidden])");
      await page.click("#delete-section summary");
      await page.fill("#delete-name", name);
      await page.fill("#delete-token", "mt_not-the-right-token-000000000000");
      await page.click("#delete-button");
      await page.waitForSelector("#delete-error:not([hidden])");
      await inEachLang(page, async (lang) => {
        expect(await text(page, "#delete-error")).toBe(msg(lang, "error.forbidden"));
        expect(await page.isVisible("#delete-dialog[open]")).toBe(false);
      });

      // ... and the right one deletes it, with its own progress.
      await page.fill("#delete-token", token);
      await page.click("#delete-button");
      await page.waitForSelector("#delete-dialog[open]");
      await inEachLang(page, async (lang) => {
        expect(normalise(await text(page, "#delete-dialog-title"))).toBe(msg(lang, "delete.confirm_title", { name }));
        expect(normalise(await text(page, "#delete-dialog-removes"))).toBe(msg(lang, "delete.confirm_removes", { url }));
        expect(normalise(await text(page, "#delete-dialog-keeps"))).toBe(msg(lang, "delete.confirm_keeps_days", { name, days: "30" }));
      });
      await page.click("#delete-confirm");
      await waitDone(page, "deleted");
      await inEachLang(page, async (lang) => {
        expect(await page.getAttribute("#view-progress", "data-kind")).toBe("delete");
        expect(normalise(await text(page, "#progress-heading"))).toBe(msg(lang, "progress.heading_done", { name }));
        for (const step of DELETE_STEPS) {
          const item = page.locator(`#progress-steps li[data-step="${step}"]`);
          expect(await item.getAttribute("data-state")).toBe(step === "cancel_deploy" ? "skipped" : "succeeded");
          expect(await item.locator(".step-label").innerText()).toBe(msg(lang, `step.${step}`));
        }
        expect(await text(page, "#result-title")).toBe(msg(lang, "result.deleted_title"));
      });
      const check = (await (await fetch(`${h.url}/api/check/${name}`)).json()) as any;
      expect(check.reason).toBe("recently_deleted");

      // The name is held for its owner, who takes it back with the management token.
      await page.click('[data-action="start-over"]');
      await typeName(page, name, "held");
      await inEachLang(page, async (lang) => {
        expect(await page.getAttribute("#name-status", "data-reason")).toBe("recently_deleted");
        expect(normalise(await text(page, "#name-status .name-reason"))).toBe(msg(lang, "reason.recently_deleted", { name }));
        expect(await page.isVisible("#reclaim-token")).toBe(true);
        expect(await deployDisabled(page)).toBe(true);
      });
      await page.fill("#reclaim-token", token);
      await inEachLang(page, async () => {
        expect(await deployDisabled(page)).toBe(false);
      });
      await page.click("#deploy-button");
      await waitDone(page, "ready");
      expect(deploymentIdOf(page)).not.toBe(id);
      await inEachLang(page, async (lang) => {
        expect(normalise(await text(page, "#progress-heading"))).toBe(msg(lang, "progress.heading_done", { name }));
      });

      // A failed deploy: the explanation for its code, and Try again.
      const failing = "fail-retry";
      await sandboxControl(h.sandboxUrl, "faults", { kind: "deploy_error", match: failing, times: 1 });
      await page.click('[data-action="start-over"]');
      await confirmYes(page);
      await page.waitForSelector("#reclaim", { state: "hidden" });
      await typeName(page, failing, "ok");
      await page.click("#deploy-button");
      await waitDone(page, "failed");
      const failedId = deploymentIdOf(page);
      // Forgotten once the failure's report (and log) are in.
      await page.waitForFunction((k) => sessionStorage.getItem(k) === null, `asd.secrets.${failedId}`);
      await inEachLang(page, async (lang) => {
        expect(await page.getAttribute(".result--failed", "data-error")).toBe("deploy_failed");
        expect(await text(page, "#result-title")).toBe(msg(lang, "result.failed_title"));
        expect(normalise(await text(page, ".result-explanation"))).toBe(msg(lang, "error.deploy_failed"));
        expect(await page.getAttribute('#progress-steps li[data-step="wait_running"]', "data-state")).toBe("failed");
        expect(await page.getAttribute('#progress-steps li[data-step="rollback"]', "data-state")).toBe("succeeded");
        expect(await text(page, '[data-action="retry"]')).toBe(msg(lang, "result.retry"));
      });
      await page.click('[data-action="retry"]');
      await page.waitForFunction((old) => location.hash && !location.hash.includes(old), failedId);
      await waitDone(page, "ready");
      await inEachLang(page, async (lang) => {
        expect(normalise(await text(page, "#progress-heading"))).toBe(msg(lang, "progress.heading_done", { name: failing }));
      });

      expect(problems).toEqual([]);
      await context.close();
    },
    T,
  );
});

describe("the progress view", () => {
  test(
    "shows the queue, survives a reload mid-deploy (same deployment, credentials kept) and a dropped stream",
    async () => {
      const proxy = await startCuttableProxy(h.url);
      const { context, page, problems } = await openPage(chrome.browser, proxy.url, { locale: "en-US" });
      // Reloading with unconfirmed details on the page: the browser asks first; say leave.
      page.on("dialog", (d) => void d.accept());
      const eventRequests: Promise<string | undefined>[] = [];
      page.on("request", (req) => {
        if (req.url().includes("/events")) eventRequests.push(req.allHeaders().then((headers) => headers["last-event-id"]));
      });
      try {
        await page.goto(`${proxy.url}/`);
        await typeName(page, "reload-me", "ok");
        // One build at a time, slowly: a stack deployed just before keeps ours waiting in the
        // queue (long enough for ours to get there on a machine at load 13).
        await sandboxControl(h.sandboxUrl, "settings", { deployDurationMs: 8000, buildConcurrency: 1 });
        const blocker = await fetch(`${h.url}/api/deploy`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ name: "blocker" }),
        });
        expect(blocker.status).toBe(202);
        await page.click("#deploy-button");
        await page.waitForSelector('#progress-steps li[data-step="wait_running"][data-state="queued"]');
        expect(await page.isVisible("#queue")).toBe(true);
        expect(await text(page, "#queue .notice-title")).toBe(msg("en", "progress.queued_title"));
        expect(await text(page, "#progress-summary")).toBe(msg("en", "progress.queued_title"));
        expect(await page.getAttribute("#progress-summary", "aria-live")).toBe("polite");
        // Ours builds for longer (read when its build starts): the stream is still open when cut, however busy the machine.
        await sandboxControl(h.sandboxUrl, "settings", { deployDurationMs: 6000 });
        const address = page.url();
        const id = deploymentIdOf(page);
        const stored = await page.evaluate((k) => JSON.parse(sessionStorage.getItem(k) ?? "null"), `asd.secrets.${id}`);
        expect(stored?.password).toBeTruthy();

        // Reload while queued: the same deployment, still queued.
        await page.reload();
        expect(page.url()).toBe(address);
        await page.waitForSelector(
          '#progress-steps li[data-step="wait_running"][data-state="queued"], #progress-steps li[data-step="wait_running"][data-state="started"]',
        );
        expect(normalise(await text(page, "#progress-heading"))).toBe(msg("en", "progress.heading_deploy", { name: "reload-me" }));
        expect(await text(page, "#progress-elapsed")).toStartWith("Time elapsed: ");

        // Out of the queue and building: cut the connection under the open event stream.
        await page.waitForSelector('#progress-steps li[data-step="wait_running"][data-state="started"]', { timeout: 20_000 });
        proxy.cut();
        await page.waitForSelector("#progress-connection:not([hidden])");
        expect(await text(page, "#progress-connection")).toBe(msg("en", "progress.reconnecting"));
        await waitDone(page, "ready");
        expect(deploymentIdOf(page)).toBe(id);
        expect(await page.isHidden("#progress-connection")).toBe(true);
        // The reconnect asked for what it missed, by id.
        const lastIds = await Promise.all(eventRequests);
        expect(lastIds.some((last) => last !== undefined && Number(last) > 0)).toBe(true);
        for (const step of DEPLOY_STEPS) {
          expect(await page.getAttribute(`#progress-steps li[data-step="${step}"]`, "data-state")).toBe("succeeded");
        }
        // The credentials of the reloaded deploy are still there, until confirmed.
        expect(await text(page, '[data-detail="password"] .detail-value')).toBe(stored.password);
        await page.reload();
        await waitDone(page, "ready");
        expect(await text(page, '[data-detail="password"] .detail-value')).toBe(stored.password);
        await page.click('[data-action="confirm-saved"]');
        await confirmYes(page);
        await page.reload();
        await waitDone(page, "ready");
        expect(await text(page, ".secrets-gone")).toBe(msg("en", "result.unavailable"));
        expect(problems).toEqual([]);
      } finally {
        await sandboxControl(h.sandboxUrl, "settings", { deployDurationMs: 60 });
        await context.close();
        await proxy.close();
      }
    },
    T,
  );
});

describe("errors and modes", () => {
  test(
    "a refused deploy and an unknown deployment are explained in the person's language",
    async () => {
      const { context, page, problems } = await openPage(chrome.browser, h.url, { locale: "nl-NL" });
      await page.route("**/api/deploy", (route) =>
        route.fulfill({
          status: 503,
          contentType: "application/json",
          body: JSON.stringify({ error: { code: "capacity_reached", message: "full" } }),
        }),
      );
      await page.goto(`${h.url}/`);
      await typeName(page, "full-house", "ok");
      await page.click("#deploy-button");
      await page.waitForSelector("#deploy-error:not([hidden])");
      expect(await text(page, "#deploy-error")).toBe(msg("nl", "error.capacity_reached"));
      expect(await page.isVisible("#view-start")).toBe(true);
      expect(await deployDisabled(page)).toBe(false);

      await page.goto(`${h.url}/#deployment=00000000-0000-4000-8000-000000000000`);
      await page.waitForSelector("#deploy-error:not([hidden])");
      expect(await text(page, "#deploy-error")).toBe(msg("nl", "progress.not_found"));
      expect(new URL(page.url()).hash).toBe("");
      expect(problems).toEqual([]);
      await context.close();
    },
    T,
  );

  test(
    "a sandbox portal shows its badge",
    async () => {
      const { Hono } = await import("hono");
      const { pageRoutes } = await import("../../src/http/routes/page.ts");
      const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: new Hono().route("/", pageRoutes({ mode: "sandbox" })).fetch });
      const origin = `http://127.0.0.1:${server.port}`;
      const { context, page, problems } = await openPage(chrome.browser, origin, { locale: "ar" });
      try {
        await page.goto(`${origin}/`);
        await page.waitForSelector("html[data-ready]");
        expect(await page.isVisible("#sandbox-badge")).toBe(true);
        expect(await text(page, "#sandbox-badge")).toBe(msg("ar", "app.sandbox"));
        expect(problems).toEqual([]);
      } finally {
        await context.close();
        await server.stop(true);
      }
      // The test portal runs in dokploy mode: no badge there.
      const plain = await openPage(chrome.browser, h.url);
      await plain.page.goto(`${h.url}/`);
      await plain.page.waitForSelector("html[data-ready]");
      expect(await plain.page.isHidden("#sandbox-badge")).toBe(true);
      await plain.context.close();
    },
    T,
  );
});

describe("language, keyboard and small screens", () => {
  test(
    "the language can be switched and is remembered",
    async () => {
      const { context, page, problems } = await openPage(chrome.browser, h.url, { locale: "nl-BE" });
      await page.goto(`${h.url}/`);
      await page.waitForSelector("html[data-ready]");
      expect(await page.getAttribute("html", "lang")).toBe("nl");
      expect(await text(page, "#deploy-button")).toBe(msg("nl", "deploy.button"));
      await page.selectOption("#lang-select", "ar");
      expect(await page.getAttribute("html", "dir")).toBe("rtl");
      expect(await text(page, "#deploy-heading")).toBe(msg("ar", "deploy.heading"));
      await page.reload();
      await page.waitForSelector("html[data-ready]");
      expect(await page.getAttribute("html", "lang")).toBe("ar");
      expect(await page.getAttribute("html", "dir")).toBe("rtl");
      // The name check already on screen follows the switch.
      await typeName(page, "ab", "bad");
      expect(normalise(await text(page, "#name-status .name-reason"))).toBe(msg("ar", "reason.too_short"));
      await page.selectOption("#lang-select", "en");
      expect(await page.getAttribute("html", "dir")).toBe("ltr");
      expect(normalise(await text(page, "#name-status .name-reason"))).toBe(msg("en", "reason.too_short"));
      expect(problems).toEqual([]);
      await context.close();
    },
    T,
  );

  test(
    "a part of the page that does not come (the admin view, a language) is said, and a later try brings it",
    async () => {
      const { context, page, problems } = await openPage(chrome.browser, h.url, { locale: LOCALE.en });
      // The network drops the lazy chunks: the admin view's and the Dutch catalog's.
      const dropped = (url: URL) => /^\/assets\/chunks\/(admin|nl)-/.test(url.pathname);
      await page.route(dropped, (r) => r.abort("internetdisconnected"));
      await page.goto(`${h.url}/`);
      await page.waitForSelector("html[data-ready]");
      expect(await page.isHidden("#load-failure")).toBe(true);

      await page.click("#admin-link");
      await page.waitForSelector("#load-failure:not([hidden])");
      expect(await text(page, "#load-failure")).toBe(msg("en", "app.load_failed"));
      expect(await page.isVisible("#view-start")).toBe(true);
      await page.selectOption("#lang-select", "nl");
      await page.waitForFunction(() => (document.querySelector("#lang-select") as HTMLSelectElement).value === "en");
      expect(await page.getAttribute("html", "lang")).toBe("en");
      expect(await page.isVisible("#load-failure")).toBe(true);

      // The network is back: each part comes at its next try; the notice goes once both have.
      await page.unroute(dropped);
      await page.selectOption("#lang-select", "ar");
      await page.waitForSelector('html[lang="ar"]');
      expect(await text(page, "#load-failure")).toBe(msg("ar", "app.load_failed"));
      await page.selectOption("#lang-select", "nl");
      await page.waitForSelector('html[lang="nl"]');
      expect(await text(page, "#load-failure")).toBe(msg("nl", "app.load_failed"));
      await page.click("#admin-link");
      await page.waitForSelector("#view-admin:not([hidden])");
      expect(await page.isHidden("#load-failure")).toBe(true);
      expect(problems).toEqual([]);
      await context.close();
    },
    T,
  );

  test(
    "works by keyboard alone, with focus moving to what matters",
    async () => {
      const { context, page, problems } = await openPage(chrome.browser, h.url, { locale: "en-US" });
      await page.goto(`${h.url}/`);
      await page.waitForSelector("html[data-ready]");
      const focused = () => page.evaluate(() => document.activeElement?.id || document.activeElement?.className || "");
      await page.keyboard.press("Tab");
      expect(await focused()).toBe("skip-link");
      await page.keyboard.press("Tab");
      expect(await focused()).toBe("lang-select");
      await page.keyboard.press("Tab");
      expect(await focused()).toBe("name-input");
      await page.keyboard.type("keyboard-only");
      await page.waitForSelector('#name-status[data-state="ok"]');
      await page.keyboard.press("Tab");
      expect(await focused()).toBe("deploy-button");
      await page.keyboard.press("Enter");
      await waitDone(page, "ready");
      expect(await focused()).toBe("result-title");
      await page.keyboard.press("Tab");
      expect(await page.evaluate(() => document.activeElement?.getAttribute("href"))).toBe("https://keyboard-only.stacks.test");
      await page.keyboard.press("Tab");
      expect(await page.evaluate(() => document.activeElement?.getAttribute("data-action"))).toBe("copy-url");
      await page.click('[data-action="start-over"]');
      await confirmYes(page);
      expect(await focused()).toBe("deploy-heading");
      // Enter in the name field deploys too, even before the check has answered.
      await page.focus("#name-input");
      await page.keyboard.type("enter-key");
      await page.keyboard.press("Enter");
      await waitDone(page, "ready");
      expect(normalise(await text(page, "#progress-heading"))).toBe(msg("en", "progress.heading_done", { name: "enter-key" }));
      // The focus ring is visible.
      await page.keyboard.press("Tab");
      const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
      expect(outline).toBe("solid");
      expect(problems).toEqual([]);
      await context.close();
    },
    T,
  );

  test(
    "no horizontal overflow at 360 px, in Arabic",
    async () => {
      const { context, page, problems } = await openPage(chrome.browser, h.url, {
        locale: "ar",
        viewport: { width: 360, height: 780 },
      });
      await page.goto(`${h.url}/`);
      await page.waitForSelector("html[data-ready]");
      expect(await overflow(page)).toBe(0);
      await typeName(page, "this-name-is-far-too-long-for-a-stack-name", "bad");
      expect(await overflow(page)).toBe(0);
      await typeName(page, "narrow-screen-with-a-long-name", "ok");
      expect(await overflow(page)).toBe(0);
      await page.click("#deploy-button");
      await waitDone(page, "ready");
      expect(await overflow(page)).toBe(0);
      await page.screenshot({ path: join(SCREENSHOTS, "ready-ar-360.png"), fullPage: true });
      expect(problems).toEqual([]);
      await context.close();
    },
    T,
  );
});
