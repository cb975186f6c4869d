import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DATA_VOLUME, PROJECT_NAME } from "../../scripts/self-deploy.ts";
import { docker, dockerCli, runningContainer } from "../engine/engine.ts";
import { runScript } from "../ship/helpers.ts";
import { portalEnv, readEvents, waitFor } from "../support/harness.ts";
import { freePort } from "../support/ports.ts";
import { spawnPortal } from "../support/process.ts";
import {
  KEY,
  PORTAL_IMAGE,
  PORTAL_PORT,
  PREFIX,
  STACK_IMAGE,
  URL,
  conformanceSkipReason,
  dokploy,
  openCodeStatus,
  portalDokployUrl,
  removeLeftovers,
  serviceOf,
} from "./real-dokploy.ts";

/**
 * A stack's whole life on a real Dokploy v0.30 and its real Swarm, driven through the portal
 * that self-deploy put into that Dokploy. Every check on the stack reads the engine itself:
 * the service spec, the container, the files in /workspace, what OpenCode answers inside.
 */

const skip = conformanceSkipReason();
const T = 180_000;
const ADMIN_TOKEN = "conformance-admin-token-0123456789";
const PORTAL = `http://127.0.0.1:${PORTAL_PORT}`;

/** The portal's settings for a real stack on this machine (no IPVS: the probe asks the tasks' own addresses). */
function portalSettings(extra: Record<string, string> = {}): Record<string, string> {
  return {
    DOKPLOY_API_TOKEN: KEY,
    ADMIN_TOKEN,
    STACK_DOMAIN_SUFFIX: "conformance.test",
    STACK_IMAGE,
    STACK_PROJECT_PREFIX: PREFIX,
    STACK_VOLUME_PREFIX: PREFIX,
    STACK_CERTIFICATE_TYPE: "none",
    STACK_PROBE_URLS: "http://tasks.{appName}:{port}/",
    STACK_MEMORY_LIMIT: "1g",
    STACK_MEMORY_RESERVATION: "128m",
    DEPLOY_TIMEOUT: "120s",
    HEALTH_TIMEOUT: "90s",
    DOKPLOY_TIMEOUT: "30s",
    RATE_LIMIT_DEPLOY: "off",
    RATE_LIMIT_OPERATIONS: "off",
    RATE_LIMIT_CHECK: "off",
    ...extra,
  };
}

async function selfDeploy(extra: Record<string, string> = {}): Promise<string> {
  const run = await runScript(
    "self-deploy.ts",
    [
      "--dokploy-url",
      URL,
      "--portal-dokploy-url",
      portalDokployUrl(),
      "--image",
      PORTAL_IMAGE,
      "--certificate-type",
      "none",
      "--published-port",
      String(PORTAL_PORT),
      "--health-url",
      `${PORTAL}/health`,
      "--health-timeout",
      "2m",
    ],
    portalSettings(extra),
    300_000,
  );
  expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: "" });
  expect(run.output).not.toContain(KEY);
  return run.stdout;
}

interface Deployed {
  eventsUrl: string;
  managementToken: string;
  credentials: { password: string };
}

async function deploy(name: string, base = PORTAL): Promise<Deployed> {
  const res = await fetch(`${base}/api/deploy`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name }) });
  expect(res.status).toBe(202);
  return (await res.json()) as Deployed;
}

/** The operation's last event; its steps' times go to the log, for the note. */
async function outcome(eventsUrl: string, label = "deploy", base = PORTAL): Promise<any> {
  const started = performance.now();
  let last = started;
  const steps: string[] = [];
  const events = await readEvents(`${base}${eventsUrl}`, {
    timeoutMs: T,
    until: (e) => {
      const now = performance.now();
      if (e.event === "step") steps.push(`${e.data.step} +${((now - last) / 1000).toFixed(1)}`);
      last = now;
      return e.event === "done";
    },
  });
  const done = events.at(-1)!.data;
  console.log(`conformance: ${label} ${done.status} in ${((performance.now() - started) / 1000).toFixed(1)} s: ${steps.join(", ")}`);
  return done;
}

async function operate(name: string, token: string, op: string): Promise<{ done: any; credentials?: { password: string } }> {
  const res = await fetch(`${PORTAL}/api/stacks/${name}/${op}`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
  expect({ op, status: res.status }).toEqual({ op, status: 202 });
  const body = (await res.json()) as { eventsUrl: string; credentials?: { password: string } };
  return { done: await outcome(body.eventsUrl, op), credentials: body.credentials };
}

const details = async (name: string, token: string) =>
  (await (await fetch(`${PORTAL}/api/stacks/${name}/details`, { headers: { authorization: `Bearer ${token}` } })).json()) as any;

describe.skipIf(skip !== null)("the portal on a real Dokploy", () => {
  const stacks: Record<string, Deployed> = {};
  const container = async (name: string) => (await runningContainer(serviceOf(`${PREFIX}${name}`)!))!;

  beforeAll(async () => {
    await removeLeftovers(PROJECT_NAME, DATA_VOLUME);
  }, T);
  afterAll(async () => {
    await removeLeftovers(PROJECT_NAME, DATA_VOLUME);
  }, T);

  test("Dokploy is v0.30", async () => {
    expect(await dokploy.version()).toStartWith("v0.30.");
  });

  test(
    "self-deploy puts the portal into Dokploy, where it answers on its published port",
    async () => {
      const started = performance.now();
      const out = await selfDeploy();
      console.log(`conformance: self-deploy (first run) took ${((performance.now() - started) / 1000).toFixed(1)} s`);
      expect(out).toMatch(/project\s+created/);
      expect(out).toMatch(new RegExp(`port\\s+created ${PORTAL_PORT} `));
      const health = (await (await fetch(`${PORTAL}/health`)).json()) as any;
      expect(health).toMatchObject({ status: "healthy", mode: "dokploy", checks: { dokploy: { status: "up" } } });
      const service = serviceOf("ai-stack-deployer")!;
      const spec = (await docker.service(service))!.Spec as any;
      expect(spec.TaskTemplate.ContainerSpec.Image).toStartWith(PORTAL_IMAGE);
      expect(spec.UpdateConfig).toMatchObject({ Order: "stop-first" });
      expect(spec.TaskTemplate.ContainerSpec.Mounts).toEqual([expect.objectContaining({ Source: DATA_VOLUME, Target: "/data" })]);
      expect(spec.TaskTemplate.ContainerSpec.Healthcheck).toEqual({ Interval: 5_000_000_000 });
    },
    T,
  );

  test(
    "a stack is deployed until the real OpenCode answers the probe, with the spec the portal asks for",
    async () => {
      const clicked = performance.now();
      stacks.one = await deploy("one");
      const done = await outcome(stacks.one.eventsUrl);
      const readyMs = performance.now() - clicked;
      expect(done).toMatchObject({ status: "ready" });
      // The same image on its own, for the note's ratio (not asserted: timing is the benchmark's).
      const ownStart = performance.now();
      const port = freePort();
      const alone = dockerCli("run", "-d", "--rm", "-p", `127.0.0.1:${port}:8080`, "-e", "OPENCODE_SERVER_PASSWORD=alone-0123456789", STACK_IMAGE);
      try {
        // Answered as the portal's probe counts it (401: OpenCode asks for the password), each
        // request given 1 s: what OpenCode takes just before it serves, it never answers.
        const status = () =>
          fetch(`http://127.0.0.1:${port}/global/health`, { signal: AbortSignal.timeout(1000) }).then(
            (r) => r.status,
            () => 0,
          );
        await waitFor(status, (s) => s === 401, "the image on its own", 60_000);
      } finally {
        dockerCli("rm", "-f", alone);
      }
      const ownMs = performance.now() - ownStart;
      console.log(
        `conformance: click to ready ${(readyMs / 1000).toFixed(1)} s; the image's own start (docker run until OpenCode answers) ${(ownMs / 1000).toFixed(1)} s; ratio ${(readyMs / ownMs).toFixed(2)}`,
      );

      const ctr = await container("one");
      expect(openCodeStatus(ctr, stacks.one.credentials.password)).toBe(200);
      expect(openCodeStatus(ctr, "not-the-password")).toBe(401);
      const spec = (await docker.service(serviceOf(`${PREFIX}one`)!))!.Spec as any;
      const template = spec.TaskTemplate;
      expect(template.ContainerSpec.Image).toBe(STACK_IMAGE);
      expect(template.ContainerSpec.Healthcheck).toEqual({ Test: ["NONE"] });
      expect(template.ContainerSpec.Mounts.map((m: any) => `${m.Source}:${m.Target}`)).toEqual([
        `${PREFIX}workspace-one:/workspace`,
        `${PREFIX}data-one:/home/bun/.local/share/opencode`,
      ]);
      expect(template.Placement.Constraints).toEqual([`node.id==${(await docker.nodes())[0]!.ID}`]);
      expect(template.Resources).toMatchObject({ Limits: { MemoryBytes: 1024 ** 3 }, Reservations: { MemoryBytes: 128 * 1024 ** 2 } });
      expect(spec.UpdateConfig).toMatchObject({ Order: "stop-first" });
    },
    T,
  );

  test(
    "stop, start, restart, redeploy and a new password: the container goes and comes, /workspace stays",
    async () => {
      const token = stacks.one!.managementToken;
      dockerCli("exec", await container("one"), "sh", "-c", "echo kept > /workspace/keep.txt");
      const service = serviceOf(`${PREFIX}one`)!;

      expect((await operate("one", token, "stop")).done).toMatchObject({ status: "stopped" });
      expect(await runningContainer(service)).toBeNull();
      expect(await details("one", token)).toMatchObject({ state: "stopped" });

      for (const op of ["start", "restart", "redeploy"]) {
        expect({ op, ...(await operate("one", token, op)).done }).toMatchObject({ op, status: "ready" });
        expect(dockerCli("exec", await container("one"), "cat", "/workspace/keep.txt")).toBe("kept");
      }

      const { done, credentials } = await operate("one", token, "password");
      expect(done).toMatchObject({ status: "ready" });
      const ctr = await container("one");
      expect(openCodeStatus(ctr, stacks.one!.credentials.password)).toBe(401);
      expect(openCodeStatus(ctr, credentials!.password)).toBe(200);
      expect(dockerCli("exec", ctr, "cat", "/workspace/keep.txt")).toBe("kept");
      expect(await details("one", token)).toMatchObject({ state: "running", runningOperation: null });
    },
    6 * T,
  );

  test("the owner reads the container's own output", async () => {
    const res = await fetch(`${PORTAL}/api/stacks/one/logs?lines=200`, { headers: { authorization: `Bearer ${stacks.one!.managementToken}` } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).container.lines.join("\n")).toContain("opencode server listening");
  });

  test(
    "two stacks deployed at once both answer, each with its own password",
    async () => {
      [stacks.alpha, stacks.beta] = await Promise.all([deploy("alpha"), deploy("beta")]);
      const done = await Promise.all([outcome(stacks.alpha.eventsUrl), outcome(stacks.beta.eventsUrl)]);
      expect(done.map((d) => d.status)).toEqual(["ready", "ready"]);
      expect(openCodeStatus(await container("alpha"), stacks.alpha.credentials.password)).toBe(200);
      expect(openCodeStatus(await container("beta"), stacks.beta.credentials.password)).toBe(200);
      expect(openCodeStatus(await container("alpha"), stacks.beta.credentials.password)).toBe(401);
    },
    T,
  );

  test(
    "the portal SIGKILLed during a start comes back (Swarm restarts it) and ends the start as Swarm has it",
    async () => {
      const token = stacks.alpha!.managementToken;
      expect((await operate("alpha", token, "stop")).done).toMatchObject({ status: "stopped" });
      const res = await fetch(`${PORTAL}/api/stacks/alpha/start`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
      const { eventsUrl } = (await res.json()) as { eventsUrl: string };
      await readEvents(`${PORTAL}${eventsUrl}`, { until: (e) => e.event === "step" && e.data.step === "start_service", timeoutMs: T });
      const portalService = serviceOf("ai-stack-deployer")!;
      const killed = (await runningContainer(portalService))!;
      dockerCli("kill", "--signal", "KILL", killed);
      // A new task, a new container, the same /data volume.
      await waitFor(
        async () => (await fetch(`${PORTAL}/health`).catch(() => null))?.status ?? 0,
        (s) => s === 200,
        "the portal's return",
        T,
      );
      expect(await runningContainer(portalService)).not.toBe(killed);
      expect(await outcome(eventsUrl, "start")).toMatchObject({ status: "ready" });
      expect(await runningContainer(serviceOf(`${PREFIX}alpha`)!)).not.toBeNull();
      expect(await details("alpha", token)).toMatchObject({ state: "running", runningOperation: null });
    },
    2 * T,
  );

  test(
    "an image tag that does not exist fails the deploy cleanly: no application, project, domain or service left",
    async () => {
      // A portal on this machine is enough: the deploy fails at Dokploy's pull, before any probe.
      const dataDir = mkdtempSync(join(tmpdir(), "portal-conformance-"));
      const portal = await spawnPortal(
        portalEnv(URL, dataDir, portalSettings({ STACK_IMAGE: `${STACK_IMAGE.replace(/:[^:/]+$/, "")}:no-such-tag` })),
      );
      try {
        const missing = await deploy("missing", portal.url);
        expect(await outcome(missing.eventsUrl, "deploy", portal.url)).toMatchObject({ status: "failed", error: { code: "deploy_failed" } });
        expect((await dokploy.projectAll()).filter((p) => p.name.includes("missing"))).toEqual([]);
        expect(serviceOf(`${PREFIX}missing`)).toBeNull();
      } finally {
        await portal.kill("SIGTERM");
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
    T,
  );

  test(
    "deleted, a stack leaves Dokploy and Swarm, its volumes stay until Dokploy's removeVolume takes them",
    async () => {
      const res = await fetch(`${PORTAL}/api/stacks/beta`, {
        method: "DELETE",
        headers: { authorization: `Bearer ${stacks.beta!.managementToken}` },
      });
      expect(res.status).toBe(202);
      expect(await outcome(((await res.json()) as { eventsUrl: string }).eventsUrl, "delete")).toMatchObject({ status: "deleted" });
      expect((await dokploy.projectAll()).filter((p) => p.name === `${PREFIX}beta`)).toEqual([]);
      expect(serviceOf(`${PREFIX}beta`)).toBeNull();
      const volumes = [`${PREFIX}workspace-beta`, `${PREFIX}data-beta`];
      const onEngine = async () => (await docker.volumes()).map((v) => v.Name).filter((n) => volumes.includes(n));
      expect((await onEngine()).sort()).toEqual([...volumes].sort());
      // What the portal's volume reaper calls once a deleted name's hold is over.
      await waitFor(
        async () => {
          for (const v of await onEngine()) await dokploy.dockerVolumeRemove(v).catch(() => undefined);
          return onEngine();
        },
        (left) => left.length === 0,
        "the volumes' removal",
        60_000,
      );
    },
    T,
  );

  test(
    "with idle stops on, a stack nobody uses is stopped from its real OpenCode's activity",
    async () => {
      // The portal again, with a short idle time: self-deploy updates it in place.
      const out = await selfDeploy({ IDLE_STOP_AFTER: "20s", IDLE_CHECK_INTERVAL: "3s", IDLE_WARNING_BEFORE: "3s" });
      expect(out).toMatch(/project\s+found/);
      const token = stacks.one!.managementToken;
      const stopped = await waitFor(
        () => details("one", token),
        (d) => d.state === "stopped",
        "the idle stop",
        120_000,
      );
      expect(stopped.stopReason).toBe("idle");
      expect(await runningContainer(serviceOf(`${PREFIX}one`)!)).toBeNull();
    },
    2 * T,
  );
});
