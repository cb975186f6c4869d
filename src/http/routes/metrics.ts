import { Hono } from "hono";
import type { Metrics } from "../../metrics.ts";
import { secretEquals } from "../../stacks/secrets.ts";
import type { AppEnv } from "../env.ts";
import { bearerToken } from "../middleware.ts";
import { problem } from "../problem.ts";

/** GET /metrics in Prometheus text format; behind METRICS_TOKEN when one is set. */
export function metricsRoutes(metrics: Metrics, opts: { token?: string; refresh: () => void }) {
  return new Hono<AppEnv>().get("/metrics", async (c) => {
    if (opts.token) {
      const bearer = bearerToken(c.req.header("authorization"));
      if (!bearer) return problem(c, 401, "unauthorized", "This needs the metrics token", { "WWW-Authenticate": 'Bearer realm="metrics"' });
      if (!secretEquals(bearer, opts.token)) return problem(c, 403, "forbidden", "That is not the metrics token");
    }
    opts.refresh();
    return c.body(await metrics.registry.metrics(), 200, { "Content-Type": metrics.registry.contentType });
  });
}
