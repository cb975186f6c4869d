import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ADMIN_TOKEN, type Harness, deployMany, readEvents, startHarness } from "../support/harness.ts";
import { LOCALE, type Lang, type Launched, confirmDialog, launch, msg, openAdmin, overflow, plainText as text } from "./support.ts";

/**
 * The admin view with 200 stacks: a compact table that finds one stack by its name, filters by
 * status and server, sorts, follows changes live without a Refresh, and stops a stack from its
 * row; in English on a desktop and in Arabic on a phone.
 */

const T = 120_000;
const COUNT = 200;
const names = Array.from({ length: COUNT }, (_, i) => `fleet-${String(i + 1).padStart(3, "0")}`);
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

let h: Harness;
let chrome: Launched;

beforeAll(async () => {
  // The sandbox's one server takes 128 stacks at 512 MiB reserved each: these reserve less.
  [h, chrome] = await Promise.all([
    startHarness({ env: { MAX_STACKS: "300", MAX_CONCURRENT_DEPLOYS: "20", STACK_MEMORY_RESERVATION: "128m" } }),
    launch(),
  ]);
  await deployMany(h, names);
  // Two stopped ones, for the status filter.
  for (const name of ["fleet-050", "fleet-150"]) {
    const res = await fetch(`${h.url}/api/stacks/${name}/stop`, { method: "POST", headers: admin });
    await readEvents(`${h.url}${((await res.json()) as any).eventsUrl}`);
  }
}, T);

afterAll(async () => {
  await chrome?.close();
  await h?.stop();
}, T);

const rows = "#admin-stacks tr[data-name]";

/** The admin view signed in, at `viewport`, once every stack is in the table. */
async function openTable(lang: Lang, viewport: { width: number; height: number }) {
  const guarded = await openAdmin(chrome.browser, h.url, LOCALE[lang], ADMIN_TOKEN);
  await guarded.page.setViewportSize(viewport);
  await guarded.page.waitForFunction((n) => document.querySelectorAll("#admin-stacks tr[data-name]").length === n, COUNT);
  return guarded;
}

describe("the admin table with 200 stacks", () => {
  test(
    "en, desktop: finds one by name, filters by status and server, sorts, and follows a stop live",
    async () => {
      const { context, page, problems } = await openTable("en", { width: 1280, height: 800 });
      try {
        expect(await text(page, "#admin-summary")).toBe(msg("en", "admin.summary_live", { shown: "200", count: "200" }));

        // One among 200, by a part of its name.
        await page.fill("#admin-search", "ET-137");
        expect(await page.locator(rows).count()).toBe(1);
        expect(await page.getAttribute(rows, "data-name")).toBe("fleet-137");
        expect(await text(page, "#admin-summary")).toBe(msg("en", "admin.summary_live", { shown: "1", count: "200" }));
        await page.fill("#admin-search", "nobody-here");
        expect(await page.isVisible("#admin-no-match")).toBe(true);
        await page.fill("#admin-search", "");

        // By status and by server.
        await page.selectOption("#admin-filter-status", "stopped");
        expect(await page.locator(rows).evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-name")))).toEqual(["fleet-150", "fleet-050"]);
        await page.selectOption("#admin-filter-status", "");
        await page.selectOption("#admin-filter-node", "dokploy-manager");
        expect(await page.locator(rows).count()).toBe(COUNT);
        await page.selectOption("#admin-filter-node", "");

        // Sorted by name, then the other way.
        await page.click('th[data-col="name"] button');
        expect(await page.getAttribute('th[data-col="name"]', "aria-sort")).toBe("ascending");
        expect(await page.getAttribute(`${rows} >> nth=0`, "data-name")).toBe("fleet-001");
        await page.click('th[data-col="name"] button');
        expect(await page.getAttribute(`${rows} >> nth=0`, "data-name")).toBe("fleet-200");

        // A stop from the row: asked first, then the row follows it with no Refresh.
        await page.fill("#admin-search", "fleet-007");
        await page.click('tr[data-name="fleet-007"] [data-action="admin-stop"]');
        await page.waitForSelector("#confirm-dialog[open]");
        expect(await text(page, "#confirm-title")).toBe(msg("en", "admin.confirm_stop_title", { name: "fleet-007" }));
        await confirmDialog(page, "yes");
        await page.waitForSelector('tr[data-name="fleet-007"][data-status="stopped"]', { timeout: 15_000 });
        expect(await page.isVisible('tr[data-name="fleet-007"] [data-action="admin-start"]')).toBe(true);

        // A change made elsewhere (the owner's start through the API) shows up too.
        const res = await fetch(`${h.url}/api/stacks/fleet-007/start`, { method: "POST", headers: admin });
        expect(res.status).toBe(202);
        await page.waitForSelector('tr[data-name="fleet-007"][data-status="running"]', { timeout: 15_000 });

        // Its owner's view, from the name (the admin token opens it).
        await page.click('tr[data-name="fleet-007"] [data-action="open-owner-view"]');
        await page.waitForSelector('#view-stack[data-state="running"]');
        expect(await page.getAttribute("#view-stack", "data-stack")).toBe("fleet-007");
        expect(problems).toEqual([]);
      } finally {
        await context.close();
      }
    },
    T,
  );

  test(
    "ar, phone: the search works right to left, the table scrolls inside its box, the page does not",
    async () => {
      const { context, page, problems } = await openTable("ar", { width: 390, height: 844 });
      try {
        await page.fill("#admin-search", "fleet-042");
        expect(await page.locator(rows).count()).toBe(1);
        expect(await text(page, 'label[for="admin-search"]')).toBe(msg("ar", "admin.search_label"));
        expect(await text(page, "#admin-summary")).toBe(msg("ar", "admin.summary_live", { shown: "1", count: "200" }));
        expect(await overflow(page)).toBe(0);
        expect(problems).toEqual([]);
      } finally {
        await context.close();
      }
    },
    T,
  );
});
