import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Person } from "../../src/stacks/owners/person.ts";
import type { Ports } from "../../src/stacks/runs/ports.ts";
import { StackSso, wantedMiddlewares } from "../../src/stacks/sso/stack-sso.ts";
import { Store } from "../../src/store/index.ts";

const dir = mkdtempSync(join(tmpdir(), "sso-access-"));
const store = Store.open(dir);
afterAll(() => {
  store.db.close();
  rmSync(dir, { recursive: true, force: true });
});

const AT = "2030-01-01T00:00:00.000Z";
const person = (subject: string, admin = false, more: Partial<Person> = {}): Person => ({
  issuer: "https://id",
  subject,
  name: null,
  email: null,
  username: null,
  groups: [],
  admin,
  ...more,
});
const made = (name: string, owner: string | null) => {
  const s = store.stacks.insert(name, `https://${name}.stacks.test`, "hash", AT)!;
  if (owner) store.owners.claim(s.id, { issuer: "https://id", subject: owner, name: null, email: null }, AT);
  return store.stacks.byId(s.id)!;
};
const stack = made("alice-one", "alice");
const orphan = made("orphan-one", null);
const sso = (admins: boolean) => new StackSso({ store } as unknown as Ports, { on: true, address: "http://p/auth/stack", admins });

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

test("and whoever it is shared with: an address in any case, a group with or without Keycloak's leading slash", () => {
  const bob = person("bob", false, { email: "Bob@Example.org", groups: ["/eng/platform"] });
  expect(sso(false).mayOpen(stack, bob)).toBe(false);
  const byMail = store.shares.put(stack.id, "email", "bob@example.org", "user", AT).share;
  expect(sso(false).mayOpen(stack, bob)).toBe(true);
  store.shares.remove(stack.id, byMail.id);
  expect(sso(false).mayOpen(stack, bob)).toBe(false);
  store.shares.put(stack.id, "group", "eng/platform", "manager", AT);
  expect(sso(false).mayOpen(stack, bob)).toBe(true);
  expect(store.shares.roleOf(stack.id, { email: null, groups: ["eng/platform", "other"] })).toBe("manager");
  // A share of one stack opens no other.
  expect(sso(false).mayOpen(orphan, bob)).toBe(false);
  // Without an address (the provider said it is unverified), an address share does not match.
  store.shares.put(stack.id, "email", "dave@example.org", "user", AT);
  expect(sso(false).mayOpen(stack, person("dave", false, { email: null }))).toBe(false);
});

test("the strongest role wins where an address and a group both match", () => {
  const s = made("shared-twice", "alice");
  store.shares.put(s.id, "email", "erin@example.org", "user", AT);
  store.shares.put(s.id, "group", "staff", "manager", AT);
  expect(store.shares.roleOf(s.id, { email: "erin@example.org", groups: [] })).toBe("user");
  expect(store.shares.roleOf(s.id, { email: "erin@example.org", groups: ["staff"] })).toBe("manager");
  expect(store.shares.liveStacksSharedWith({ email: "erin@example.org", groups: ["staff"] }).map((x) => `${x.stack.name}:${x.role}`)).toEqual([
    "shared-twice:manager",
  ]);
});

test("a domain's middlewares: the gate first, an admin's own kept, in order", () => {
  expect(wantedMiddlewares(null, true)).toEqual(["ai-stack-sso"]);
  expect(wantedMiddlewares(["office-only"], true)).toEqual(["ai-stack-sso", "office-only"]);
  expect(wantedMiddlewares(["ai-stack-sso", "office-only"], true)).toEqual(["ai-stack-sso", "office-only"]);
  expect(wantedMiddlewares(["office-only", "ai-stack-sso@file"], false)).toEqual(["office-only"]);
  expect(wantedMiddlewares([], false)).toEqual([]);
});
