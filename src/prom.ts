import { createRequire } from "node:module";
import type * as PromClient from "prom-client";

/**
 * The parts of prom-client the portal uses, required from prom-client's own files instead of its
 * index (why: cold start). The index also loads the Pushgateway (node:http, node:https, node:zlib)
 * and the cluster aggregator, ~20 ms at every start for nothing the portal uses. These are the
 * very classes the index exports (it re-exports these files), typed from the index's declarations.
 */
const require = createRequire(import.meta.url);

export const Registry: typeof PromClient.Registry = require("prom-client/lib/registry");
export const Counter: typeof PromClient.Counter = require("prom-client/lib/counter");
export const Gauge: typeof PromClient.Gauge = require("prom-client/lib/gauge");
export const Histogram: typeof PromClient.Histogram = require("prom-client/lib/histogram");
/** Required on the first call: the default metrics bring OpenTelemetry's API along (see Metrics.collectDefaults). */
export function collectDefaultMetrics(config: PromClient.DefaultMetricsCollectorConfiguration<PromClient.RegistryContentType>): void {
  (require("prom-client/lib/defaultMetrics") as typeof PromClient.collectDefaultMetrics)(config);
}
