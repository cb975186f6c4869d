import { Hono } from "hono";
import type { DokployHealthCheck } from "../../dokploy/health.ts";
import type { Store } from "../../store/index.ts";
import type { AppEnv } from "../env.ts";
import type { HealthBody } from "../responses.ts";

export interface HealthDeps {
  dokploy: DokployHealthCheck;
  store: Store;
  version: string;
  mode: "dokploy" | "sandbox";
  startedAt: number;
}

/** 200 for healthy and degraded (Dokploy trouble), 503 when the portal itself cannot work. */
export function healthRoutes(deps: HealthDeps) {
  return new Hono<AppEnv>().get("/health", async (c) => {
    const [dokploy, database] = [await deps.dokploy.check(), deps.store.healthy() ? "up" : "down"] as const;
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
  });
}
