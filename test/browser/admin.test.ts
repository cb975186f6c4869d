import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Page } from "playwright-core";
import { ADMIN_TOKEN, type Harness, deployAndWait, startHarness } from "../support/harness.ts";
import { type Launched, launch, msg, openPage, overflow, normalise, text } from "./support.ts";

/**
 * The admin view (#admin) in a real browser against a real portal and sandbox Dokploy:
 * reached by keyboard, signed in with the admin token (kept in sessionStorage only), the
 * stacks listed with status and age, one deleted from the list, and the same in Arabic.
 */

// A limit catches a hang, not slowness: a flow that takes 10 s alone may take four times that on a busy machine.
const T = 90_000;
const ONE = "adm-one";
const TWO = "adm-two";

let h: Harness;
let chrome: Launched;

beforeAll(async () => {
  [h, chrome] = await Promise.all([startHarness(), launch()]);
  const deployed = await Promise.all([deployAndWait(h, ONE), deployAndWait(h, TWO)]);
  for (const d of deployed) expect(d.done.data.status).toBe("ready");
}, T);

afterAll(async () => {
  await chrome?.close();
  await h?.stop();
}, T);

const focused = (page: Page) => page.evaluate(() => document.activeElement?.id ?? "");
const row = (name: string) => `#admin-stacks tr[data-name="${name}"]`;

async function liveStacks(all = false): Promise<{ name: string; status: string; createdAt: string }[]> {
  const res = await fetch(`${h.url}/api/stacks${all ? "?all=true" : ""}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  expect(res.status).toBe(200);
  return ((await res.json()) as any).stacks;
}

/** The token never reaches localStorage; sessionStorage holds it only while signed in. */
async function storedTokens(page: Page) {
  return page.evaluate(
    (token) => ({
      local: Object.values(localStorage).some((v) => v.includes(token)),
      session: Object.values(sessionStorage).some((v) => v.includes(token)),
    }),
    ADMIN_TOKEN,
  );
}

describe("the admin view", () => {
  test(
    "by keyboard: a wrong token is refused, the right one lists the stacks, one is deleted from the list",
    async () => {
      const { context, page, problems } = await openPage(chrome.browser, h.url, { locale: "en-GB" });
      await page.goto(`${h.url}/`);
      await page.waitForSelector("html[data-ready]");
      expect(await page.isHidden("#view-admin")).toBe(true);

      // The quiet "Admin" link at the end of the page, reached with Tab.
      for (let i = 0; i < 15 && (await focused(page)) !== "admin-link"; i++) await page.keyboard.press("Tab");
      expect(await focused(page)).toBe("admin-link");
      expect(await text(page, "#admin-link")).toBe(msg("en", "admin.link"));
      await page.keyboard.press("Enter");
      await page.waitForSelector("#view-admin:not([hidden])");
      expect(new URL(page.url()).hash).toBe("#admin");
      expect(await page.isHidden("#view-start")).toBe(true);
      expect(await focused(page)).toBe("admin-heading");
      expect(await text(page, "#admin-heading")).toBe(msg("en", "admin.heading"));
      expect(await page.getAttribute("#admin-link", "aria-current")).toBe("page");

      // Nothing typed: the token is needed. A wrong one: refused, in words, nothing kept.
      await page.keyboard.press("Tab");
      expect(await focused(page)).toBe("admin-token");
      expect(await page.getAttribute("#admin-token", "type")).toBe("password");
      await page.keyboard.press("Enter");
      await page.waitForSelector("#admin-login-error:not([hidden])");
      expect(await text(page, "#admin-login-error")).toBe(msg("en", "admin.unauthorized"));
      await page.keyboard.type("not-the-admin-token-000000000000");
      await page.keyboard.press("Enter");
      await page.waitForFunction((m) => document.getElementById("admin-login-error")?.textContent === m, msg("en", "admin.forbidden"));
      expect(await page.getAttribute("#admin-login-error", "role")).toBe("alert");
      expect(await focused(page)).toBe("admin-token");
      expect(await page.isHidden("#admin-panel")).toBe(true);
      expect(await page.evaluate(() => sessionStorage.getItem("asd.admin"))).toBeNull();

      // The right token: the stacks deployed through the API, with status, age and address.
      await page.fill("#admin-token", ADMIN_TOKEN);
      await page.keyboard.press("Enter");
      await page.waitForSelector(row(TWO));
      expect(await page.isHidden("#admin-login")).toBe(true);
      expect(await focused(page)).toBe("admin-stacks-heading");
      expect(await storedTokens(page)).toEqual({ local: false, session: true });
      const api = await liveStacks();
      expect(api.map((s) => s.name).sort()).toEqual([ONE, TWO]);
      for (const name of [ONE, TWO]) {
        const item = page.locator(row(name));
        expect(await item.getAttribute("data-status")).toBe("running");
        expect(await item.locator('[data-action="open-owner-view"]').innerText()).toBe(name);
        expect(await item.locator('[data-action="open-owner-view"]').getAttribute("href")).toBe(`#stack=${name}`);
        expect(await item.locator(".stack-status").innerText()).toBe(msg("en", "admin.status_ready"));
        expect(await item.locator("time").getAttribute("datetime")).toBe(api.find((s) => s.name === name)!.createdAt);
        expect(await item.locator("time").innerText()).toMatch(/^(now|\d+ seconds? ago)$/);
        expect(await item.locator(".stack-url a").getAttribute("href")).toBe(`https://${name}.stacks.test`);
        // The server it is pinned to (the sandbox's one manager node), up.
        expect(await item.locator('td[data-col="node"]').innerText()).toBe("dokploy-manager");
        expect(await item.locator('td[data-col="node"]').getAttribute("data-unavailable")).toBe("");
        expect(await item.locator('[data-action="admin-delete"]').getAttribute("aria-label")).toBe(msg("en", "admin.delete_label", { name }));
      }
      expect(await text(page, "#admin-summary")).toBe(msg("en", "admin.summary_live", { shown: "2", count: "2" }));

      // Delete one from the list: the confirmation says what goes and what stays.
      await page.focus(`${row(TWO)} [data-action="admin-delete"]`);
      await page.keyboard.press("Enter");
      await page.waitForSelector("#admin-dialog[open]");
      expect(await focused(page)).toBe("admin-dialog-cancel");
      expect(normalise(await text(page, "#admin-dialog-title"))).toBe(msg("en", "delete.confirm_title", { name: TWO }));
      expect(normalise(await text(page, "#admin-dialog-removes"))).toBe(msg("en", "delete.confirm_removes", { url: `https://${TWO}.stacks.test` }));
      expect(normalise(await text(page, "#admin-dialog-keeps"))).toBe(msg("en", "admin.confirm_keeps_days", { name: TWO, days: "30" }));
      // Escape cancels, back on the row's button; then confirm for real.
      await page.keyboard.press("Escape");
      await page.waitForSelector("#admin-dialog:not([open])", { state: "attached" });
      expect(await page.evaluate(() => document.activeElement?.closest("tr")?.dataset.name)).toBe(TWO);
      await page.keyboard.press("Enter");
      await page.waitForSelector("#admin-dialog[open]");
      // Cancelled and asked again within one task (a quick Escape, Enter): the first closing's
      // `close` event arrives after the dialog is open again and must not empty its question.
      await page.evaluate(
        (sel) =>
          new Promise<void>((resolve) => {
            const dialog = document.getElementById("admin-dialog") as HTMLDialogElement;
            dialog.addEventListener("close", () => setTimeout(resolve), { once: true });
            document.getElementById("admin-dialog-cancel")!.click();
            document.querySelector<HTMLElement>(sel)!.click();
          }),
        `${row(TWO)} [data-action="admin-delete"]`,
      );
      expect(await page.isVisible("#admin-dialog[open]")).toBe(true);
      expect(await focused(page)).toBe("admin-dialog-cancel");
      await page.keyboard.press("Tab");
      expect(await focused(page)).toBe("admin-dialog-confirm");
      await page.keyboard.press("Enter");
      await page.waitForSelector(row(TWO), { state: "detached", timeout: 10_000 });
      await page.waitForFunction((m) => document.getElementById("admin-status")?.textContent === m, msg("en", "admin.deleted", { name: TWO }));
      expect(await page.getAttribute(row(ONE), "data-status")).toBe("running");
      expect((await liveStacks()).map((s) => s.name)).toEqual([ONE]);
      expect(await text(page, "#admin-summary")).toBe(msg("en", "admin.summary_live", { shown: "1", count: "1" }));

      // "Show deleted and failed": the deleted one is back in the list, without a Delete button.
      await page.check("#admin-all");
      await page.waitForSelector(`${row(TWO)}[data-status="deleted"]`);
      expect(await page.locator(`${row(TWO)} .stack-status`).innerText()).toBe(msg("en", "admin.status_deleted"));
      expect(await page.locator(`${row(TWO)} [data-action="admin-delete"]`).count()).toBe(0);
      expect((await liveStacks(true)).find((s) => s.name === TWO)?.status).toBe("deleted");

      // The reconcile report: counts only, from a dry run.
      await page.click("#reconcile-run");
      await page.waitForSelector("#reconcile-counts:not([hidden])");
      expect(await page.locator("#reconcile-counts [data-count]").count()).toBe(3);
      expect(await text(page, '#reconcile-counts [data-count="lost"] dd')).toBe("0");
      expect(await text(page, "#reconcile-at")).toStartWith("Last check: ");

      // Sign out (the token is forgotten), and back returns to the deploy view.
      await page.click("#admin-sign-out");
      await page.waitForSelector("#admin-login:not([hidden])");
      expect(await focused(page)).toBe("admin-token");
      expect(await text(page, "#admin-status")).toBe(msg("en", "admin.signed_out"));
      expect(await page.locator("#admin-stacks tr").count()).toBe(0);
      expect(await storedTokens(page)).toEqual({ local: false, session: false });
      await page.goBack();
      await page.waitForSelector("#view-start:not([hidden])");
      expect(await page.isHidden("#view-admin")).toBe(true);
      expect(problems).toEqual([]);
      await context.close();
    },
    T,
  );

  test(
    "in Arabic: a bookmark opens it, right to left, translated, nothing overflowing at 360 px",
    async () => {
      const { context, page, problems } = await openPage(chrome.browser, h.url, {
        locale: "ar-EG",
        viewport: { width: 360, height: 780 },
      });
      // A token this tab kept that is no longer the admin token (changed on the server, say).
      await page.addInitScript(() => {
        if (!sessionStorage.getItem("asd.visited")) sessionStorage.setItem("asd.admin", JSON.stringify("an-old-admin-token"));
        sessionStorage.setItem("asd.visited", "1");
      });
      await page.goto(`${h.url}/#admin`);
      await page.waitForSelector("html[data-ready]");
      expect(await page.getAttribute("html", "dir")).toBe("rtl");
      expect(await page.isVisible("#view-admin")).toBe(true);
      expect(await page.isHidden("#view-start")).toBe(true);
      expect(await text(page, "#admin-heading")).toBe(msg("ar", "admin.heading"));
      // It is refused, forgotten, and the form asks for the right one.
      await page.waitForSelector("#admin-login-error:not([hidden])");
      expect(await text(page, "#admin-login-error")).toBe(msg("ar", "admin.forbidden"));
      expect(await page.evaluate(() => sessionStorage.getItem("asd.admin"))).toBeNull();
      expect(await text(page, 'label[for="admin-token"]')).toBe(msg("ar", "admin.token_label"));

      await page.fill("#admin-token", "wrong-token");
      await page.click("#admin-sign-in");
      await page.waitForFunction(() => document.getElementById("admin-sign-in")?.getAttribute("aria-busy") === "false");
      expect(await text(page, "#admin-login-error")).toBe(msg("ar", "admin.forbidden"));

      await page.fill("#admin-token", ADMIN_TOKEN);
      await page.click("#admin-sign-in");
      await page.waitForSelector(row(ONE));
      const item = page.locator(row(ONE));
      expect(await item.locator(".stack-status").innerText()).toBe(msg("ar", "admin.status_ready"));
      expect(await text(page, '#admin-table th[data-col="created"]')).toBe(msg("ar", "admin.col_created"));
      // The age in Arabic words, from Intl.
      expect(await item.locator("time").innerText()).toMatch(/[\u0600-\u06FF]/);
      // The Latin name is isolated and left to right inside the right-to-left page.
      const isolation = await page.evaluate((selector) => {
        const bdi = document.querySelector(`${selector} [data-action="open-owner-view"]`)!;
        const style = getComputedStyle(bdi);
        return { dir: bdi.getAttribute("dir"), direction: style.direction, unicodeBidi: style.unicodeBidi };
      }, row(ONE));
      expect(isolation).toEqual({ dir: "ltr", direction: "ltr", unicodeBidi: "isolate" });
      // Mirrored: the name at the right (start), its status and the Delete button towards the left.
      const box = (selector: string) =>
        item
          .locator(selector)
          .boundingBox()
          .then((b) => b!);
      const [name, status, remove, whole] = await Promise.all([
        box('[data-action="open-owner-view"]'),
        box(".stack-status"),
        box('[data-action="admin-delete"]'),
        item.boundingBox(),
      ]);
      expect(name.x).toBeGreaterThan(status.x);
      expect(remove.x + remove.width).toBeLessThan(whole!.x + whole!.width / 2);
      expect(await overflow(page)).toBe(0);

      // The confirmation too.
      await item.locator('[data-action="admin-delete"]').click();
      await page.waitForSelector("#admin-dialog[open]");
      expect(normalise(await text(page, "#admin-dialog-keeps"))).toBe(msg("ar", "admin.confirm_keeps_days", { name: ONE, days: "30" }));
      expect(await overflow(page)).toBe(0);
      await page.click("#admin-dialog-cancel");
      expect(await storedTokens(page)).toEqual({ local: false, session: true });
      expect(problems).toEqual([]);
      await context.close();
    },
    T,
  );
});
