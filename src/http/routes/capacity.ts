import type { Fleet } from "../../stacks/fleet/fleet.ts";
import { adminOnly } from "../answers.ts";
import { route } from "../route.ts";

/** GET /api/admin/capacity: the fleet by status, run state and image; per node what Dokploy reports. */
export const CAPACITY_ROUTES = [
  route({
    method: "get",
    path: "/api/admin/capacity",
    tag: "admin",
    access: "admin",
    summary: "The fleet by status, run state and image, what running stacks reserve, and per node what Dokploy reports",
    answers: { 200: { description: "Capacity", schema: "Capacity" }, ...adminOnly },
    handler: (deps: { fleet: Fleet }) => async (c) => {
      c.header("Cache-Control", "no-store");
      const report = await deps.fleet.capacity((err) =>
        c.get("log").warn({ err: err instanceof Error ? err.message : String(err) }, "capacity: Dokploy's node list could not be read"),
      );
      return c.json(report);
    },
  }),
];
