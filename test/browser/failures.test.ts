import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Page } from "playwright-core";
import { ADMIN_TOKEN, type Harness, deployAndWait, readEvents, sandboxState, startHarness } from "../support/harness.ts";
import { inEachLang, LOCALE, type Launched, launch, msg, openQuickPage as openPage, normalise, text, sandboxControl } from "./support.ts";

/**
 * Issue 12, when things go wrong: a failed deploy says why (by its code), what to do, what
 * was removed and kept, the reference to quote, and the log; a failed cleanup says one
 * thing; a rate limit gives the real wait; a delete checks before it confirms; and the admin
 * sees the items, the reasons and when names are free.
 */

// A limit catches a hang, not slowness: a flow that takes 10 s alone may take four times that on a busy machine.
const T = 90_000;
const DAYS = "12";

let h: Harness;
let chrome: Launched;

beforeAll(async () => {
  [h, chrome] = await Promise.all([startHarness({ env: { NAME_QUARANTINE_DAYS: DAYS } }), launch()]);
}, T);

afterAll(async () => {
  await chrome?.close();
  await h?.stop();
}, T);

const deploymentIdOf = (page: Page) => new URL(page.url()).hash.replace("#deployment=", "");
const clearFaults = () => fetch(`${h.sandboxUrl}/__sandbox/faults`, { method: "DELETE" });

async function typeName(page: Page, name: string, state: string) {
  await page.fill("#name-input", name);
  await page.waitForSelector(`#name-status[data-state="${state}"]`);
}

async function waitDone(page: Page, status: "ready" | "failed" | "deleted") {
  await page.waitForSelector(`#view-progress[data-status="${status}"]`, { timeout: 15_000 });
}

async function deployFromPage(page: Page, name: string) {
  await page.goto(`${h.url}/`);
  await typeName(page, name, "ok");
  await page.click("#deploy-button");
}

describe("a failed deploy", () => {
  test(
    "the reason by its code, what to do, what was removed, the reference and the log, no secret; in en, nl and ar",
    async () => {
      const name = "broken";
      await sandboxControl(h.sandboxUrl, "faults", {
        kind: "deploy_error",
        match: name,
        times: 1,
        message: "pull access denied for registry.example/private, password=letmein-0123456",
      });
      const { context, page, problems } = await openPage(chrome.browser, h.url, { locale: LOCALE.en });
      try {
        await deployFromPage(page, name);
        await waitDone(page, "failed");
        const id = deploymentIdOf(page);
        await page.waitForSelector(".result-log pre");
        await inEachLang(page, async (lang) => {
          expect(normalise(await text(page, ".result-explanation"))).toBe(msg(lang, "error.deploy_failed"));
          expect(await text(page, ".result-advice")).toBe(msg(lang, "advice.deploy_failed"));
          expect(normalise(await text(page, ".result-reference"))).toBe(msg(lang, "failure.reference", { id }));
          expect(await text(page, '.result-cleanup[data-cleanup="removed"]')).toBe(msg(lang, "cleanup.removed_all"));
          // The build never started a service: no volume to speak of.
          expect(await page.locator(".result-kept").count()).toBe(0);
          expect(await text(page, ".result-log summary")).toBe(msg(lang, "failure.log_title"));
          const log = await text(page, ".result-log pre");
          expect(log).toContain("pull access denied");
          expect(log).not.toContain("letmein-0123456");
          expect(await page.isVisible('[data-action="retry"]')).toBe(true);
        });
        // The token that read the log is gone from the tab now; the log is kept.
        expect(await page.evaluate((k) => sessionStorage.getItem(k), `asd.secrets.${id}`)).toBeNull();
        await page.reload();
        await waitDone(page, "failed");
        expect(await text(page, ".result-log pre")).toContain("pull access denied");
        expect(problems).toEqual([]);
      } finally {
        await clearFaults();
        await context.close();
      }
    },
    T,
  );

  test(
    "a stack that started and then failed: the data volume is said to be kept",
    async () => {
      const name = "started-then-failed";
      await sandboxControl(h.sandboxUrl, "faults", { kind: "stack_never_ready", match: name, times: 1 });
      const { context, page, problems } = await openPage(chrome.browser, h.url, { locale: LOCALE.nl });
      try {
        await deployFromPage(page, name);
        await waitDone(page, "failed");
        await page.waitForSelector(".result-kept");
        expect(normalise(await text(page, ".result-explanation"))).toBe(msg("nl", "error.health_timeout"));
        expect(await text(page, ".result-advice")).toBe(msg("nl", "advice.health_timeout"));
        const kept = (await page.locator(".result-kept").allInnerTexts()).map(normalise);
        expect(kept).toEqual(
          [`portal-ai-workspace-${name}`, `portal-ai-data-${name}`].map((volume) => msg("nl", "cleanup.kept_volume", { volume, name })),
        );
        expect(await page.locator(".result-log").count()).toBe(0);
        // "Try again" is the same person: the new stack mounts the kept volumes, not fresh ones.
        await page.click('[data-action="retry"]');
        await waitDone(page, "ready");
        const service = ((await sandboxState(h)).runningServices as any[]).find((s) => s.hosts.includes(`${name}.stacks.test`));
        expect([...service.volumes].sort()).toEqual([`portal-ai-data-${name}`, `portal-ai-workspace-${name}`]);
        expect(problems).toEqual([]);
      } finally {
        await clearFaults();
        await context.close();
      }
    },
    T,
  );

  test(
    "a cleanup that failed says one thing: the name is blocked until an administrator finishes it; in en, nl and ar",
    async () => {
      const name = "stuck";
      await sandboxControl(h.sandboxUrl, "faults", { kind: "deploy_error", match: name, times: 1 });
      await sandboxControl(h.sandboxUrl, "faults", { procedure: "application.delete", kind: "status", status: 500 });
      const { context, page, problems } = await openPage(chrome.browser, h.url, { locale: LOCALE.en });
      try {
        await deployFromPage(page, name);
        await waitDone(page, "failed");
        await page.waitForSelector('.result-cleanup[data-cleanup="blocked"]');
        await inEachLang(page, async (lang) => {
          expect(normalise(await text(page, ".result-cleanup"))).toBe(msg(lang, "cleanup.blocked", { name }));
          const all = normalise(await text(page, "#result"));
          expect(all).not.toContain(msg(lang, "cleanup.removed_all"));
          expect(await page.locator(".result-cleanup").count()).toBe(1);
          expect(await page.locator(".result-advice").count()).toBe(0);
          // No "Try again" into "name already in use".
          expect(await page.locator('[data-action="retry"]').count()).toBe(0);
          expect(await page.isVisible('[data-action="start-over"]')).toBe(true);
        });
        expect(problems).toEqual([]);
      } finally {
        await clearFaults();
        await context.close();
      }
    },
    T,
  );
});

describe("delete", () => {
  test(
    "name and token are checked before asking; the real quarantine; skipped steps shown as skipped; in en, nl and ar",
    async () => {
      const name = "del";
      const stack = await deployAndWait(h, name);
      const { context, page, problems } = await openPage(chrome.browser, h.url, { locale: LOCALE.en });
      await page.goto(`${h.url}/`);
      await page.waitForSelector("html[data-ready]");
      await page.click("#delete-section summary");
      const dialogOpen = () => page.evaluate(() => (document.getElementById("delete-dialog") as HTMLDialogElement).open);

      // A name without a stack: said at once, no confirmation promising anything.
      await page.fill("#delete-name", "nobody-here");
      await page.fill("#delete-token", stack.managementToken);
      await page.click("#delete-button");
      await page.waitForSelector("#delete-error:not([hidden])");
      await inEachLang(page, async (lang) => {
        expect(await text(page, "#delete-error")).toBe(msg(lang, "error.not_found"));
        expect(await dialogOpen()).toBe(false);
      });

      // A wrong token: said before "Yes, delete it".
      await page.fill("#delete-name", name);
      await page.fill("#delete-token", "mt_wrong-token-for-this-stack-000000000");
      await page.click("#delete-button");
      await page.waitForFunction((m) => document.getElementById("delete-error")?.textContent === m, msg("en", "error.forbidden"));
      await inEachLang(page, async (lang) => {
        expect(await text(page, "#delete-error")).toBe(msg(lang, "error.forbidden"));
        expect(await dialogOpen()).toBe(false);
      });
      expect((await (await fetch(`${h.url}/api/stacks/${name}`)).json()) as any).toMatchObject({ status: "ready" });

      // The right one: now the question, with the real number of days.
      await page.fill("#delete-token", stack.managementToken);
      await page.click("#delete-button");
      await page.waitForSelector("#delete-dialog[open]");
      await inEachLang(page, async (lang) => {
        expect(normalise(await text(page, "#delete-dialog-keeps"))).toBe(msg(lang, "delete.confirm_keeps_days", { name, days: DAYS }));
      });
      await page.click("#delete-confirm");
      await waitDone(page, "deleted");
      const cancel = page.locator('#progress-steps li[data-step="cancel_deploy"]');
      await inEachLang(page, async (lang) => {
        expect(await cancel.getAttribute("data-state")).toBe("skipped");
        expect(await cancel.locator(".step-state").innerText()).toBe(msg(lang, "state.skipped"));
        expect(normalise(await text(page, ".result-deleted-text"))).toBe(msg(lang, "result.deleted_text_days", { name, days: DAYS }));
      });
      expect(problems).toEqual([]);
      await context.close();
    },
    T,
  );
});

describe("the rate limit", () => {
  let limited: Harness;
  beforeAll(async () => {
    limited = await startHarness({ env: { RATE_LIMIT_DEPLOY: "1/8m" } });
    // This client's one deploy in eight minutes is used up.
    const first = await fetch(`${limited.url}/api/deploy`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "first-one" }),
    });
    expect(first.status).toBe(202);
    await readEvents(`${limited.url}${((await first.json()) as any).eventsUrl}`);
  }, T);
  afterAll(() => limited?.stop(), T);

  test(
    "says what counts, within what, and the real wait, rounded; in en, nl and ar",
    async () => {
      const { context, page, problems } = await openPage(chrome.browser, limited.url, { locale: LOCALE.en });
      await page.goto(`${limited.url}/`);
      await typeName(page, "second", "ok");
      const refused = page.waitForResponse((r) => r.url().endsWith("/api/deploy"));
      await page.click("#deploy-button");
      const res = await refused;
      expect(res.status()).toBe(429);
      const seconds = Number(res.headers()["retry-after"]);
      expect(seconds).toBeGreaterThan(420);
      await page.waitForSelector("#deploy-error:not([hidden])");
      await inEachLang(page, async (lang) => {
        const minutes = await page.evaluate(([l, m]) => new Intl.NumberFormat(l, { style: "unit", unit: "minute", unitDisplay: "long" }).format(m), [
          lang,
          Math.ceil(seconds / 60),
        ] as const);
        const window = await page.evaluate((l) => new Intl.NumberFormat(l, { style: "unit", unit: "minute", unitDisplay: "long" }).format(8), lang);
        // What counts, how many within what, and the real wait.
        const count = await page.evaluate((l) => new Intl.NumberFormat(l).format(1), lang);
        expect(await text(page, "#deploy-error")).toBe(msg(lang, "error.rate_limited_deploy", { count, window, time: minutes }));
      });
      expect(problems).toEqual([]);
      await context.close();
    },
    T,
  );
});

describe("the admin view", () => {
  test(
    "lists what the check found and cleans up after a confirmation; shows why, when and when names are free",
    async () => {
      // A failed stack, a deleted one, and a project in Dokploy that belongs to no stack.
      await sandboxControl(h.sandboxUrl, "faults", { kind: "deploy_error", match: "adm-failed", times: 1 });
      const failed = await deployAndWait(h, "adm-failed");
      await clearFaults();
      const gone = await deployAndWait(h, "adm-gone");
      const del = await fetch(`${h.url}/api/stack/adm-gone`, { method: "DELETE", headers: { authorization: `Bearer ${gone.managementToken}` } });
      await readEvents(`${h.url}${((await del.json()) as any).eventsUrl}`);
      const orphan = await fetch(`${h.sandboxUrl}/api/project.create`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-api-key": "test-sandbox-key-0123456789" },
        body: JSON.stringify({ name: "ai-stack-orphaned", description: "left behind" }),
      });
      const orphanId = ((await orphan.json()) as any).project.projectId as string;

      const { context, page, problems } = await openPage(chrome.browser, h.url, { locale: LOCALE.en });
      await page.goto(`${h.url}/#admin`);
      await page.fill("#admin-token", ADMIN_TOKEN);
      await page.click("#admin-sign-in");
      await page.waitForSelector("#admin-panel:not([hidden])");
      await page.check("#admin-all");
      const row = (name: string) => `#admin-stacks tr[data-name="${name}"]`;
      await page.waitForSelector(`${row("adm-failed")} [data-fact="reason"]`);
      expect(normalise(await text(page, `${row("adm-failed")} [data-fact="reason"] dd`))).toBe(msg("en", "error.deploy_failed"));
      expect(await text(page, `${row("adm-failed")} [data-fact="free"] dd`)).toBe(msg("en", "admin.name_free_now"));
      expect(await page.locator(`${row("adm-failed")} [data-fact="at"] time`).count()).toBe(1);
      const goneFree = await page.getAttribute(`${row("adm-gone")} [data-fact="free"] time`, "datetime");
      expect(Date.parse(goneFree!) - Date.now()).toBeGreaterThan((Number(DAYS) - 1) * 86_400_000);
      expect(await page.getAttribute(`${row("adm-failed")} [data-action="open-deployment"]`, "href")).toBe(`#deployment=${failed.deploymentId}`);

      // The check lists the items, with Dokploy's ids; cleaning up asks first.
      await page.click("#reconcile-run");
      await page.waitForSelector('#reconcile-items li[data-item="orphan"]');
      expect(normalise(await text(page, '#reconcile-items li[data-item="orphan"]'))).toBe(
        msg("en", "admin.item_orphan", { name: "ai-stack-orphaned", project: orphanId }),
      );
      await page.click("#reconcile-apply");
      await page.waitForSelector("#confirm-dialog[open]");
      expect(await text(page, "#confirm-title")).toBe(msg("en", "admin.apply_title"));
      await page.click("#confirm-yes");
      await page.waitForFunction(() => document.querySelector('#reconcile-items li[data-item="orphan"] .item-done') !== null);
      expect(await text(page, '#reconcile-items li[data-item="orphan"] .item-done')).toContain(msg("en", "admin.item_removed"));
      const projects = ((await (await fetch(`${h.sandboxUrl}/__sandbox/state`)).json()) as any).projects as { name: string }[];
      expect(projects.some((p) => p.name === "ai-stack-orphaned")).toBe(false);

      // The deployment link opens the failed deploy, explained.
      await page.click(`${row("adm-failed")} [data-action="open-deployment"]`);
      await waitDone(page, "failed");
      expect(deploymentIdOf(page)).toBe(failed.deploymentId);
      expect(normalise(await text(page, ".result-explanation"))).toBe(msg("en", "error.deploy_failed"));
      // Signed in, the administrator reads the log the owner saw.
      await page.waitForSelector(".result-log pre");
      expect(await text(page, ".result-log pre")).toContain("Error response from daemon");
      expect(problems).toEqual([]);
      await context.close();
    },
    T,
  );

  test(
    "a stack that never ran is not said to stop working when deleted",
    async () => {
      const name = "never-ran";
      await sandboxControl(h.sandboxUrl, "faults", { kind: "deploy_error", match: name, times: 1 });
      await sandboxControl(h.sandboxUrl, "faults", { procedure: "application.delete", kind: "status", status: 500 });
      try {
        await deployAndWait(h, name);
      } finally {
        await clearFaults();
      }
      const { context, page, problems } = await openPage(chrome.browser, h.url, { locale: LOCALE.ar });
      await page.goto(`${h.url}/#admin`);
      await page.fill("#admin-token", ADMIN_TOKEN);
      await page.click("#admin-sign-in");
      const item = `#admin-stacks tr[data-name="${name}"]`;
      await page.waitForSelector(`${item}[data-status="cleanup_failed"]`);
      await page.click(`${item} [data-action="admin-delete"]`);
      await page.waitForSelector("#admin-dialog[open]");
      expect(normalise(await text(page, "#admin-dialog-removes"))).toBe(msg("ar", "delete.confirm_removes_unstarted", { name }));
      expect(normalise(await text(page, "#admin-dialog-keeps"))).toBe(msg("ar", "admin.confirm_keeps_days", { name, days: DAYS }));
      await page.click("#admin-dialog-cancel");
      expect(problems).toEqual([]);
      await context.close();
    },
    T,
  );
});
