import { Hono } from "hono";
import { type NodeSource, fleetCapacity } from "../../stacks/fleet/capacity.ts";
import type { Store } from "../../store/index.ts";
import type { AppEnv } from "../env.ts";
import { requireToken } from "../middleware.ts";

export interface CapacityRouteDeps {
  store: Store;
  adminToken?: string;
  capacityConfig: Parameters<typeof fleetCapacity>[1];
  /** Per-node figures from Dokploy's Swarm cluster, when the portal knows one. */
  nodeCapacity?: NodeSource;
}

/** GET /api/admin/capacity: the fleet by status, run state and image; per node what Dokploy reports. */
export function capacityRoutes(deps: CapacityRouteDeps) {
  return new Hono<AppEnv>().get("/api/admin/capacity", requireToken(deps.adminToken, "admin", { signedInAdmin: true }), async (c) => {
    c.header("Cache-Control", "no-store");
    const report = await fleetCapacity(deps.store, deps.capacityConfig, deps.nodeCapacity, (err) =>
      c.get("log").warn({ err: err instanceof Error ? err.message : String(err) }, "capacity: Dokploy's node list could not be read"),
    );
    return c.json(report);
  });
}
