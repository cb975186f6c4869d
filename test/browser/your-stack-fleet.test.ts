import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Page } from "playwright-core";
import { type Harness, deployAndWait, sandboxState, startHarness } from "../support/harness.ts";
import { type Lang, type Launched, launch, msg, openStackPage, plain } from "./support.ts";

/**
 * Issue 15 on the owner's page: the server a stack runs on, its last backup, a stack the
 * backups cannot reach (it is on a worker node, Dokploy backs up only its own node), and a
 * stack whose server is down shown as unavailable, not as failed.
 */

// A limit catches a hang, not slowness: a flow that takes 10 s alone may take four times that on a busy machine.
const T = 90_000;
const GiB = 1024 ** 3;
const DESTINATION = "dest-page-test";
let h: Harness;
let chrome: Launched;
let worker = "";
const tokens: Record<string, string> = {};

beforeAll(async () => {
  [h, chrome] = await Promise.all([
    startHarness({ env: { BACKUP_DESTINATION_ID: DESTINATION, STACK_MEMORY_RESERVATION: "1g", MAX_STACKS_PER_NODE: "1" } }),
    launch(),
  ]);
  h.sandbox.addDestination("s3", DESTINATION);
  worker = h.sandbox.addNode({ hostname: "worker-a", memoryBytes: 8 * GiB }).id;
  // The first goes to the roomier manager, the second to the worker.
  for (const name of ["onmgr", "onwkr"]) tokens[name] = (await deployAndWait(h, name)).managementToken;
}, T);

afterAll(async () => {
  await chrome?.close();
  await h?.stop();
}, T);

const fact = async (page: Page, id: string) => plain(await page.locator(`[data-fact="${id}"] dd:not(.hint)`).innerText());

/** Polls the public status (GET /api/stacks/:name) until it reads `status`. */
async function waitForStatus(name: string, status: string): Promise<void> {
  let seen = "";
  for (let i = 0; i < 100; i++) {
    seen = ((await (await fetch(`${h.url}/api/stacks/${name}`)).json()) as any).status;
    if (seen === status) return;
    await Bun.sleep(50);
  }
  throw new Error(`${name} is ${seen}, not ${status}`);
}

const stackPage = (lang: Lang, name: string) => openStackPage(chrome.browser, h.url, lang, name, tokens[name]!);

describe("your stack on a cluster with backups", () => {
  test(
    "en: the server and the last backup; nl: a stack the backups cannot reach says so",
    async () => {
      const manager = (await sandboxState(h)).nodes.find((n: any) => n.role === "manager");
      h.sandbox.runScheduledBackups();
      const en = await stackPage("en", "onmgr");
      try {
        await en.page.waitForSelector('[data-fact="backup"][data-backup="ok"]');
        expect(await fact(en.page, "node")).toBe(manager.hostname);
        const backup = await fact(en.page, "backup");
        expect(backup).not.toBe(msg("en", "admin.backup_never"));
        expect(backup).toMatch(/\d/);
      } finally {
        await en.context.close();
      }

      const nl = await stackPage("nl", "onwkr");
      try {
        await nl.page.waitForSelector('[data-fact="backup"][data-backup="out_of_reach"]');
        expect(await fact(nl.page, "node")).toBe("worker-a");
        expect(await fact(nl.page, "backup")).toBe(msg("nl", "backup.out_of_reach", { node: "worker-a", backup_node: manager.hostname }));
      } finally {
        await nl.context.close();
      }
    },
    T,
  );

  test(
    "ar: a stack whose server is down is unavailable, and the page says why",
    async () => {
      h.sandbox.updateNode(worker, { state: "down" });
      // The portal reuses Dokploy's node list for up to 2 s (ClusterView): wait until its API
      // says the stack is unavailable, then open the page.
      await waitForStatus("onwkr", "unavailable");
      const ar = await stackPage("ar", "onwkr");
      try {
        await ar.page.waitForSelector('[data-fact="node"]');
        expect(plain(await ar.page.locator("#stack-state").innerText())).toBe(msg("ar", "stack.unavailable_down"));
        expect(await fact(ar.page, "node")).toBe(msg("ar", "admin.node_down", { host: "worker-a" }));
      } finally {
        await ar.context.close();
        h.sandbox.updateNode(worker, { state: "ready" });
      }
    },
    T,
  );
});
