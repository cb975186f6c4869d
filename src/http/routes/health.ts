import type { DokployHealthCheck } from "../../dokploy/health.ts";
import type { HealthBody } from "../responses.ts";
import { route } from "../route.ts";

export interface HealthDeps {
  dokploy: DokployHealthCheck;
  /** Whether the database takes writes. */
  databaseUp: () => boolean;
  version: string;
  mode: "dokploy" | "sandbox";
  startedAt: number;
}

export const HEALTH_ROUTES = [
  route({
    method: "get",
    path: "/health",
    tag: "public",
    access: "public",
    summary: "The portal's health and Dokploy's",
    answers: {
      200: { description: "Healthy or degraded (Dokploy trouble)", schema: "Health" },
      503: { description: "Unhealthy: the database takes no writes", schema: "Health" },
    },
    // 200 for healthy and degraded (Dokploy trouble), 503 when the portal itself cannot work.
    handler: (deps: HealthDeps) => async (c) => {
      const [dokploy, database] = [await deps.dokploy.check(), deps.databaseUp() ? "up" : "down"] as const;
      const status = database === "down" ? "unhealthy" : dokploy.status === "up" ? "healthy" : "degraded";
      c.header("Cache-Control", "no-store");
      return c.json(
        {
          status,
          version: deps.version,
          uptimeSeconds: Math.round((Date.now() - deps.startedAt) / 1000),
          mode: deps.mode,
          checks: { dokploy, database: { status: database } },
        } satisfies HealthBody,
        status === "unhealthy" ? 503 : 200,
      );
    },
  }),
];
