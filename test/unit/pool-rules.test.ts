import { describe, expect, test } from "bun:test";
import { loadConfig } from "../../src/config.ts";
import { checkName } from "../../src/stacks/model/names.ts";
import { planStack } from "../../src/stacks/model/resource-plan.ts";
import { stepsOf } from "../../src/stacks/model/steps.ts";
import { volumesFor } from "../../src/stacks/owners/volume-generations.ts";
import { newPoolName } from "../../src/stacks/pool/pool-names.ts";
import { DeploySlots } from "../../src/stacks/runs/deploy-slots.ts";

const plan = {
  STACK_PROJECT_PREFIX: "ai-stack-",
  STACK_VOLUME_PREFIX: "portal-ai-",
  STACK_DOMAIN_SUFFIX: "stacks.test",
  STACK_PORT: 8080,
  STACK_MOUNTS: [{ key: "workspace", mountPath: "/workspace" }],
};

describe("the warm pool's rules", () => {
  test("a pooled stack's name is one no owner can ask for, and never the same twice", () => {
    const names = Array.from({ length: 200 }, newPoolName);
    expect(new Set(names).size).toBe(200);
    for (const name of names) {
      expect(name).toMatch(/^pool--[a-z0-9]{10}$/);
      expect(checkName(name, []).valid).toBe(false);
    }
  });

  test("a claimed stack keeps the volumes made under its pool name; its address is its owner's", () => {
    const claimed = planStack({ name: "alice", volumeGeneration: 0, volumeName: "pool--abc" }, plan);
    expect(claimed.volumes.map((v) => v.volumeName)).toEqual(["portal-ai-workspace-pool--abc"]);
    expect(claimed.host).toBe("alice.stacks.test");
    expect(claimed.projectName).toBe("ai-stack-alice");
    expect(planStack({ name: "alice", volumeGeneration: 2, volumeName: null }, plan).volumes[0]?.volumeName).toBe("portal-ai-workspace-alice_g2");
  });

  test("an owner coming back gets the volumes their stack had, pool-named or not; a new one never-used ones", () => {
    const history = [
      { tokenHash: "h2", generation: 0, volumeName: "pool--abc", owner: null },
      { tokenHash: "h1", generation: 1, volumeName: null, owner: null },
    ];
    expect(volumesFor(history, (h) => h.tokenHash === "h2")).toEqual({ generation: 0, volumeName: "pool--abc" });
    expect(volumesFor(history, (h) => h.tokenHash === "h1")).toEqual({ generation: 1, volumeName: null });
    expect(volumesFor(history, () => false)).toEqual({ generation: 2, volumeName: null });
  });

  test("a deploy whose first step is the claim follows the claim's steps", () => {
    expect(stepsOf("deploy", true)).toEqual(["claim", "wait_healthy", "ready"]);
    expect(stepsOf("deploy", false)[0]).toBe("create_project");
    expect(stepsOf("warm", false)).toEqual(stepsOf("deploy", false));
  });

  test("the pool takes a deploy slot only when one is free and no deploy waits", async () => {
    const slots = new DeploySlots(1);
    const release = slots.tryAcquire();
    expect(release).not.toBeNull();
    expect(slots.tryAcquire()).toBeNull();
    const waiting = slots.acquire(() => undefined);
    release?.();
    // The freed slot went to the waiting deploy, not to the pool.
    expect(slots.tryAcquire()).toBeNull();
    (await waiting)();
    expect(slots.tryAcquire()).not.toBeNull();
  });

  test("POOL_SIZE needs a probe target that does not need a domain", () => {
    expect(() => loadConfig({ POOL_SIZE: "2", STACK_PROBE_URLS: "https://{host}/" })).toThrow(
      /POOL_SIZE: needs a STACK_PROBE_URLS entry without \{host\}/,
    );
    expect(loadConfig({ POOL_SIZE: "2" }).POOL_SIZE).toBe(2);
    expect(loadConfig({}).POOL_SIZE).toBeUndefined();
    expect(() => loadConfig({ POOL_SIZE: "-1" })).toThrow(/POOL_SIZE/);
  });
});
