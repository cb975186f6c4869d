import { describe, expect, test } from "bun:test";
import { Rng } from "../../bench/lib/rng.ts";

/** The soak's generator: its choices must repeat for a seed (npm run soak -- --seed S). */
describe("bench Rng", () => {
  test("the same seed gives the same sequence, forks included; another seed does not", () => {
    const draw = (seed: number) => {
      const r = new Rng(seed);
      const child = r.fork();
      return [r.int(0, 1000), r.pick(["a", "b", "c", "d"]), r.uuid(), child.next(), child.int(5, 9)];
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
  });

  test("ranges are inclusive and stay inside; uuids are version 4", () => {
    const r = new Rng(1);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const n = r.int(3, 6);
      expect(n).toBeGreaterThanOrEqual(3);
      expect(n).toBeLessThanOrEqual(6);
      seen.add(n);
      const x = r.next();
      expect(x >= 0 && x < 1).toBe(true);
    }
    expect([...seen].sort()).toEqual([3, 4, 5, 6]);
    for (let i = 0; i < 50; i++) expect(r.uuid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(() => r.pick([])).toThrow();
  });
});
