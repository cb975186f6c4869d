import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Page } from "playwright-core";
import { type Harness, deployAndWait, readEvents, sandboxState, startHarness } from "../support/harness.ts";
import {
  confirmDialog,
  inEachLang,
  LOCALE,
  type Lang,
  type Launched,
  launch,
  msg,
  openPage as openGuarded,
  overflow,
  plainText as text,
} from "./support.ts";

/**
 * Issue 13, item 6: the owner's page ("Your stack") in a real browser, in en, nl and ar:
 * opened by name and management token, its details and logs, stop then start seen live,
 * a new password shown once, a wrong token refused, and the way there from a deploy.
 */

// A limit catches a hang, not slowness: a flow that takes 10 s alone may take four times that on a busy machine.
const T = 90_000;
let h: Harness;
let chrome: Launched;

beforeAll(async () => {
  // A stop and a start that take a moment, as real ones do: the page must show them happen.
  [h, chrome] = await Promise.all([startHarness({ sandbox: { stackStopMs: 400, stackStartMs: 300 }, env: { HEALTH_TIMEOUT: "10s" } }), launch()]);
}, T);

afterAll(async () => {
  await chrome?.close();
  await h?.stop();
}, T);

async function openPage(lang: Lang) {
  const guarded = await openGuarded(chrome.browser, h.url, { locale: LOCALE[lang] });
  guarded.context.setDefaultTimeout(8000);
  await guarded.page.goto(`${h.url}/`);
  await guarded.page.waitForSelector("html[data-ready]");
  return guarded;
}

async function openByToken(page: Page, name: string, token: string, remember = false) {
  await page.click("#manage-section > summary");
  await page.fill("#manage-name", name);
  await page.fill("#manage-token", token);
  if (remember) await page.check("#manage-remember");
  await page.click("#manage-button");
}

const serviceOf = async (name: string) => (await sandboxState(h)).services.find((s: any) => s.hosts.includes(`${name}.stacks.test`));
const health = (name: string, password: string) =>
  fetch(`${h.sandboxUrl}/global/health`, {
    headers: { host: `${name}.stacks.test`, authorization: `Basic ${Buffer.from(`opencode:${password}`).toString("base64")}` },
  });

describe("your stack", () => {
  test(
    "open by name and token, see details and logs, stop then start live; in en, nl and ar",
    async () => {
      const name = "own";
      const stack = await deployAndWait(h, name);
      const { context, page, problems } = await openPage("en");
      try {
        await openByToken(page, name, stack.managementToken);
        await page.waitForSelector('#view-stack[data-state="running"]');
        expect(page.url()).toEndWith(`#stack=${name}`);

        // The logs: the last deploy's and the container's own output, as the API gives them.
        const logs = (await (
          await fetch(`${h.url}/api/stacks/${name}/logs`, { headers: { authorization: `Bearer ${stack.managementToken}` } })
        ).json()) as any;
        expect(logs.deploy.lines.length).toBeGreaterThan(0);
        // Dokploy's ✅ is shown as a mark any font has (no empty box where emoji fonts are missing).
        const last = (logs.deploy.lines.at(-1) as string).replace("\u2705", "\u2713");
        await page.waitForFunction((line) => document.getElementById("stack-logs-deploy")?.textContent?.includes(line), last);
        expect(await page.textContent("#stack-logs-deploy")).not.toContain("\u2705");
        const image = (await serviceOf(name)).image;

        await inEachLang(page, async (lang) => {
          expect(await page.getAttribute("html", "dir")).toBe(lang === "ar" ? "rtl" : "ltr");
          expect(await text(page, "#stack-heading")).toBe(msg(lang, "stack.heading", { name }));
          expect(await text(page, "#stack-state")).toBe(msg(lang, "stack.running"));
          // The address with Open.
          expect(await page.getAttribute('#stack-address [data-action="open-stack"]', "href")).toBe(`https://${name}.stacks.test`);
          expect(await text(page, '#stack-address [data-action="open-stack"]')).toBe(msg(lang, "result.open"));

          // The details, from the portal and from Dokploy.
          // Dokploy says "done" after a deploy (its last deploy finished), "idle" once stopped.
          expect(await text(page, '[data-fact="app-status"] dd:not(.hint)')).toBe(msg(lang, "stack.app_done"));
          expect(await text(page, '[data-fact="image"] dd:not(.hint)')).toBe(image);
          const volumes = await text(page, '[data-fact="volumes"] dd:not(.hint)');
          expect(volumes).toContain(`portal-ai-workspace-${name}`);
          expect(volumes).toContain(`portal-ai-data-${name}`);
          // The units in the person's language, as the admin's capacity card says them.
          expect(await text(page, '[data-fact="memory"] dd')).toContain(msg(lang, "capacity.gib", { n: "4" }));
          expect(await text(page, '[data-fact="created"] dd')).not.toBe(msg(lang, "stack.never"));
          expect(await page.locator('.stack-operation[data-kind="deploy"][data-outcome="succeeded"]').count()).toBe(1);
          expect(await text(page, ".stack-operation .stack-operation-kind")).toBe(msg(lang, "stack.op_deploy"));
          expect(await text(page, "#stack-logs-deploy")).toContain(last);
          expect(await text(page, "#stack-logs-container")).not.toBe(msg(lang, "stack.loading"));

          // Only what the state allows.
          expect(await page.isDisabled('[data-action="stack-start"]')).toBe(true);
          expect(await page.isEnabled('[data-action="stack-stop"]')).toBe(true);
        });

        // Stop: asked first (running agents are interrupted); "No" changes nothing (asked in each language).
        await inEachLang(page, async (lang) => {
          await page.click('[data-action="stack-stop"]');
          await page.waitForSelector("#confirm-dialog[open]");
          expect(await text(page, "#confirm-title")).toBe(msg(lang, "stack.confirm_stop_title"));
          expect(await text(page, "#confirm-text")).toBe(msg(lang, "stack.confirm_stop_text"));
          await confirmDialog(page, "no");
          expect(await page.getAttribute("#view-stack", "data-state")).toBe("running");
          expect((await serviceOf(name)).state).not.toBe("stopped");
        });

        await page.click('[data-action="stack-stop"]');
        await confirmDialog(page, "yes");
        // Live: the steps as they happen, then the new state, without a reload.
        await page.waitForSelector('#stack-steps li[data-step="wait_stopped"]');
        expect(await text(page, '#stack-steps li[data-step="stop_service"] .step-label')).toBe(msg("en", "step.stop_service"));
        expect(await text(page, '#stack-steps li[data-step="wait_stopped"] .step-label')).toBe(msg("en", "step.wait_stopped"));
        await page.waitForSelector('#stack-progress[data-status="stopped"]');
        await page.waitForSelector('#view-stack[data-state="stopped"]');
        expect((await serviceOf(name)).state).toBe("stopped");
        await page.waitForSelector('.stack-operation[data-kind="stop"][data-outcome="succeeded"]');
        await inEachLang(page, async (lang) => {
          // The steps stay on screen once the stop is done.
          expect(await text(page, '#stack-steps li[data-step="stop_service"] .step-label')).toBe(msg(lang, "step.stop_service"));
          expect(await text(page, '#stack-steps li[data-step="wait_stopped"] .step-label')).toBe(msg(lang, "step.wait_stopped"));
          expect(await text(page, "#stack-state")).toBe(msg(lang, "stack.stopped"));
          expect(await text(page, "#stack-summary")).toBe(msg(lang, "stack.action_stopped"));
          expect(await text(page, '[data-fact="app-status"] dd:not(.hint)')).toBe(msg(lang, "stack.app_idle"));
          expect(await page.locator('#stack-address [data-action="open-stack"]').count()).toBe(0);
          expect(await page.isEnabled('[data-action="stack-start"]')).toBe(true);
          expect(await page.isDisabled('[data-action="stack-stop"]')).toBe(true);
        });

        // Start: nothing is lost, so no question.
        await page.click('[data-action="stack-start"]');
        await page.waitForSelector('#stack-steps li[data-step="start_service"]');
        expect(await page.isVisible("#confirm-dialog")).toBe(false);
        await page.waitForSelector('#stack-progress[data-status="ready"]');
        await page.waitForSelector('#view-stack[data-state="running"]');
        expect((await serviceOf(name)).state).not.toBe("stopped");
        await page.waitForSelector('.stack-operation[data-kind="start"][data-outcome="succeeded"]');
        await inEachLang(page, async (lang) => {
          expect(await text(page, "#stack-state")).toBe(msg(lang, "stack.running"));
          expect(await overflow(page)).toBe(0);
        });

        // Deleted elsewhere meanwhile: the page says so and offers nothing to do on it.
        const gone = await fetch(`${h.url}/api/stacks/${name}`, {
          method: "DELETE",
          headers: { authorization: `Bearer ${stack.managementToken}` },
        });
        expect(gone.status).toBe(202);
        expect((await readEvents(`${h.url}${((await gone.json()) as any).eventsUrl}`)).at(-1)?.data.status).toBe("deleted");
        await page.click("#stack-logs-refresh");
        await page.waitForFunction((t) => document.getElementById("stack-error")?.textContent === t, msg("en", "error.not_found"));
        await inEachLang(page, async (lang) => {
          expect(await text(page, "#stack-error")).toBe(msg(lang, "error.not_found"));
          expect(await page.isDisabled('[data-action="stack-start"]')).toBe(true);
          expect(await page.isDisabled('[data-action="stack-stop"]')).toBe(true);
        });
        expect(problems).toEqual([]);
      } finally {
        await context.close();
      }
    },
    T,
  );

  test(
    "a new password, asked first, shown once; in en, nl and ar",
    async () => {
      const name = "pwd";
      const stack = await deployAndWait(h, name);
      const { context, page, problems } = await openPage("en");
      try {
        await openByToken(page, name, stack.managementToken);
        await page.waitForSelector('#view-stack[data-state="running"]');
        // A new password logs everyone out: asked first; then shown once, and it is the one that works.
        await page.click('[data-action="stack-password"]');
        await page.waitForSelector("#confirm-dialog[open]");
        await inEachLang(page, async (lang) => {
          expect(await text(page, "#confirm-text")).toBe(msg(lang, "stack.confirm_password_text"));
        });
        const accepted = page.waitForResponse((r) => r.url().endsWith(`/api/stacks/${name}/password`));
        await confirmDialog(page, "yes");
        const body = (await (await accepted).json()) as any;
        expect(body.credentials.password).not.toBe(stack.credentials.password);
        await page.waitForSelector(".new-password");
        expect(await text(page, ".new-password h3")).toBe(msg("en", "stack.password_title"));
        expect(await text(page, '.new-password [data-detail="password"] .detail-value')).toBe(body.credentials.password);
        expect(await text(page, ".new-password .once-note")).toBe(msg("en", "stack.password_once"));
        await page.waitForSelector('#stack-progress[data-kind="password"][data-status="ready"]');
        await page.waitForSelector('#view-stack[data-state="running"]');
        expect((await health(name, body.credentials.password)).status).toBe(200);
        expect((await health(name, stack.credentials.password)).status).toBe(401);
        // Still on screen after the operation ended, until the person says it is saved.
        await inEachLang(page, async (lang) => {
          expect(await page.isVisible(".new-password")).toBe(true);
          expect(await text(page, ".new-password h3")).toBe(msg(lang, "stack.password_title"));
          expect(await text(page, '.new-password [data-detail="password"] .detail-value')).toBe(body.credentials.password);
          expect(await text(page, ".new-password .once-note")).toBe(msg(lang, "stack.password_once"));
          expect(await overflow(page)).toBe(0);
        });
        // Kept in this tab until confirmed: a reload shows it again, closing the tab asks first.
        await page.reload();
        await page.waitForSelector('#view-stack[data-state="running"]');
        expect(await text(page, '.new-password [data-detail="password"] .detail-value')).toBe(body.credentials.password);
        const prompt = new Promise<string>((resolve) => page.once("dialog", (d) => void d.dismiss().then(() => resolve(d.type()))));
        await page.close({ runBeforeUnload: true });
        expect(await prompt).toBe("beforeunload");
        expect(page.isClosed()).toBe(false);
        // "Saved it" asks first, like the deploy's details; Cancel keeps it.
        await page.click('.new-password [data-action="confirm-saved"]');
        await page.waitForSelector("#confirm-dialog[open]");
        expect(await text(page, "#confirm-text")).toBe(msg("en", "forget.text_password"));
        await confirmDialog(page, "no");
        expect(await page.locator(".new-password").count()).toBe(1);
        await page.click('.new-password [data-action="confirm-saved"]');
        await confirmDialog(page, "yes");
        expect(await page.locator(".new-password").count()).toBe(0);
        // Nowhere to be found again: not after a reload, not in the page's storage.
        await page.reload();
        await page.waitForSelector('#view-stack[data-state="running"]');
        expect(await page.locator(".new-password").count()).toBe(0);
        const stored = await page.evaluate(() => JSON.stringify({ ...sessionStorage }) + JSON.stringify({ ...localStorage }));
        expect(stored).not.toContain(body.credentials.password);
        // The token stayed in this tab only ("remember" was off).
        expect(stored).toContain(stack.managementToken);
        expect(await page.evaluate(() => JSON.stringify({ ...localStorage }))).not.toContain(stack.managementToken);

        await inEachLang(page, async () => {
          expect(await overflow(page)).toBe(0);
        });
        expect(problems).toEqual([]);
      } finally {
        await context.close();
      }
    },
    T,
  );

  test(
    "a wrong token, an unknown name and no token are refused clearly; in en, nl and ar",
    async () => {
      const name = "ref";
      const stack = await deployAndWait(h, name);
      const { context, page, problems } = await openPage("en");
      try {
        await openByToken(page, name, `${stack.managementToken.slice(0, -4)}xxxx`);
        await page.waitForSelector("#manage-error:not([hidden])");
        await inEachLang(page, async (lang) => {
          expect(await text(page, "#manage-error")).toBe(msg(lang, "error.forbidden"));
          expect(await page.isHidden("#view-stack")).toBe(true);
          expect(await page.evaluate(() => document.activeElement?.id)).toBe("manage-token");
        });

        await page.fill("#manage-name", "nobody-here");
        await page.click("#manage-button");
        await page.waitForFunction((t) => document.getElementById("manage-error")?.textContent === t, msg("en", "error.not_found"));
        await inEachLang(page, async (lang) => {
          expect(await text(page, "#manage-error")).toBe(msg(lang, "error.not_found"));
        });

        // The page's address without a token in this tab: asked for one, on the start page.
        await page.goto(`${h.url}/#stack=${name}`);
        await page.waitForSelector("#manage-error:not([hidden])");
        await inEachLang(page, async (lang) => {
          expect(await page.isVisible("#view-start")).toBe(true);
          expect(await text(page, "#manage-error")).toBe(msg(lang, "error.unauthorized"));
          expect(await page.inputValue("#manage-name")).toBe(name);
        });
        expect(problems).toEqual([]);
      } finally {
        await context.close();
      }
    },
    T,
  );

  test(
    "en: reached from a deploy's result; 'remember on this device' keeps the token in localStorage until forgotten",
    async () => {
      const { context, page, problems } = await openPage("en");
      try {
        await page.fill("#name-input", "from-result");
        await page.waitForSelector('#name-status[data-state="ok"]');
        const accepted = page.waitForResponse((r) => r.url().endsWith("/api/deploy"));
        await page.click("#deploy-button");
        const body = (await (await accepted).json()) as any;
        await page.waitForSelector('#view-progress[data-status="ready"]', { timeout: 15_000 });
        await page.click('[data-action="manage-stack"]');
        // The once-only details are still unconfirmed on that page: leaving is asked about.
        await confirmDialog(page, "yes");
        await page.waitForSelector('#view-stack[data-state="running"]');
        expect(await text(page, "#stack-heading")).toBe(msg("en", "stack.heading", { name: "from-result" }));
        expect(await page.evaluate(() => JSON.stringify({ ...localStorage }))).not.toContain(body.managementToken);

        // Back, and in again with "remember": the token goes to localStorage, and a new tab opens straight in.
        await page.click("#stack-back");
        await page.waitForSelector("#view-start:not([hidden])");
        await openByToken(page, "from-result", body.managementToken, true);
        await page.waitForSelector('#view-stack[data-state="running"]');
        expect(await page.evaluate(() => JSON.stringify({ ...localStorage }))).toContain(body.managementToken);
        const other = await context.newPage();
        await other.goto(`${h.url}/#stack=from-result`);
        await other.waitForSelector('#view-stack[data-state="running"]');
        await other.close();
        // Forgotten on this device; this tab keeps it.
        await page.click("#stack-forget");
        expect(await page.evaluate(() => JSON.stringify({ ...localStorage }))).not.toContain(body.managementToken);
        expect(await page.isHidden("#stack-forget")).toBe(true);
        expect(problems).toEqual([]);
      } finally {
        await context.close();
      }
    },
    T,
  );
});
