import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Page } from "playwright-core";
import { type Harness, readEvents, startHarness } from "../support/harness.ts";
import { type Launched, launch, msg, normalise, openPage, text } from "./support.ts";

/**
 * A deploy waiting for a slot in the portal's own queue (MAX_CONCURRENT_DEPLOYS) shows its
 * place on the page as the line moves, also the moves that are not stored, and again after a
 * reload (the snapshot's place now); only where it joined and "next in line" are stored.
 */

let h: Harness;
let chrome: Launched;
beforeAll(async () => {
  // One deploy at a time, each build 2.5 s: five deploys ahead keep ours in line for a while.
  [h, chrome] = await Promise.all([
    startHarness({ env: { MAX_CONCURRENT_DEPLOYS: "1", DEPLOY_TIMEOUT: "30s" }, sandbox: { deployDurationMs: 2_500 } }),
    launch(),
  ]);
});
afterAll(async () => {
  await chrome?.close();
  await h?.stop();
});

const summary = async (page: Page) => normalise(await text(page, "#progress-summary"));
const inLine = (position: number) => msg("en", "status.waiting", { position: String(position) });

describe("the portal's queue on the page", () => {
  test(
    "the place in line shows as it moves (also the moves not stored), after a reload too; stored are where it joined and number 1",
    async () => {
      const { context, page, problems } = await openPage(chrome.browser, h.url, { locale: "en-GB" });
      try {
        await page.goto(`${h.url}/`);
        await page.fill("#name-input", "line-mine");
        await page.waitForSelector('#name-status[data-state="ok"]');
        // The five ahead join just before ours, so that ours joins far back however slow the page is.
        for (const name of ["line-one", "line-two", "line-three", "line-four", "line-five"]) {
          const res = await fetch(`${h.url}/api/deploy`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ name }),
          });
          expect(res.status).toBe(202);
        }
        await page.click("#deploy-button");
        // Number 2 in line: a move the portal does not store (it joined further back, see below).
        await page.waitForFunction((expected) => document.querySelector("#progress-summary")?.textContent?.trim() === expected, inLine(2), {
          timeout: 15_000,
        });
        const id = new URL(page.url()).hash.replace("#deployment=", "");
        const snap = (await (await fetch(`${h.url}/api/deployments/${id}`)).json()) as { queuePosition: number | null };
        expect([1, 2]).toContain(snap.queuePosition!);

        await page.reload();
        await page.waitForFunction(
          (expected) => expected.includes(document.querySelector("#progress-summary")?.textContent?.trim() ?? ""),
          [inLine(2), inLine(1)],
          { timeout: 5_000 },
        );
        await page.waitForSelector('#view-progress[data-status="ready"]', { timeout: 15_000 });
        expect(await summary(page)).not.toContain("in line");
        expect(problems).toEqual([]);

        const stored = await readEvents(`${h.url}/api/deployments/${id}/events`);
        const places = stored.filter((e) => e.event === "status" && e.data.status === "waiting").map((e) => e.data.position);
        expect(places).toHaveLength(2);
        expect(places[0]).toBeGreaterThanOrEqual(3);
        expect(places[1]).toBe(1);
      } finally {
        await context.close();
      }
    },
    { timeout: 60_000 },
  );
});
