import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { statSync } from "node:fs";
import { join } from "node:path";
import { type Harness, deploy, readEvents, startHarness } from "../support/harness.ts";

/** Idempotency keys are bearer secrets: unguessable, stored privately, and dead with their stack. */

describe("idempotency keys", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.stop());

  test("a guessable key is refused with 400 and a message that says what is needed", async () => {
    for (const key of [
      "key-00000001",
      "key-0123456789-abcdef",
      "a".repeat(40),
      "00000000-0000-4000-8000-000000000000",
      // A UUID v1 carries a clock and a MAC address, not randomness.
      "6ba7b810-9dad-11d1-80b4-00c04fd430c8",
      `${randomBytes(16).toString("base64url")}!`,
    ]) {
      const res = await deploy(h, "idem-weak", { "idempotency-key": key });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("invalid_idempotency_key");
      expect(res.body.error.message).toContain("128");
      expect(res.body.error.message).toContain("UUID v4");
    }
    expect(h.portal.store.stacks.latest("idem-weak")).toBeNull();
  });

  test("a UUID v4 or 22+ random base64url characters is accepted", async () => {
    for (const [name, key] of [
      ["idem-uuid", crypto.randomUUID()],
      ["idem-b64", randomBytes(16).toString("base64url")],
    ] as const) {
      expect(key.length).toBeGreaterThanOrEqual(22);
      const res = await deploy(h, name, { "idempotency-key": key });
      expect(res.status).toBe(202);
      await readEvents(`${h.url}${res.body.eventsUrl}`);
    }
  });

  test("after the stack is deleted, a replay answers 410 stack_deleted without the old secrets", async () => {
    const key = crypto.randomUUID();
    const first = await deploy(h, "idem-gone", { "idempotency-key": key });
    expect(first.status).toBe(202);
    await readEvents(`${h.url}${first.body.eventsUrl}`);
    expect((await deploy(h, "idem-gone", { "idempotency-key": key })).status).toBe(202);
    const del = await fetch(`${h.url}/api/stack/idem-gone`, { method: "DELETE", headers: { authorization: `Bearer ${first.body.managementToken}` } });
    expect(del.status).toBe(202);
    const replay = await deploy(h, "idem-gone", { "idempotency-key": key });
    expect(replay.status).toBe(410);
    expect(replay.body.error.code).toBe("stack_deleted");
    expect(JSON.stringify(replay.body)).not.toContain(first.body.managementToken);
    expect(JSON.stringify(replay.body)).not.toContain(first.body.credentials.password);
    await readEvents(`${h.url}${(await del.json()).eventsUrl}`);
    expect((await deploy(h, "idem-gone", { "idempotency-key": key })).status).toBe(410);
  });

  test("the database file (and its WAL) is readable by the portal's user only", async () => {
    for (const file of ["portal.sqlite", "portal.sqlite-wal"]) expect(statSync(join(h.dataDir, file)).mode & 0o777).toBe(0o600);
  });
});
