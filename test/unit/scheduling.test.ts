import { describe, expect, test } from "bun:test";
import type { ServiceTask } from "../../src/dokploy/schemas.ts";
import { unschedulableReason } from "../../src/stacks/placement/swarm-scheduling.ts";

/**
 * Reading Swarm's "no node can take this task" from Dokploy's task list (`docker service ps`,
 * newest first), as Docker's CLI prints it: the reason quoted, the current state "Pending".
 */

const REASON = "no suitable node (insufficient resources on 1 node)";
const task = (currentState: string, extra: Partial<ServiceTask> = {}): ServiceTask => ({
  containerId: "t1",
  name: "ai-stack-x-abc.1",
  state: "running",
  currentState,
  node: "",
  error: "",
  ...extra,
});
const pending = (extra: Partial<ServiceTask> = {}) => task("Pending 3 seconds ago", { error: `"${REASON}"`, ...extra });

describe("unschedulableReason", () => {
  test("the newest task pending with swarmkit's reason: the reason, unquoted", () => {
    expect(unschedulableReason([pending()])).toBe(REASON);
    expect(
      unschedulableReason([
        pending({ error: '"no suitable node (1 node not available for new tasks; scheduling constraints not satisfied on 1 node)"' }),
      ]),
    ).toBe("no suitable node (1 node not available for new tasks; scheduling constraints not satisfied on 1 node)");
    // A stop-first update's new task waits with desired state "ready".
    expect(unschedulableReason([pending({ state: "ready" }), task("Shutdown 2 seconds ago", { state: "shutdown", error: "Error:" })])).toBe(REASON);
  });

  test("anything else says nothing", () => {
    expect(unschedulableReason([])).toBeNull();
    // Not yet looked at by the scheduler, or running, or on its way out.
    expect(unschedulableReason([task("Pending less than a second ago", { error: "Error:" })])).toBeNull();
    expect(unschedulableReason([task("Running 5 seconds ago", { node: "dokploy-manager", error: "Error:" })])).toBeNull();
    expect(unschedulableReason([pending({ state: "shutdown" })])).toBeNull();
    // Another error of a pending task is not a scheduling one.
    expect(unschedulableReason([pending({ error: '"port already allocated"' })])).toBeNull();
  });

  test("an older task still running holds its reservation: its end may be the room the new one waits for", () => {
    const old = task("Running 2 minutes ago", { containerId: "t0", state: "shutdown", node: "dokploy-manager" });
    expect(unschedulableReason([pending({ state: "ready" }), old])).toBeNull();
    expect(unschedulableReason([pending({ state: "ready" }), { ...old, currentState: "Shutdown 1 second ago" }])).toBe(REASON);
    expect(unschedulableReason([pending(), { ...old, currentState: "Failed 3 minutes ago" }, { ...old, currentState: "Complete 1 hour ago" }])).toBe(
      REASON,
    );
  });
});
