import { afterAll, afterEach, beforeAll, describe, expect, setSystemTime, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DokployClient } from "../../src/dokploy/client.ts";
import { createLogger } from "../../src/log.ts";
import { AvailabilityIndex } from "../../src/stacks/deploy/availability.ts";
import { Store } from "../../src/store/index.ts";

/**
 * A name's quarantine runs from the delete's instant for NAME_QUARANTINE_DAYS and ends at
 * that instant plus the days: with 0 days it ends at the delete's own instant, so a deploy in
 * the same millisecond as the delete finishing finds the name free. The clock is frozen, so
 * the boundary is hit every time rather than in the odd run where it happens to.
 */

const DAY = 86_400_000;
const T = Date.parse("2030-01-01T12:00:00.000Z");
let dir: string;
let store: Store;

/** No Dokploy projects: only the store's quarantine decides. */
const client = { projectAll: async () => [] } as unknown as DokployClient;
const index = (quarantineDays: number) =>
  new AvailabilityIndex(
    store,
    client,
    { prefix: "portal-ai", suffix: "stacks.test", reserved: [], quarantineDays, cacheTtlMs: 60_000 },
    createLogger({ level: "silent", secrets: [], destination: { write: () => undefined } }),
  );

/** A stack of that name deleted at `deletedAt`. */
function deletedAt(name: string, deletedAt: number): void {
  const at = new Date(deletedAt).toISOString();
  const stack = store.stacks.insert(name, `https://${name}.stacks.test`, "hash", at)!;
  store.stacks.setStatus(stack.id, "deleted", at);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "name-quarantine-"));
  store = Store.open(dir);
});
afterEach(() => setSystemTime());
afterAll(() => {
  store.db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("the name quarantine's end", () => {
  test("0 days: free in the very millisecond the delete finished", async () => {
    deletedAt("zeroday", T);
    setSystemTime(T);
    expect((await index(0).check("zeroday")).reason).toBeNull();
  });

  test("1 day: held until the last millisecond, free at exactly one day after the delete", async () => {
    deletedAt("oneday", T);
    setSystemTime(T + DAY - 1);
    expect((await index(1).check("oneday")).reason).toBe("recently_deleted");
    setSystemTime(T + DAY);
    expect((await index(1).check("oneday")).reason).toBeNull();
  });
});
