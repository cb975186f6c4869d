import { type NodeSource, fleetCapacity } from "../../stacks/fleet/capacity.ts";
import type { Store } from "../../store/index.ts";
import { adminOnly } from "../answers.ts";
import { route } from "../route.ts";

export interface CapacityRouteDeps {
  store: Store;
  capacityConfig: Parameters<typeof fleetCapacity>[1];
  /** Per-node figures from Dokploy's Swarm cluster, when the portal knows one. */
  nodeCapacity?: NodeSource;
}

/** GET /api/admin/capacity: the fleet by status, run state and image; per node what Dokploy reports. */
export const CAPACITY_ROUTES = [
  route({
    method: "get",
    path: "/api/admin/capacity",
    tag: "admin",
    access: "admin",
    summary: "The fleet by status, run state and image, what running stacks reserve, and per node what Dokploy reports",
    answers: { 200: { description: "Capacity", schema: "Capacity" }, ...adminOnly },
    handler: (deps: CapacityRouteDeps) => async (c) => {
      c.header("Cache-Control", "no-store");
      const report = await fleetCapacity(deps.store, deps.capacityConfig, deps.nodeCapacity, (err) =>
        c.get("log").warn({ err: err instanceof Error ? err.message : String(err) }, "capacity: Dokploy's node list could not be read"),
      );
      return c.json(report);
    },
  }),
];
