import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type DeployResult, type Harness, deployAndWait, readEvents, sandboxState, waitFor } from "../support/harness.ts";
import { ENGINE_IMAGE, appNameOf, docker, dockerCli, enginePortalEnv, engineSkipReason, runningContainer, startEngineHarness } from "./engine.ts";

/**
 * A stack's life on a real Docker Swarm: the portal talks to the sandbox Dokploy, whose
 * applications are real Swarm services of the real stack image (SANDBOX_RUNTIME=docker), and
 * the probe and every check below reach the real OpenCode inside.
 */

const skip = await engineSkipReason();
const T = 120_000;

describe.skipIf(skip !== null)("a stack on the real engine", () => {
  let h: Harness;
  let stack: DeployResult;
  let appName: string;
  beforeAll(async () => {
    h = await startEngineHarness(enginePortalEnv());
    stack = await deployAndWait(h, "engine-one", { timeoutMs: T });
    appName = await appNameOf(h, "engine-one");
  }, T);
  afterAll(() => h?.stop(), T);

  const viaTraefik = (path: string, auth?: string) =>
    fetch(`${h.sandboxUrl}${path}`, { headers: { host: "engine-one.stacks.test", ...(auth ? { authorization: auth } : {}) } });
  const basic = (password: string) => `Basic ${Buffer.from(`opencode:${password}`).toString("base64")}`;
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  async function operate(op: string): Promise<any> {
    const res = await fetch(`${h.url}/api/stacks/engine-one/${op}`, { method: "POST", headers: bearer(stack.managementToken) });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { eventsUrl: string; credentials?: { password: string } };
    const events = await readEvents(`${h.url}${body.eventsUrl}`, { timeoutMs: T });
    return { done: events.at(-1)!.data, credentials: body.credentials };
  }

  test("is deployed until the real OpenCode answers, which asks for the stack's password", async () => {
    expect(stack.done.data).toMatchObject({ status: "ready" });
    expect((await viaTraefik("/global/health")).status).toBe(401);
    const health = await viaTraefik("/global/health", basic(stack.credentials.password));
    expect(health.status).toBe(200);
    expect(((await health.json()) as { healthy: boolean }).healthy).toBe(true);
  });

  test("runs as a Swarm service with the spec Dokploy builds from the portal's settings", async () => {
    const svc = (await docker.service(appName))!;
    const template = svc.Spec.TaskTemplate as any;
    expect(template.ContainerSpec.Image).toBe(ENGINE_IMAGE);
    // Dokploy sends HealthCheck; the engine keeps it as Healthcheck (Go's JSON names are case-blind).
    expect(template.ContainerSpec.Healthcheck).toEqual({ Test: ["NONE"] });
    expect(template.ContainerSpec.Mounts.map((m: any) => `${m.Source}:${m.Target}`)).toEqual([
      "portal-ai-workspace-engine-one:/workspace",
      "portal-ai-data-engine-one:/home/bun/.local/share/opencode",
    ]);
    expect(template.Placement.Constraints).toEqual([`node.id==${(await docker.nodes())[0]!.ID}`]);
    expect(template.Resources).toEqual({ Limits: { MemoryBytes: 1024 ** 3, NanoCPUs: 2e9 }, Reservations: { MemoryBytes: 128 * 1024 ** 2 } });
    expect(template.Networks.map((n: any) => n.Target)).toContain(
      JSON.parse(dockerCli("network", "inspect", "dokploy-network", "--format", "{{json .ID}}")),
    );
    expect((svc.Spec as any).UpdateConfig).toMatchObject({ Order: "stop-first", FailureAction: "rollback" });
  });

  test(
    "stop, start, restart, redeploy and a new password: the container really goes and comes, /workspace stays",
    async () => {
      const container = await runningContainer(appName);
      dockerCli("exec", container!, "sh", "-c", "echo kept > /workspace/keep.txt");

      expect((await operate("stop")).done).toMatchObject({ status: "stopped" });
      expect(await runningContainer(appName)).toBeNull();
      expect((await viaTraefik("/global/health")).status).toBe(502);

      for (const op of ["start", "restart", "redeploy"]) {
        expect({ op, ...(await operate(op)).done }).toMatchObject({ op, status: "ready" });
        expect(dockerCli("exec", (await runningContainer(appName))!, "cat", "/workspace/keep.txt")).toBe("kept");
      }

      const { done, credentials } = await operate("password");
      expect(done).toMatchObject({ status: "ready" });
      // OpenCode itself refuses the old password and takes the new one.
      expect((await viaTraefik("/global/health", basic(stack.credentials.password))).status).toBe(401);
      expect((await viaTraefik("/global/health", basic(credentials!.password))).status).toBe(200);
      expect(dockerCli("exec", (await runningContainer(appName))!, "cat", "/workspace/keep.txt")).toBe("kept");
    },
    5 * T,
  );

  test(
    "the owner's key and model per agent reach the real image: oh-my-openagent's Sisyphus runs on the chosen model",
    async () => {
      const res = await fetch(`${h.url}/api/stacks/engine-one/keys`, {
        method: "POST",
        headers: { ...bearer(stack.managementToken), "content-type": "application/json" },
        body: JSON.stringify({ keys: { anthropic: "sk-ant-api03-engine-test-key-0001" }, models: { sisyphus: "anthropic/claude-sonnet-4-5" } }),
      });
      expect(res.status).toBe(202);
      const events = await readEvents(`${h.url}${((await res.json()) as { eventsUrl: string }).eventsUrl}`, { timeoutMs: T });
      expect(events.at(-1)!.data.status).toBe("ready");
      const env = (await sandboxState(h)).applications.find((a: any) => a.appName === appName).env as string;
      const password = /^OPENCODE_SERVER_PASSWORD=(.*)$/m.exec(env)![1]!;
      const agents = (await (await viaTraefik("/agent", basic(password))).json()) as {
        name: string;
        model?: { providerID: string; modelID: string };
      }[];
      const model = (name: RegExp) => agents.find((a) => name.test(a.name))?.model;
      expect(model(/^Sisyphus -/)).toEqual({ providerID: "anthropic", modelID: "claude-sonnet-4-5" });
      // The others keep the image's free defaults.
      expect(model(/^oracle$/)).toEqual({ providerID: "opencode", modelID: "nemotron-3-ultra-free" });
    },
    2 * T,
  );

  test("the owner reads the container's own output", async () => {
    const res = await fetch(`${h.url}/api/stacks/engine-one/logs?lines=200`, { headers: bearer(stack.managementToken) });
    expect(res.status).toBe(200);
    const logs = (await res.json()) as { container: { lines: string[] } };
    expect(logs.container.lines.join("\n")).toContain("opencode server listening");
  });

  test(
    "deleted, the stack's volumes stay for its owner; once the hold is over Dokploy's docker removes them",
    async () => {
      const volumes = ["portal-ai-workspace-engine-one", "portal-ai-data-engine-one"];
      const res = await fetch(`${h.url}/api/stacks/engine-one`, { method: "DELETE", headers: bearer(stack.managementToken) });
      expect(res.status).toBe(202);
      expect((await readEvents(`${h.url}${((await res.json()) as { eventsUrl: string }).eventsUrl}`, { timeoutMs: T })).at(-1)!.data.status).toBe(
        "deleted",
      );
      const onEngine = async () =>
        (await docker.volumes())
          .map((v) => v.Name)
          .filter((n) => volumes.includes(n))
          .sort();
      expect(await onEngine()).toEqual([...volumes].sort());
      // The hold runs out.
      h.portal.store.db.query("UPDATE stacks SET deleted_at = '2000-01-01T00:00:00.000Z' WHERE name = 'engine-one'").run();
      // The task's container may take a moment to go after the service: until then the volume is in use.
      await waitFor(
        () => h.portal.volumes.run(),
        (r) => r.length === 0 || r[0]?.outcome === "removed",
        "the volumes' removal",
        60_000,
      );
      expect(await onEngine()).toEqual([]);
    },
    T,
  );

  test(
    "an image tag that does not exist fails the deploy cleanly: no service, project or domain left",
    async () => {
      const other = await startEngineHarness({
        STACK_IMAGE: `${ENGINE_IMAGE.split(":").slice(0, -1).join(":")}:no-such-tag`,
        DEPLOY_TIMEOUT: "60s",
        DOKPLOY_TIMEOUT: "20s",
      });
      try {
        const failed = await deployAndWait(other, "engine-missing", { timeoutMs: T });
        expect(failed.done.data).toMatchObject({ status: "failed", error: { code: "deploy_failed" } });
        const state = await sandboxState(other);
        expect(state.projects.filter((p: any) => p.name.includes("engine-missing"))).toEqual([]);
        expect(JSON.stringify(state.traefik)).not.toContain("engine-missing.stacks.test");
        expect(dockerCli("service", "ls", "--format", "{{.Name}}")).not.toContain("engine-missing");
      } finally {
        await other.stop();
      }
    },
    T,
  );
});
