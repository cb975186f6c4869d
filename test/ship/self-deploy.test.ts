// scripts/self-deploy.ts run as a subprocess against a real sandbox Dokploy over HTTP.
// The sandbox serves deployed apps with an OpenCode-like answer, not the portal, so the
// health wait points at a stand-in /health server or at a real portal started in the test.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { parseDotenv } from "../../src/sandbox/dotenv.ts";
import { type StartedSandbox, startSandbox } from "../../src/sandbox/index.ts";
import { startHarness } from "../support/harness.ts";
import { deadPort, healthServer, runScript, startScript, waitFor } from "./helpers.ts";

const API_KEY = "self-deploy-sandbox-key-0123456789";
const ADMIN = "admin-token-self-deploy-0123456789";
const METRICS = "metrics-token-self-deploy-98765";
const REPO = "git.app.flexinit.nl/oussamadouhou/ai-stack-deployer";

const FAST = ["--poll-interval", "50ms", "--deploy-timeout", "5s", "--health-timeout", "5s"];

async function state(s: StartedSandbox): Promise<any> {
  return (await fetch(`${s.url}/__sandbox/state`)).json();
}

function envFor(s: StartedSandbox, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DOKPLOY_URL: s.url,
    DOKPLOY_API_TOKEN: API_KEY,
    PORTAL_DOKPLOY_URL: "http://[::1]:3000",
    STACK_DOMAIN_SUFFIX: "ai.example.test",
    ADMIN_TOKEN: ADMIN,
    METRICS_TOKEN: METRICS,
    LOG_LEVEL: "debug",
    ...extra,
  };
}

/** Every secret value the runs know; none may appear in any output. */
const SECRETS = [API_KEY, ADMIN, METRICS];

function expectNoSecrets(output: string): void {
  for (const secret of SECRETS) expect(output).not.toContain(secret);
}

const MUTATIONS = [
  "project.create",
  "application.create",
  "application.saveDockerProvider",
  "application.saveEnvironment",
  "application.update",
  "application.deploy",
  "application.redeploy",
  "mounts.create",
  "domain.create",
  "port.create",
];

function mutationCalls(st: any): Record<string, number> {
  return Object.fromEntries(MUTATIONS.map((p) => [p, st.calls?.[p] ?? 0]));
}

describe("self-deploy against the sandbox Dokploy", () => {
  let sandbox: StartedSandbox;
  let health: ReturnType<typeof healthServer>;

  beforeAll(async () => {
    sandbox = await startSandbox({ apiKey: API_KEY, deployDurationMs: 50 });
    // A portal that has just started: what the new container answers.
    health = healthServer(() => ({ status: "healthy", version: "0.1.0", uptimeSeconds: 0, mode: "dokploy" }));
  });
  afterAll(async () => {
    health.stop();
    await sandbox.stop();
  });

  test("--dry-run on an empty Dokploy prints the plan, changes nothing, shows no secret", async () => {
    const before = await state(sandbox);
    const run = await runScript("self-deploy.ts", ["--dry-run", "--tag", "v1", "--health-url", health.url, ...FAST], envFor(sandbox));
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("dry run");
    expect(run.stdout).toContain(`${REPO}:v1`);
    expect(run.stdout).toContain("DOKPLOY_API_TOKEN=<set>");
    expect(run.stdout).toContain("ADMIN_TOKEN=<set>");
    expect(run.stdout).toContain("METRICS_TOKEN=<set>");
    expect(run.stdout).toContain("DOKPLOY_URL=http://[::1]:3000");
    expect(run.stdout).toContain("https://deploy.ai.example.test -> container port 3000");
    expect(run.stdout).toMatch(/project\s+would be created/);
    expectNoSecrets(run.output);
    const after = await state(sandbox);
    expect(mutationCalls(after)).toEqual(mutationCalls(before));
    expect(after.projects).toEqual([]);
  });

  test("the first run creates project, application, volume and domain, deploys and waits for /health", async () => {
    const run = await runScript("self-deploy.ts", ["--tag", "v1", "--health-url", health.url, ...FAST], envFor(sandbox));
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expectNoSecrets(run.output);
    expect(run.stdout).toContain("DOKPLOY_API_TOKEN=<set>");
    expect(run.stdout).toContain("healthy (version 0.1.0");

    const st = await state(sandbox);
    expect(st.projects.map((p: any) => p.name)).toEqual(["ai-stack-deployer-portal"]);
    expect(st.applications).toHaveLength(1);
    const app = st.applications[0];
    expect(app.name).toBe("deployer");
    expect(app.appName).toMatch(/^ai-stack-deployer-[a-z0-9]{6}$/);
    expect(app.sourceType).toBe("docker");
    expect(app.dockerImage).toBe(`${REPO}:v1`);
    expect(app.username).toBeNull();
    expect(app.password).toBeNull();
    expect(app.updateConfigSwarm).toEqual({ Parallelism: 1, Order: "stop-first" });
    // The image's own check, asked every 5 s: a new portal is in Swarm's DNS (and Traefik's reach) within seconds.
    expect(app.healthCheckSwarm).toEqual({ Interval: 5_000_000_000 });

    const env = parseDotenv(app.env);
    expect(env).toMatchObject({
      NODE_ENV: "production",
      PORT: "3000",
      HOST: "0.0.0.0",
      DATA_DIR: "/data",
      DOKPLOY_URL: "http://[::1]:3000",
      DOKPLOY_API_TOKEN: API_KEY,
      STACK_DOMAIN_SUFFIX: "ai.example.test",
      STACK_IMAGE: "git.app.flexinit.nl/oussamadouhou/oh-my-opencode-free:latest",
      // Plus the stack name whose project would be the portal's own (ai-stack- + deployer-portal).
      RESERVED_NAMES: "admin,api,www,root,system,test,demo,portal,deploy,deployer-portal",
      TRUST_PROXY: "true",
      ADMIN_TOKEN: ADMIN,
      METRICS_TOKEN: METRICS,
      LOG_LEVEL: "debug",
    });
    // Settings of the script itself never reach the portal.
    expect(Object.keys(env)).not.toContain("PORTAL_DOKPLOY_URL");

    expect(st.domains).toHaveLength(1);
    expect(st.domains[0]).toMatchObject({
      host: "deploy.ai.example.test",
      port: 3000,
      https: true,
      certificateType: "letsencrypt",
      applicationId: app.applicationId,
    });
    expect(st.mounts).toHaveLength(1);
    expect(st.mounts[0]).toMatchObject({
      type: "volume",
      volumeName: "ai-stack-deployer-data",
      mountPath: "/data",
      applicationId: app.applicationId,
    });

    expect(st.deployments).toHaveLength(1);
    expect(st.deployments[0].status).toBe("done");
    expect(st.services).toHaveLength(1);
    expect(st.services[0]).toMatchObject({ image: `${REPO}:v1`, hosts: ["deploy.ai.example.test"], volumes: ["ai-stack-deployer-data"] });
    expect(st.services[0].env.DOKPLOY_URL).toBe("http://[::1]:3000");
  });

  test("--dry-run on the deployed portal finds everything and changes nothing", async () => {
    const before = await state(sandbox);
    const run = await runScript("self-deploy.ts", ["--dry-run", "--image", "registry.example.test/other:9"], envFor(sandbox));
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/project\s+exists/);
    expect(run.stdout).toMatch(/application\s+exists/);
    expect(run.stdout).toMatch(/domain\s+exists/);
    expect(run.stdout).toMatch(/volume\s+exists \(ai-stack-deployer-data at \/data\)/);
    expectNoSecrets(run.output);
    const after = await state(sandbox);
    expect(mutationCalls(after)).toEqual(mutationCalls(before));
    expect(after.applications[0].dockerImage).toBe(`${REPO}:v1`);
    expect(after.deployments).toHaveLength(1);
  });

  test("a second run with another tag updates the image and env and redeploys, without duplicates", async () => {
    const before = await state(sandbox);
    const run = await runScript(
      "self-deploy.ts",
      ["--tag", "v2", "--health-url", health.url, ...FAST],
      envFor(sandbox, { LOG_LEVEL: "warn", RESERVED_NAMES: "admin,www" }),
    );
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expectNoSecrets(run.output);
    expect(run.stdout).toMatch(/project\s+found/);
    expect(run.stdout).toMatch(/domain\s+found deploy\.ai\.example\.test/);

    const st = await state(sandbox);
    expect(st.projects).toHaveLength(1);
    expect(st.applications).toHaveLength(1);
    expect(st.domains).toHaveLength(1);
    expect(st.mounts).toHaveLength(1);
    expect(st.applications[0].applicationId).toBe(before.applications[0].applicationId);
    expect(st.applications[0].dockerImage).toBe(`${REPO}:v2`);
    const env = parseDotenv(st.applications[0].env);
    expect(env.LOG_LEVEL).toBe("warn");
    // The portal's own host name and project name are always reserved.
    expect(env.RESERVED_NAMES).toBe("admin,www,deploy,deployer-portal");

    expect(st.deployments).toHaveLength(2);
    expect(st.deployments.every((d: any) => d.status === "done")).toBe(true);
    expect(st.calls["application.deploy"]).toBe((before.calls["application.deploy"] ?? 0) + 1);
    expect(st.services).toHaveLength(1);
    expect(st.services[0].image).toBe(`${REPO}:v2`);
    expect(st.services[0].env.LOG_LEVEL).toBe("warn");
  });

  test("--published-port publishes the portal's port on its node once; a second run finds it", async () => {
    for (const [i, expected] of [/port\s+created 13000 -> port 3000/, /port\s+found 13000/].entries()) {
      const run = await runScript(
        "self-deploy.ts",
        ["--tag", "v2", "--published-port", "13000", "--health-url", health.url, ...FAST],
        envFor(sandbox),
      );
      expect({ i, code: run.code, stderr: run.stderr }).toEqual({ i, code: 0, stderr: "" });
      expect(run.stdout).toMatch(expected);
    }
    const st = await state(sandbox);
    expect(st.ports).toEqual([
      {
        portId: expect.any(String),
        publishedPort: 13000,
        publishMode: "host",
        targetPort: 3000,
        protocol: "tcp",
        applicationId: st.applications[0].applicationId,
      },
    ]);
  });

  test("waits for a portal that started after the deploy, not the one from before", async () => {
    const port = deadPort();
    const running = startScript(
      "self-deploy.ts",
      ["--tag", "v3", "--health-url", `http://127.0.0.1:${port}/health`, "--poll-interval", "50ms", "--health-timeout", "10s"],
      envFor(sandbox),
    );
    // Dokploy finishes the deploy and nothing answers yet; only then does the "new
    // container" (a real portal) start.
    await waitFor("the health wait", () => (running.stdout().includes("health        waiting:") ? true : undefined));
    const st = await state(sandbox);
    expect(st.deployments).toHaveLength(5);
    expect(st.deployments.every((d: any) => d.status === "done")).toBe(true);
    const portal = await startHarness({ env: { PORT: String(port) } });
    try {
      const run = await running.result;
      expect(run.stderr).toBe("");
      expect(run.code).toBe(0);
      expect(run.stdout).toContain("health        waiting:");
      expect(run.stdout).toContain(`healthy (version`);
      expect(run.stdout).toContain(`http://127.0.0.1:${port}/health`);
    } finally {
      await portal.stop();
    }
  });

  test("a portal that has been up since before the deploy does not count", async () => {
    const stale = healthServer(() => ({ status: "healthy", version: "0.1.0", uptimeSeconds: 86_400 }));
    try {
      const run = await runScript(
        "self-deploy.ts",
        ["--tag", "v4", "--health-url", stale.url, "--poll-interval", "50ms", "--health-timeout", "500ms"],
        envFor(sandbox),
      );
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('did not answer "healthy"');
      expect(run.stderr).toContain("up 86400 s: the one from before this deploy");
      expectNoSecrets(run.output);
    } finally {
      stale.stop();
    }
  });
});

describe("self-deploy failures", () => {
  let sandbox: StartedSandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ apiKey: API_KEY, deployDurationMs: 30 });
  });
  afterAll(() => sandbox.stop());

  test("a failed Dokploy deployment exits 1 and shows the end of its log", async () => {
    await fetch(`${sandbox.url}/__sandbox/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ kind: "deploy_error", message: "pull access denied for ai-stack-deployer", times: 1 }),
    });
    const run = await runScript("self-deploy.ts", ["--tag", "broken", "--health-url", "http://127.0.0.1:9/health", ...FAST], envFor(sandbox));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("self-deploy failed:");
    expect(run.stderr).toContain('ended with status "error"');
    expect(run.stderr).toContain("pull access denied");
    expectNoSecrets(run.output);
  });

  test("an API key Dokploy refuses exits 1 and says so", async () => {
    const run = await runScript("self-deploy.ts", ["--tag", "v1", ...FAST], envFor(sandbox, { DOKPLOY_API_TOKEN: "wrong-key-abcdefgh" }));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("rejected DOKPLOY_API_TOKEN");
    expect(run.output).not.toContain("wrong-key-abcdefgh");
  });

  test("a Dokploy error answer exits 1 with the procedure and status", async () => {
    await fetch(`${sandbox.url}/__sandbox/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ procedure: "domain.create", kind: "status", status: 400, message: "Invalid domain name", times: 1 }),
    });
    // A suffix of its own, so that its domain does not exist yet.
    const run = await runScript("self-deploy.ts", ["--tag", "v1", ...FAST], envFor(sandbox, { STACK_DOMAIN_SUFFIX: "other.example.test" }));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("Dokploy refused domain.create (HTTP 400");
    expect(run.stderr).toContain("Invalid domain name");
    expectNoSecrets(run.output);
  });

  test("an unreachable Dokploy exits 1", async () => {
    const run = await runScript("self-deploy.ts", ["--tag", "v1", ...FAST], envFor(sandbox, { DOKPLOY_URL: `http://127.0.0.1:${deadPort()}` }));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("did not answer project.all");
    expect(run.stderr).toContain("cannot reach Dokploy");
  });

  test("wrong flags and missing settings exit 2 before touching Dokploy", async () => {
    const before = (await state(sandbox)).calls;
    const cases: [string[], Record<string, string>, string][] = [
      [["--tag", "a", "--image", "b:c"], envFor(sandbox), "not both"],
      [["--tag", "no spaces allowed"], envFor(sandbox), "--tag"],
      [["--bogus"], envFor(sandbox), "bogus"],
      [[], envFor(sandbox, { DOKPLOY_API_TOKEN: "" }), "DOKPLOY_API_TOKEN is not set"],
      [[], { DOKPLOY_API_TOKEN: API_KEY }, "DOKPLOY_URL"],
      [[], envFor(sandbox, { ADMIN_TOKEN: "short" }), "ADMIN_TOKEN: expected at least 16 characters"],
      [[], envFor(sandbox, { RESERVED_NAMES: "admin,${{project.X}}" }), "interpolate"],
      [[], envFor(sandbox, { STACK_IMAGE: "img:${{project.X}}" }), "STACK_IMAGE: the tag must be"],
      [["--certificate-type", "custom"], envFor(sandbox), "--cert-resolver"],
      [["--published-port", "70000"], envFor(sandbox), "--published-port"],
    ];
    for (const [args, env, message] of cases) {
      const run = await runScript("self-deploy.ts", args, env);
      expect({ args, code: run.code }).toEqual({ args, code: 2 });
      expect(run.stderr).toContain(message);
    }
    expect((await state(sandbox)).calls).toEqual(before);
  });

  test("--help explains the options", async () => {
    const run = await runScript("self-deploy.ts", ["--help"], {});
    expect(run.code).toBe(0);
    for (const flag of [
      "--tag",
      "--image",
      "--dry-run",
      "--dokploy-url",
      "--portal-dokploy-url",
      "--health-url",
      "--published-port",
      "--deploy-timeout",
      "--health-timeout",
      "--poll-interval",
    ])
      expect(run.stdout).toContain(flag);
  });
});
