import { expect, test } from "bun:test";
import { ConfigError, loadConfig } from "../../src/config.ts";

const OIDC = {
  AUTH_MODE: "oidc",
  PUBLIC_URL: "https://portal.example",
  OIDC_ISSUER: "https://id.example",
  OIDC_CLIENT_ID: "portal",
  OIDC_CLIENT_SECRET: "secret",
};

const message = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  return "";
};

test("STACK_SSO is off by default, needs AUTH_MODE=oidc and an address when on", () => {
  const c = loadConfig({});
  expect([c.STACK_SSO, c.STACK_SSO_ADDRESS, c.STACK_SSO_ADMINS]).toEqual(["off", undefined, "off"]);
  expect(message({ STACK_SSO: "on", STACK_SSO_ADDRESS: "http://portal:3000/auth/stack" })).toContain("STACK_SSO: needs AUTH_MODE=oidc");
  expect(message({ ...OIDC, STACK_SSO: "on" })).toContain("STACK_SSO_ADDRESS: is required when STACK_SSO=on");
  expect(message({ ...OIDC, STACK_SSO: "yes" })).toContain("STACK_SSO");
  expect(message({ ...OIDC, STACK_SSO: "on", STACK_SSO_ADDRESS: "portal:3000" })).toContain("STACK_SSO_ADDRESS");
  const on = loadConfig({ ...OIDC, STACK_SSO: "on", STACK_SSO_ADDRESS: "http://portal:3000/auth/stack", STACK_SSO_ADMINS: "on" });
  expect([on.STACK_SSO, on.STACK_SSO_ADDRESS, on.STACK_SSO_ADMINS]).toEqual(["on", "http://portal:3000/auth/stack", "on"]);
});
