import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runToExit } from "../support/exit.ts";
import { FAST_ENV } from "../support/harness.ts";
import { spawnPortal } from "../support/process.ts";

/** The real process at start: what it refuses, and what it warns about. */

const dataDir = mkdtempSync(join(tmpdir(), "portal-startup-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
const base = { ...FAST_ENV, DATA_DIR: dataDir };

describe("configuration refused at start (exit 2, naming the variable)", () => {
  for (const [variable, value] of [
    ["PORT", "0x10"],
    ["PORT", "1e3"],
    ["PORT", "0b1"],
    ["MAX_STACKS", "0x10"],
    ["NAME_QUARANTINE_DAYS", "3.0"],
    ["DOKPLOY_MAX_CONCURRENCY", "+8"],
  ] as const)
    test(`${variable}=${value}: decimal integers only`, async () => {
      const run = await runToExit({ ...base, [variable]: value });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`${variable}: expected a whole number in decimal digits`);
      expect(run.stdout).not.toContain("listening");
    });

  const secret = "s3cret-value-that-must-not-leak";
  for (const [variable, value, extra] of [
    ["ADMIN_TOKEN", `${secret} `, {}],
    ["METRICS_TOKEN", `${secret}\n`, {}],
    ["ADMIN_TOKEN", `\t${secret}`, {}],
    ["DOKPLOY_API_TOKEN", `${secret} x`, { DOKPLOY_URL: "http://127.0.0.1:9" }],
  ] as const)
    test(`${variable} with whitespace (${JSON.stringify(value.replace(secret, "…"))}): refused, value never printed`, async () => {
      const run = await runToExit({ ...base, ...extra, [variable]: value });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`${variable}: must not contain whitespace`);
      expect(run.stderr + run.stdout).not.toContain(secret);
    });

  test("a plain decimal PORT with spaces around it still works", async () => {
    const portal = await spawnPortal({ ...base, PORT: " 0 " });
    try {
      expect((await fetch(`${portal.url}/health`)).status).toBe(200);
    } finally {
      await portal.kill("SIGTERM");
    }
  });
});

describe("the embedded sandbox's warning", () => {
  test("says that /__sandbox/state is unauthenticated and shows stack passwords, and it does", async () => {
    const portal = await spawnPortal(base);
    try {
      const warning = portal
        .output()
        .split("\n")
        .map((l) => (l.startsWith("{") ? JSON.parse(l) : null))
        .find((l) => l?.msg?.includes("embedded sandbox"));
      expect(warning.level).toBe("warn");
      expect(warning.msg).toContain("/__sandbox/state has no authentication");
      expect(warning.msg).toContain("password");
      expect(warning.unauthenticated).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/__sandbox\/state$/);
      // The warning is true: a deploy's password is right there, with no credentials asked.
      const res = await fetch(`${portal.url}/api/deploy`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "warned" }),
      });
      const { credentials } = (await res.json()) as any;
      let state = "";
      for (let i = 0; i < 100 && !state.includes(credentials.password); i++) {
        await Bun.sleep(50);
        state = await (await fetch(warning.unauthenticated)).text();
      }
      expect(state).toContain(credentials.password);
    } finally {
      await portal.kill("SIGTERM");
    }
  });
});
