import { describe, expect, test } from "bun:test";
import { ConfigError, loadConfig } from "../../src/config.ts";

const errorOf = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error("expected a ConfigError");
};

describe("configuration", () => {
  test("defaults match the deployment strategy", () => {
    const c = loadConfig({});
    expect(c.PORT).toBe(3000);
    expect(c.HOST).toBe("0.0.0.0");
    expect(c.STACK_DOMAIN_SUFFIX).toBe("ai.flexinit.nl");
    expect(c.STACK_IMAGE).toBe("git.app.flexinit.nl/oussamadouhou/oh-my-opencode-free:latest");
    expect(c.RESERVED_NAMES).toEqual(["admin", "api", "www", "root", "system", "test", "demo", "portal", "deploy"]);
    expect(c.STACK_PORT).toBe(8080);
    expect(c.STACK_MOUNTS).toEqual([
      { key: "workspace", mountPath: "/workspace" },
      { key: "data", mountPath: "/home/bun/.local/share/opencode" },
    ]);
    expect([c.STACK_MEMORY_LIMIT, c.STACK_MEMORY_RESERVATION, c.STACK_CPU_LIMIT, c.STACK_CPU_RESERVATION]).toEqual([
      4 * 1024 ** 3,
      512 * 1024 ** 2,
      2_000_000_000,
      null,
    ]);
    expect(c.STACK_CERTIFICATE_TYPE).toBe("letsencrypt");
    expect(c.NAME_QUARANTINE_DAYS).toBe(30);
    expect(c.DOKPLOY_URL).toBeUndefined();
  });

  test("durations accept units", () => {
    const c = loadConfig({ DEPLOY_TIMEOUT: "90s", HEALTH_TIMEOUT: "2m", POLL_INTERVAL: "250ms", DOKPLOY_TIMEOUT: "1500" });
    expect(c.DEPLOY_TIMEOUT).toBe(90_000);
    expect(c.HEALTH_TIMEOUT).toBe(120_000);
    expect(c.POLL_INTERVAL).toBe(250);
    expect(c.DOKPLOY_TIMEOUT).toBe(1500);
  });

  test("retention: a week of history, a year of audit, in days; 0 keeps them for ever", () => {
    const defaults = loadConfig({});
    expect([defaults.HISTORY_RETENTION, defaults.AUDIT_RETENTION, defaults.RETENTION_INTERVAL]).toEqual([
      7 * 86_400_000,
      365 * 86_400_000,
      3_600_000,
    ]);
    const c = loadConfig({ HISTORY_RETENTION: "30d", AUDIT_RETENTION: "0" });
    expect([c.HISTORY_RETENTION, c.AUDIT_RETENTION]).toEqual([30 * 86_400_000, 0]);
  });

  test("several mounts, reserved names lowercased, trailing slash of the URL dropped", () => {
    const c = loadConfig({
      STACK_MOUNTS: "workspace:/workspace, opencode-data:/home/bun/.local/share/opencode",
      RESERVED_NAMES: "Admin, API",
      DOKPLOY_URL: "http://127.0.0.1:3000/",
      DOKPLOY_API_TOKEN: "k",
    });
    expect(c.STACK_MOUNTS).toEqual([
      { key: "workspace", mountPath: "/workspace" },
      { key: "opencode-data", mountPath: "/home/bun/.local/share/opencode" },
    ]);
    expect(c.RESERVED_NAMES).toEqual(["admin", "api"]);
    expect(c.DOKPLOY_URL).toBe("http://127.0.0.1:3000");
  });

  test("an invalid value names the variable and what is expected", () => {
    const err = errorOf({ PORT: "eighty", STACK_CERTIFICATE_TYPE: "acme", DEPLOY_TIMEOUT: "soon", STACK_MOUNTS: "workspace" });
    const text = err.message;
    expect(text).toContain("PORT: expected a whole number");
    expect(text).toContain("STACK_CERTIFICATE_TYPE");
    expect(text).toContain("letsencrypt");
    expect(text).toContain("DEPLOY_TIMEOUT: expected a duration");
    expect(text).toContain("STACK_MOUNTS: expected comma-separated key:/absolute/path");
  });

  test("resource limits take human units and become bytes and nano-CPUs", () => {
    const c = loadConfig({ STACK_MEMORY_LIMIT: "1.5g", STACK_MEMORY_RESERVATION: "256MiB", STACK_CPU_LIMIT: "0.5", STACK_CPU_RESERVATION: "0.25" });
    expect([c.STACK_MEMORY_LIMIT, c.STACK_MEMORY_RESERVATION, c.STACK_CPU_LIMIT, c.STACK_CPU_RESERVATION]).toEqual([
      1.5 * 1024 ** 3,
      256 * 1024 ** 2,
      500_000_000,
      250_000_000,
    ]);
    const none = loadConfig({ STACK_MEMORY_LIMIT: "none", STACK_MEMORY_RESERVATION: "0", STACK_CPU_LIMIT: "none" });
    expect([none.STACK_MEMORY_LIMIT, none.STACK_MEMORY_RESERVATION, none.STACK_CPU_LIMIT]).toEqual([null, null, null]);
    expect(loadConfig({ STACK_MEMORY_LIMIT: "2147483648" }).STACK_MEMORY_LIMIT).toBe(2 * 1024 ** 3);
  });

  test("bad resource limits are refused at start", () => {
    const err = errorOf({ STACK_MEMORY_LIMIT: "lots", STACK_CPU_LIMIT: "-1", STACK_MEMORY_RESERVATION: "1k" });
    expect(err.message).toContain("STACK_MEMORY_LIMIT: expected a memory size");
    expect(err.message).toContain("STACK_CPU_LIMIT: expected a number of CPUs");
    expect(err.message).toContain("STACK_MEMORY_RESERVATION: expected a memory size");
    const over = errorOf({ STACK_MEMORY_LIMIT: "1g", STACK_MEMORY_RESERVATION: "2g", STACK_CPU_LIMIT: "1", STACK_CPU_RESERVATION: "2" });
    expect(over.problems).toContain("STACK_MEMORY_RESERVATION: cannot be more than STACK_MEMORY_LIMIT");
    expect(over.problems).toContain("STACK_CPU_RESERVATION: cannot be more than STACK_CPU_LIMIT");
  });

  test("production needs Dokploy's URL and token", () => {
    const err = errorOf({ NODE_ENV: "production" });
    expect(err.problems).toContain("DOKPLOY_URL: is required when NODE_ENV=production");
    expect(err.problems).toContain("DOKPLOY_API_TOKEN: is required when NODE_ENV=production");
  });

  test("secret values never appear in the error", () => {
    const secret = "s3cr3t-value-that-must-not-leak";
    const err = errorOf({
      DOKPLOY_URL: `not a url ${secret}`,
      ADMIN_TOKEN: "short",
      STACK_REGISTRY_PASSWORD: secret,
      DOKPLOY_API_TOKEN: secret,
    });
    expect(err.message).not.toContain(secret);
    expect(err.message).not.toContain("short");
    expect(err.message).toContain("ADMIN_TOKEN: expected at least 16 characters");
    expect(err.message).toContain("STACK_REGISTRY_USERNAME: and STACK_REGISTRY_PASSWORD must be set together");
  });

  test("a custom certificate type needs a resolver", () => {
    expect(errorOf({ STACK_CERTIFICATE_TYPE: "custom" }).problems).toContain("STACK_CERT_RESOLVER: is required when STACK_CERTIFICATE_TYPE=custom");
    expect(loadConfig({ STACK_CERTIFICATE_TYPE: "custom", STACK_CERT_RESOLVER: "wildcard" }).STACK_CERT_RESOLVER).toBe("wildcard");
  });

  test("STACK_IMAGE must be an image reference", () => {
    expect(loadConfig({ STACK_IMAGE: "registry.example.com:5000/team/stack:v2" }).STACK_IMAGE).toBe("registry.example.com:5000/team/stack:v2");
    const [problem] = errorOf({ STACK_IMAGE: "evil.example/x:1;touch${IFS}pwned" }).problems;
    expect(problem).toStartWith("STACK_IMAGE: the tag must be");
    expect(problem).toContain("[registry-host[:port]/]path[:tag][@digest]");
    expect(errorOf({ STACK_IMAGE: "stack:latest --privileged" }).problems[0]).toStartWith("STACK_IMAGE: an image reference has no spaces");
  });

  test("the process refuses to start on a bad variable, without printing secrets", () => {
    const run = Bun.spawnSync(["./node_modules/.bin/bun", "src/main.ts"], {
      env: { PATH: process.env.PATH ?? "", NODE_ENV: "production", DOKPLOY_API_TOKEN: "tok-do-not-print" },
      stdout: "pipe",
      stderr: "pipe",
    });
    expect(run.exitCode).toBe(2);
    const out = run.stdout.toString() + run.stderr.toString();
    expect(out).toContain("DOKPLOY_URL: is required when NODE_ENV=production");
    expect(out).not.toContain("tok-do-not-print");
  });
});
