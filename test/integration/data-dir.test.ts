import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runToExit } from "../support/exit.ts";
import { FAST_ENV, type Harness, startHarness } from "../support/harness.ts";
import { spawnPortal } from "../support/process.ts";
import { canBreakOpenFiles, makeUnwritable } from "../support/unwritable.ts";

/** DATA_DIR problems at start: one line, exit code 2, nothing else started; /health writes. */

const root = mkdtempSync(join(tmpdir(), "portal-datadir-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// No DOKPLOY_URL: the embedded sandbox, which must not start when the store cannot open.
const envFor = (dataDir: string) => ({ ...FAST_ENV, DATA_DIR: dataDir, RATE_LIMIT_DEPLOY: "off" });

async function refused(dataDir: string) {
  const run = await runToExit(envFor(dataDir));
  expect(run.code).toBe(2);
  const line = run.stderr.trim();
  expect(line.split("\n")).toHaveLength(1);
  expect(line).toContain(`DATA_DIR=${JSON.stringify(dataDir)}`);
  expect(line).not.toMatch(/\n\s+at /);
  // The sandbox (and its warning line) never started.
  expect(run.stdout).not.toContain("sandbox");
  return line;
}

describe("DATA_DIR at start", () => {
  test("a file where DATA_DIR should be: EEXIST, one line, exit 2", async () => {
    const file = join(root, "a-file");
    writeFileSync(file, "not a directory");
    expect(await refused(file)).toMatch(/is not a directory .*EEXIST.*point DATA_DIR at a directory/);
  });

  test("a file on the way to DATA_DIR: ENOTDIR", async () => {
    const file = join(root, "a-parent-file");
    writeFileSync(file, "");
    expect(await refused(join(file, "data"))).toMatch(/is not a directory .*ENOTDIR/);
  });

  test("a portal.sqlite that is no database: SQLITE_NOTADB, restore from a backup", async () => {
    const dir = join(root, "corrupt");
    mkdirSync(dir);
    writeFileSync(join(dir, "portal.sqlite"), Buffer.alloc(8192, 0x5a));
    expect(await refused(dir)).toMatch(/SQLITE_NOTADB.*restore it from a backup/);
  });

  test("no permission to create DATA_DIR: refused, naming it", async () => {
    const parent = join(root, "locked-parent");
    mkdirSync(parent);
    const restore = makeUnwritable(parent);
    try {
      expect(await refused(join(parent, "data"))).toMatch(/is not writable by this process .*(EACCES|EPERM)/);
    } finally {
      restore();
    }
  });

  /** A data directory a portal was killed in: portal.sqlite, -wal and -shm are there. */
  async function usedDataDir(name: string): Promise<string> {
    const dir = join(root, name);
    const first = await spawnPortal(envFor(dir));
    await first.kill("SIGKILL");
    return dir;
  }

  test("a read-only DATA_DIR with a database in it: refused instead of a healthy portal that cannot deploy", async () => {
    const dir = await usedDataDir("read-only");
    const restore = makeUnwritable(dir, join(dir, "portal.sqlite"), join(dir, "portal.sqlite-wal"));
    try {
      expect(await refused(dir)).toMatch(/is not writable by this process/);
    } finally {
      restore();
    }
  });

  test("a writable DATA_DIR with a read-only portal.sqlite: refused too (SQLite would open it read-only)", async () => {
    const dir = await usedDataDir("read-only-file");
    const restore = makeUnwritable(join(dir, "portal.sqlite"), join(dir, "portal.sqlite-wal"));
    try {
      // Opening the file for its mode check already fails (EPERM as root, EACCES otherwise).
      expect(await refused(dir)).toMatch(/is not writable by this process .*\((EPERM|EACCES|SQLITE_READONLY)\)/);
    } finally {
      restore();
    }
  });
});

describe("a database locked by another process at start", () => {
  for (const kind of ["read", "exclusive"] as const) {
    test(`a ${kind} lock held for 1.5 s: the portal waits and starts`, async () => {
      const dir = join(root, `locked-${kind}`);
      mkdirSync(dir);
      const holder = Bun.spawn(["./node_modules/.bin/bun", "test/support/hold-lock.ts", join(dir, "portal.sqlite"), kind, "1500"], {
        stdout: "pipe",
        stderr: "inherit",
      });
      const reader = holder.stdout.getReader();
      expect(new TextDecoder().decode((await reader.read()).value)).toContain("locked");
      const started = Date.now();
      const portal = await spawnPortal(envFor(dir));
      try {
        expect(await holder.exited).toBe(0);
        const health = (await (await fetch(`${portal.url}/health`)).json()) as any;
        expect(health.checks.database.status).toBe("up");
        // It did wait for the lock (the holder began before the portal did).
        expect(Date.now() - started).toBeGreaterThan(500);
      } finally {
        await portal.kill("SIGTERM");
      }
    });
  }
});

describe("/health's database check writes", () => {
  let h: Harness;
  afterAll(() => h?.stop());

  test.skipIf(!canBreakOpenFiles)("a database that stops taking writes makes /health unhealthy, and healthy again after", async () => {
    h = await startHarness();
    expect((await fetch(`${h.url}/health`)).status).toBe(200);
    const files = [join(h.dataDir, "portal.sqlite"), join(h.dataDir, "portal.sqlite-wal")];
    const restore = makeUnwritable(...files);
    try {
      const res = await fetch(`${h.url}/health`);
      expect(res.status).toBe(503);
      const body = (await res.json()) as any;
      expect(body.status).toBe("unhealthy");
      expect(body.checks.database.status).toBe("down");
    } finally {
      restore();
    }
    const again = (await (await fetch(`${h.url}/health`)).json()) as any;
    expect(again.checks.database.status).toBe("up");
  });
});
