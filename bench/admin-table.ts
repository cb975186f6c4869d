/**
 * 12. the admin table at fleet scale: the admin view in a real Chromium with 20 and then 200
 * ready stacks in the sandbox, measured by the page itself (performance.now()): the first render
 * (from "Sign in" until every row is in the table, the list's request and its live stream's
 * first event included), a search (from typing into the search field until the filtered table
 * is laid out, one animation frame) and clearing it (every row back). Side by side in one run:
 * 200 stacks ÷ 20 stacks. Targets with 200 stacks: a search under 100 ms, clearing it under
 * 200 ms, a first render under 1 s.
 */
import { chromium, type Page } from "playwright-core";
import { findChromium, INSTALL_HINT } from "../scripts/chromium.ts";
import { CHROMIUM_ARGS } from "../test/browser/support.ts";
import { runBench } from "./lib/bench.ts";
import { portalEnv, startPortalProcess, startSandboxProcess, tempDir } from "./lib/proc.ts";
import { figure, progress, type TargetResult, verdict } from "./lib/report.ts";
import { deployAll } from "./lib/sse.ts";
import { median, r } from "./lib/stats.ts";

const BENCH = "admin-table";
const ADMIN_TOKEN = "bench-admin-token-0123456789abcdef";
const SAMPLES = 5;
const name = (i: number) => `fleet-${String(i + 1).padStart(3, "0")}`;

/** Deploys stacks `from`..`to`-1, 20 at a time, each until ready. */
const seed = (portalUrl: string, from: number, to: number) =>
  deployAll(
    portalUrl,
    Array.from({ length: to - from }, (_, i) => name(from + i)),
    20,
  );

/** Sign in on a fresh page; ms until `rows` rows are in the table. */
async function firstRender(page: Page, portalUrl: string, rows: number): Promise<number> {
  await page.goto(`${portalUrl}/#admin`);
  await page.waitForSelector("html[data-ready]");
  await page.fill("#admin-token", ADMIN_TOKEN);
  return page.evaluate(
    (n) =>
      new Promise<number>((resolve) => {
        const t0 = performance.now();
        document.getElementById("admin-sign-in")!.click();
        const look = () => {
          if (document.querySelectorAll("#admin-stacks tr[data-name]").length === n) resolve(performance.now() - t0);
          else requestAnimationFrame(look);
        };
        look();
      }),
    rows,
  );
}

/** Types a query (one input event), ms until the filtered table is laid out. */
function search(page: Page, query: string): Promise<number> {
  return page.evaluate(
    (q) =>
      new Promise<number>((resolve) => {
        const input = document.getElementById("admin-search") as HTMLInputElement;
        const t0 = performance.now();
        input.value = q;
        input.dispatchEvent(new Event("input", { bubbles: true }));
        void document.getElementById("admin-stacks")!.offsetHeight;
        requestAnimationFrame(() => resolve(performance.now() - t0));
      }),
    query,
  );
}

export function run() {
  return runBench(BENCH, async ({ defer }) => {
    const executablePath = findChromium({ env: process.env });
    if (!executablePath) throw new Error(INSTALL_HINT);
    const sandbox = await startSandboxProcess({ deployMs: 20, buildConcurrency: 20 });
    const data = tempDir("bench-admin-");
    defer(data.remove);
    const portal = await startPortalProcess(
      portalEnv(sandbox.url, data.path, {
        ADMIN_TOKEN,
        MAX_CONCURRENT_DEPLOYS: "20",
        // The sandbox's one server takes 128 stacks at the default 512 MiB reserved each.
        STACK_MEMORY_RESERVATION: "64m",
        IDLE_STOP_AFTER: "0",
      }),
    );
    const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
    defer(() => browser.close());

    const measure = async (rows: number) => {
      const renders: number[] = [];
      const narrowing: number[] = [];
      const clearing: number[] = [];
      for (let i = 0; i < SAMPLES; i++) {
        const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
        const page = await context.newPage();
        renders.push(await firstRender(page, portal.url, rows));
        // Narrowing to a few rows, to one, to none; then clearing the field: every row again.
        for (const q of ["fleet-01", "fleet-007", "nobody"]) narrowing.push(await search(page, q));
        clearing.push(await search(page, ""));
        await context.close();
      }
      const result = {
        rows,
        first_render_ms: r(median(renders), 1),
        search_ms: r(median(narrowing), 1),
        clear_ms: r(median(clearing), 1),
        renders: renders.map((x) => r(x, 1)),
        narrowing: narrowing.map((x) => r(x, 1)),
        clearing: clearing.map((x) => r(x, 1)),
      };
      figure(BENCH, { figure: "admin table", ...result });
      return result;
    };

    progress(BENCH, "seeding 20 stacks");
    await seed(portal.url, 0, 20);
    const small = await measure(20);
    progress(BENCH, "seeding 180 more");
    await seed(portal.url, 20, 200);
    const large = await measure(200);
    const targets: TargetResult[] = [
      {
        target: "search with 200 stacks < 100 ms (median, one input event to layout)",
        value: `${large.search_ms} ms`,
        verdict: verdict(large.search_ms < 100),
      },
      {
        target: "clearing the search, all 200 rows again < 200 ms (median)",
        value: `${large.clear_ms} ms`,
        verdict: verdict(large.clear_ms < 200),
      },
      {
        target: "first render with 200 stacks < 1000 ms (median, sign-in to every row)",
        value: `${large.first_render_ms} ms`,
        verdict: verdict(large.first_render_ms < 1000),
      },
      { target: "first render, 200 ÷ 20 stacks", value: r(large.first_render_ms / small.first_render_ms, 2), verdict: "n/a" },
      { target: "search, 200 ÷ 20 stacks", value: r(large.search_ms / small.search_ms, 2), verdict: "n/a" },
      { target: "clearing the search, 200 ÷ 20 stacks", value: r(large.clear_ms / small.clear_ms, 2), verdict: "n/a" },
    ];
    return {
      targets,
      figures: { small, large },
      notes: [`${SAMPLES} fresh pages per size, 3 narrowing searches and one clearing each; Debian's Chromium at 1280x800, loopback`],
    };
  });
}

if (import.meta.main) process.exit((await run()).ok ? 0 : 1);
