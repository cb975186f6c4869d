import type { Metrics } from "../../metrics.ts";
import { rateLimited } from "../answers.ts";
import { route } from "../route.ts";

/** GET /metrics in Prometheus text format; METRICS_TOKEN, when set, is asked for in app.ts. */
export const METRICS_ROUTES = [
  route({
    method: "get",
    path: "/metrics",
    tag: "public",
    access: "metrics",
    summary: "Prometheus metrics (behind METRICS_TOKEN when one is set)",
    answers: {
      200: { description: "Prometheus text format", contentType: "text/plain" },
      401: { description: "METRICS_TOKEN is set and no token came", codes: ["unauthorized"] },
      403: { description: "Not METRICS_TOKEN", codes: ["forbidden"] },
      429: rateLimited,
    },
    handler: (deps: { metrics: Metrics; refreshMetrics: () => void | Promise<void> }) => async (c) => {
      await deps.refreshMetrics();
      return c.body(await deps.metrics.registry.metrics(), 200, { "Content-Type": deps.metrics.registry.contentType });
    },
  }),
];
