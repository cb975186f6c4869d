import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ADMIN_TOKEN, type Harness, startHarness } from "../support/harness.ts";

/** GET /api/stacks pages like the audit log instead of stopping at 1,000 rows. */

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
const get = async (h: Harness, path: string) => {
  const res = await fetch(`${h.url}${path}`, { headers: admin });
  return { status: res.status, body: (await res.json()) as any };
};

describe("the stack list, paged", () => {
  let h: Harness;
  const TOTAL = 1234;
  const LIVE = 7;
  beforeAll(async () => {
    h = await startHarness();
    // History as a busy portal collects it: many deleted stacks, a few live ones.
    const at = new Date().toISOString();
    h.portal.store.transaction(() => {
      for (let i = 0; i < TOTAL; i++) {
        const stack = h.portal.store.stacks.insert(`s${i}`, `https://s${i}.stacks.test`, "00", at)!;
        if (i >= LIVE) h.portal.store.stacks.setStatus(stack.id, "deleted", at);
      }
    });
  });
  afterAll(() => h.stop());

  test("?all=true: every stack over several pages, newest first, each once", async () => {
    const seen: string[] = [];
    let path: string | null = "/api/stacks?all=true";
    let pages = 0;
    while (path) {
      const page = await get(h, path);
      expect(page.status).toBe(200);
      expect(page.body.stacks.length).toBeLessThanOrEqual(1000);
      seen.push(...page.body.stacks.map((s: any) => s.name));
      path = page.body.next;
      pages++;
    }
    expect(pages).toBe(2);
    expect(seen).toHaveLength(TOTAL);
    expect(new Set(seen).size).toBe(TOTAL);
    expect(seen[0]).toBe(`s${TOTAL - 1}`);
    expect(seen.at(-1)).toBe("s0");
  });

  test("limit and before: small pages, the next link keeps all=true", async () => {
    const first = await get(h, "/api/stacks?all=true&limit=5");
    expect(first.body.stacks.map((s: any) => s.name)).toEqual(["s1233", "s1232", "s1231", "s1230", "s1229"]);
    expect(first.body.next).toBe(`/api/stacks?all=true&limit=5&before=${first.body.stacks[4].id}`);
    const second = await get(h, first.body.next);
    expect(second.body.stacks.map((s: any) => s.name)).toEqual(["s1228", "s1227", "s1226", "s1225", "s1224"]);
  });

  test("live stacks only (the default): the last page has no next link", async () => {
    const page = await get(h, "/api/stacks?limit=5");
    expect(page.body.stacks).toHaveLength(5);
    const rest = await get(h, page.body.next);
    expect(rest.body.stacks.map((s: any) => s.name)).toEqual(["s1", "s0"]);
    expect(rest.body.next).toBeNull();
    const exact = await get(h, `/api/stacks?limit=${LIVE}`);
    expect(exact.body.stacks).toHaveLength(LIVE);
    expect(exact.body.next).toBeNull();
  });

  test("a bad limit or before: 400 invalid_request", async () => {
    for (const query of ["limit=0", "limit=1001", "limit=abc", "limit=0x10", "before=-1", "before=x", "limit=5.5"]) {
      const res = await get(h, `/api/stacks?${query}`);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("invalid_request");
    }
  });
});
