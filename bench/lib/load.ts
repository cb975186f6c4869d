/**
 * autocannon with sub-millisecond latency: autocannon's own histogram has 1 ms resolution,
 * which is too coarse for a sub-millisecond handler, so every response's time (autocannon's
 * hrtime-based `responseTime`, fractional ms) is also recorded here and percentiles are
 * computed from the raw samples. Throughput is autocannon's own figure.
 */
import autocannon from "autocannon";
import { Samples, percentile, r } from "./stats.ts";

export interface LoadOptions {
  url: string;
  /** Paths cycled through by each connection, in order. */
  paths: string[];
  connections: number;
  durationS: number;
  /** Requests per second over all connections; omitted = as fast as possible (closed loop). */
  overallRate?: number;
}

export interface LoadResult {
  requests: number;
  rps: number;
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  p999_ms: number;
  max_ms: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  /** Every response time (ms), for pooling over runs. */
  samples: Float64Array;
}

export async function load(opts: LoadOptions): Promise<LoadResult> {
  const samples = new Samples();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: opts.url,
        connections: opts.connections,
        duration: opts.durationS,
        ...(opts.overallRate ? { overallRate: opts.overallRate } : {}),
        requests: opts.paths.map((path) => ({ method: "GET" as const, path })),
      },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
    instance.on("response", (_client, _status, _bytes, responseTime) => samples.push(responseTime));
  });
  const v = samples.values();
  return {
    requests: result.requests.total,
    rps: r(result.requests.total / (result.duration || opts.durationS), 1),
    p50_ms: r(percentile(v, 50)),
    p90_ms: r(percentile(v, 90)),
    p99_ms: r(percentile(v, 99)),
    p999_ms: r(percentile(v, 99.9)),
    max_ms: r(percentile(v, 100)),
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    samples: v.slice(),
  };
}
