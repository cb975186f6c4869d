import { describe, expect, test } from "bun:test";
import type { ApplicationSettings } from "../../src/dokploy/schemas.ts";
import { applicationSettings, settingsDiffer } from "../../src/stacks/model/swarm-settings.ts";

const config = { STACK_MEMORY_LIMIT: 4 * 1024 ** 3, STACK_MEMORY_RESERVATION: null, STACK_CPU_LIMIT: 2e9, STACK_CPU_RESERVATION: null };
const wanted = applicationSettings("app-1", config, "node-a");
/** Dokploy's application after the portal's update: what application.one gives back. */
const applied = (): ApplicationSettings =>
  ({
    applicationId: "app-1",
    memoryLimit: wanted.memoryLimit,
    memoryReservation: null,
    cpuLimit: wanted.cpuLimit,
    cpuReservation: null,
    updateConfigSwarm: { ...wanted.updateConfigSwarm, Monitor: 0 },
    placementSwarm: { Constraints: ["node.id==node-a"] },
    healthCheckSwarm: { Test: ["NONE"] },
  }) as unknown as ApplicationSettings;

describe("whether a redeploy must send the portal's settings", () => {
  test("not when Dokploy has them (other keys of its own do not count)", () => {
    expect(settingsDiffer(applied(), wanted)).toBe(false);
  });

  test("when a limit, the update order, the health check or the pin differs, or Dokploy has none", () => {
    expect(settingsDiffer({ ...applied(), memoryLimit: "1073741824" }, wanted)).toBe(true);
    expect(settingsDiffer({ ...applied(), cpuReservation: "1000000000" }, wanted)).toBe(true);
    expect(settingsDiffer({ ...applied(), updateConfigSwarm: { ...wanted.updateConfigSwarm, Order: "start-first" } }, wanted)).toBe(true);
    expect(settingsDiffer({ ...applied(), updateConfigSwarm: null }, wanted)).toBe(true);
    expect(settingsDiffer({ ...applied(), placementSwarm: null }, wanted)).toBe(true);
    // A stack from before the image's health check was switched off, or one reset in Dokploy.
    expect(settingsDiffer({ ...applied(), healthCheckSwarm: null }, wanted)).toBe(true);
    expect(settingsDiffer({ ...applied(), healthCheckSwarm: { Test: ["CMD", "/usr/local/bin/healthcheck.sh"] } }, wanted)).toBe(true);
    expect(settingsDiffer({ ...applied(), placementSwarm: { Constraints: ["node.id==node-b"] } }, wanted)).toBe(true);
  });

  test("a pin is not compared when none is sent (Dokploy's value is left alone)", () => {
    expect(settingsDiffer({ ...applied(), placementSwarm: null }, applicationSettings("app-1", config, null))).toBe(false);
  });
});
