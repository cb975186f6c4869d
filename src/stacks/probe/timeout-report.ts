import type { ProbeSeen } from "../model/vocabulary.ts";
import type { ProbeOutcome } from "./probe-once.ts";
import type { ProbeTarget } from "./targets.ts";
import { SagaError } from "../runs/saga.ts";

/** health_timeout, saying what each target last answered (detail and probes: owner's and admin's views). */
export function healthTimeout(targets: ProbeTarget[], last: ProbeOutcome[]): SagaError {
  const seen = probesSeen(targets, last);
  return new SagaError("health_timeout", "The stack did not answer in time", describeProbes(seen), seen);
}

/** Each target with what the probe last saw there, for a stack that never answered. */
export function probesSeen(targets: ProbeTarget[], last: ProbeOutcome[]): ProbeSeen[] {
  return targets.map((target, i) => {
    const outcome = last[i];
    const seen: ProbeSeen = {
      target: target.hostHeader ? `${target.url} (Host: ${target.hostHeader})` : target.url,
      reason: outcome && !outcome.up ? outcome.reason : "not_attempted",
    };
    if (outcome?.status !== undefined) seen.status = outcome.status;
    if (outcome && !outcome.up && outcome.detail) seen.detail = outcome.detail;
    if (outcome && !outcome.up && outcome.at) seen.at = outcome.at;
    return seen;
  });
}

const SAID: Record<string, string> = {
  refused: "connection refused",
  reset: "connection reset",
  timeout: "no answer in time",
  tls: "TLS handshake failed",
  dns: "name not found",
  unreachable: "network unreachable",
  not_attempted: "not tried",
};

/** One line per target: "https://alice.example/: status 502 at 12:03:04Z". */
export function describeProbes(seen: ProbeSeen[]): string {
  return seen
    .map((p) => {
      const what = p.status !== undefined ? `status ${p.status}` : (SAID[p.reason] ?? p.reason);
      const why = p.detail && p.status === undefined ? ` (${p.detail})` : "";
      const when = p.at ? ` at ${p.at.slice(11, 19)}Z` : "";
      return `${p.target}: ${what}${why}${when}`;
    })
    .join("; ");
}
