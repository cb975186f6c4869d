import { Hono } from "hono";
import type { Metrics } from "../../metrics.ts";
import type { AppEnv } from "../env.ts";
import { requireToken } from "../middleware.ts";

/** GET /metrics in Prometheus text format; behind METRICS_TOKEN when one is set. */
export function metricsRoutes(metrics: Metrics, opts: { token?: string; refresh: () => void | Promise<void> }) {
  const app = new Hono<AppEnv>();
  if (opts.token) app.use("/metrics", requireToken(opts.token, "metrics"));
  return app.get("/metrics", async (c) => {
    await opts.refresh();
    return c.body(await metrics.registry.metrics(), 200, { "Content-Type": metrics.registry.contentType });
  });
}
