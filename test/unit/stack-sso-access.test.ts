import { expect, test } from "bun:test";
import type { Stack } from "../../src/stacks/model/vocabulary.ts";
import type { Person } from "../../src/stacks/owners/person.ts";
import type { Ports } from "../../src/stacks/runs/ports.ts";
import { StackSso, wantedMiddlewares } from "../../src/stacks/sso/stack-sso.ts";

const person = (subject: string, admin = false): Person => ({
  issuer: "https://id",
  subject,
  name: null,
  email: null,
  username: null,
  groups: [],
  admin,
});
const stack = { owner: { issuer: "https://id", subject: "alice", name: null, email: null } } as Stack;
const orphan = { owner: null } as unknown as Stack;
const sso = (admins: boolean) => new StackSso({} as Ports, { on: true, address: "http://p/auth/stack", admins });

test("who may open a stack through the gate: its owner; admins only with STACK_SSO_ADMINS", () => {
  expect(sso(false).mayOpen(stack, person("alice"))).toBe(true);
  expect(sso(false).mayOpen(stack, person("bob"))).toBe(false);
  expect(sso(false).mayOpen(stack, { ...person("alice"), issuer: "https://other" })).toBe(false);
  expect(sso(false).mayOpen(stack, person("carol", true))).toBe(false);
  expect(sso(true).mayOpen(stack, person("carol", true))).toBe(true);
  // A stack made before sign-in (no owner) opens for nobody but admins; its owner claims it first.
  expect(sso(false).mayOpen(orphan, person("alice"))).toBe(false);
  expect(sso(true).mayOpen(orphan, person("carol", true))).toBe(true);
});

test("a domain's middlewares: the gate first, an admin's own kept, in order", () => {
  expect(wantedMiddlewares(null, true)).toEqual(["ai-stack-sso"]);
  expect(wantedMiddlewares(["office-only"], true)).toEqual(["ai-stack-sso", "office-only"]);
  expect(wantedMiddlewares(["ai-stack-sso", "office-only"], true)).toEqual(["ai-stack-sso", "office-only"]);
  expect(wantedMiddlewares(["office-only", "ai-stack-sso@file"], false)).toEqual(["office-only"]);
  expect(wantedMiddlewares([], false)).toEqual([]);
});
