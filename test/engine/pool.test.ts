import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Harness, deployAndWait, poolEnv, poolReady, sandboxState, startHarness } from "../support/harness.ts";
import { docker, enginePortalEnv, engineSkipReason, runningContainer } from "./engine.ts";

/**
 * The warm pool on a real Docker Swarm: a pooled stack is a real service of the stack image
 * whose OpenCode answered before anyone asked, and a deploy that takes it is answered by that
 * OpenCode at the owner's address, with the password the owner was given.
 */

const skip = await engineSkipReason();
const T = 180_000;

describe.skipIf(skip !== null)("the warm pool on the real engine", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      sandbox: { runtime: "docker", deployDurationMs: 0 },
      env: (sandboxUrl) => ({ ...enginePortalEnv(), ...poolEnv(sandboxUrl, 1) }),
    });
  }, T);
  afterAll(() => h?.stop(), T);

  const basic = (password: string) => `Basic ${Buffer.from(`opencode:${password}`).toString("base64")}`;
  const ready = () => poolReady(h, 1, T);

  test(
    "a deploy takes the running pooled stack: its OpenCode answers at the owner's address, to the owner's password only",
    async () => {
      await ready();
      const pooled = h.portal.store.pool.members()[0]!;
      expect(await runningContainer(pooled.appName!)).not.toBeNull();

      const stack = await deployAndWait(h, "engine-pool", { timeoutMs: T });
      expect(stack.done.data).toMatchObject({ status: "ready", url: "https://engine-pool.stacks.test" });
      expect(stack.events.filter((e) => e.event === "step" && e.data.state === "succeeded").map((e) => e.data.step)).toEqual([
        "claim",
        "wait_healthy",
        "ready",
      ]);
      // The same Swarm service, still running its first task: nothing was redeployed.
      const claimed = h.portal.store.stacks.live("engine-pool")!;
      expect(claimed.appName).toBe(pooled.appName);
      expect((await docker.tasks(pooled.appName!)).length).toBe(1);

      const viaTraefik = (auth?: string) =>
        fetch(`${h.sandboxUrl}/global/health`, { headers: { host: "engine-pool.stacks.test", ...(auth ? { authorization: auth } : {}) } });
      expect((await viaTraefik()).status).toBe(401);
      const health = await viaTraefik(basic(stack.credentials.password));
      expect(health.status).toBe(200);
      expect(((await health.json()) as { healthy: boolean }).healthy).toBe(true);

      // The pool refills with a stack of its own volumes: no one else's workspace.
      await ready();
      const next = h.portal.store.pool.members()[0]!;
      const mounts = async (service: string) =>
        ((await docker.service(service))!.Spec.TaskTemplate as any).ContainerSpec.Mounts.map((m: any) => m.Source as string);
      const ours = await mounts(pooled.appName!);
      const theirs = await mounts(next.appName!);
      expect(ours.length).toBeGreaterThan(0);
      expect(theirs.filter((v: string) => ours.includes(v))).toEqual([]);
      const state = await sandboxState(h);
      expect(state.domains.filter((d: any) => d.applicationId === next.applicationId)).toEqual([]);
    },
    T,
  );
});
