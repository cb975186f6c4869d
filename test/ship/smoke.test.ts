// scripts/smoke.ts run as a subprocess against a real portal (startHarness: the portal on a
// loopback port, talking HTTP to a sandbox Dokploy) and against a dead address.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ADMIN_TOKEN, type Harness, startHarness } from "../support/harness.ts";
import { deadPort, runScript, startScript } from "./helpers.ts";

const lines = (stdout: string, verdict: "PASS" | "FAIL" | "SKIP") => stdout.split("\n").filter((line) => line.startsWith(verdict));

describe("smoke against a running portal", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.stop());

  test("the basic checks pass: health (which state), name check, page", async () => {
    const run = await runScript("smoke.ts", [h.url], {});
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const pass = lines(run.stdout, "PASS");
    expect(pass).toHaveLength(3);
    expect(pass[0]).toMatch(/^PASS {2}health .* healthy \(version /);
    expect(pass[1]).toMatch(/^PASS {2}name check .* smoke-[a-z0-9]{8} is valid and available$/);
    expect(pass[2]).toContain('title "AI Stack Deployer"');
    // Each check shows its time.
    for (const line of pass) expect(line).toMatch(/\d+(\.\d)? m?s /);
    expect(lines(run.stdout, "FAIL")).toEqual([]);
    expect(run.stdout).toContain("3 passed, 0 failed");
  });

  test("--full deploys a throwaway stack to ready and deletes it, printing no secret", async () => {
    const passwords = new Set<string>();
    const running = startScript("smoke.ts", [h.url, "--full", "--token", ADMIN_TOKEN], {});
    // Collect the stack's password from the sandbox while it exists, to prove it is not printed.
    const watching = (async () => {
      while (running.proc.exitCode === null) {
        for (const service of h.sandbox.state().services) {
          const password = service.env.OPENCODE_SERVER_PASSWORD;
          if (password) passwords.add(password);
        }
        await Bun.sleep(5);
      }
    })();
    const run = await running.result;
    await watching;
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const pass = lines(run.stdout, "PASS");
    expect(pass.map((l) => l.split(/\s+/)[1])).toEqual(["health", "name", "page", "deploy", "admin", "delete"]);
    const name = /PASS {2}deploy .* (smoke-[a-z0-9]{8}) ready at https:\/\/smoke-[a-z0-9]{8}\.stacks\.test/.exec(run.stdout)?.[1];
    expect(name).toBeDefined();
    expect(run.stdout).toContain(`${name} deleted (with its management token)`);
    expect(run.stdout).toContain("6 passed, 0 failed");

    expect(passwords.size).toBe(1);
    for (const password of passwords) expect(run.output).not.toContain(password);
    expect(run.output).not.toContain(ADMIN_TOKEN);
    expect(run.output).not.toMatch(/managementToken|"password"/);

    // Really gone: the portal says deleted and the sandbox holds no project of it.
    const status = (await (await fetch(`${h.url}/api/stacks/${name}`)).json()) as { status: string };
    expect(status.status).toBe("deleted");
    expect(h.sandbox.state().projects.filter((p) => p.name.includes(name!))).toEqual([]);
  });

  test("a failed deploy is reported as FAIL with its error code", async () => {
    await fetch(`${h.sandboxUrl}/__sandbox/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ kind: "deploy_error", match: "smoke-", times: 1 }),
    });
    const run = await runScript("smoke.ts", [h.url, "--full"], {});
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/FAIL {2}deploy .* smoke-[a-z0-9]{8} failed: deploy_failed/);
    expect(run.stdout).toMatch(/SKIP {2}delete .* rolled it back/);
    expect(run.stdout).toContain("3 passed, 1 failed");
  });
});

test("a portal whose Dokploy is failing passes as degraded, and says so", async () => {
  const h = await startHarness();
  try {
    await fetch(`${h.sandboxUrl}/__sandbox/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ procedure: "*", kind: "status", status: 503 }),
    });
    const run = await runScript("smoke.ts", [h.url], {});
    expect(run.stdout).toMatch(/PASS {2}health .* degraded: the portal works but Dokploy is /);
  } finally {
    await fetch(`${h.sandboxUrl}/__sandbox/faults`, { method: "DELETE" });
    await h.stop();
  }
});

test("a dead address fails every check quickly and exits 1", async () => {
  const started = performance.now();
  const run = await runScript("smoke.ts", [`http://127.0.0.1:${deadPort()}`, "--full"], {});
  expect(run.code).toBe(1);
  const fail = lines(run.stdout, "FAIL");
  expect(fail.map((l) => l.split(/\s+/)[1])).toEqual(["health", "name", "page", "deploy"]);
  for (const line of fail) expect(line).toMatch(/ECONNREFUSED|Unable to connect|refused/i);
  expect(run.stdout).toMatch(/SKIP {2}delete .* nothing was deployed/);
  expect(run.stdout).toContain("0 passed, 4 failed");
  expect(performance.now() - started).toBeLessThan(5_000);
});

test("wrong arguments exit 2", async () => {
  for (const args of [[], ["not a url"], ["ftp://example.test"], ["http://a.test", "http://b.test"], ["http://a.test", "--timeout", "soon"]]) {
    const run = await runScript("smoke.ts", args, {});
    expect({ args, code: run.code }).toEqual({ args, code: 2 });
    expect(run.stderr).toContain("smoke:");
  }
  const help = await runScript("smoke.ts", ["--help"], {});
  expect(help.code).toBe(0);
  expect(help.stdout).toContain("--full");
});
