import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { Glob } from "bun";

/** The dependency directions the house is built on (src/stacks/README.md). */

const importsOf = (folder: string) =>
  [...new Glob(`${folder}/**/*.ts`).scanSync(".")].flatMap((file) =>
    [...readFileSync(file, "utf8").matchAll(/^(?:import|export)[^;]*?from "([^"]+)"/gms)].map((m) => ({ file, from: m[1]! })),
  );

describe("layers", () => {
  test("the domain, the store, sign-in and the Dokploy client never import the HTTP layer", () => {
    const offending = ["src/stacks", "src/store", "src/auth", "src/dokploy"].flatMap(importsOf).filter((i) => /\/http\//.test(i.from));
    expect(offending).toEqual([]);
  });

  test("routes call the domain, never the store", () => {
    const offending = importsOf("src/http").filter((i) => /\/store\/index\.ts$/.test(i.from));
    expect(offending).toEqual([]);
  });
});
