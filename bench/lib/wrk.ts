/**
 * Closed-loop load from wrk (Debian's `wrk` package), a C load generator in its own process.
 * The check benchmark's saturated shape uses it because autocannon, a JavaScript client in the
 * bench process, spent more CPU per response than the servers it measured (39 µs for the bare
 * baseline's answer and 56-68 µs once the answer carried the portal's twelve headers, against
 * 23-30 µs of the baseline's own), so at saturation it measured itself: docs/performance.md §1.
 */
import { join } from "node:path";
import type { LoadResult } from "./load.ts";

const SCRIPT = join(import.meta.dir, "wrk-paths.lua");
export const WRK_HINT = "the check benchmark needs wrk: `apt-get install -y wrk` (Debian), or put a wrk binary on PATH";

/** autocannon's figures without its raw samples (wrk reports percentiles only) and timeouts (counted in errors). */
export type WrkResult = Omit<LoadResult, "samples" | "timeouts">;

export function wrkPath(): string {
  const found = Bun.which("wrk");
  if (!found) throw new Error(WRK_HINT);
  return found;
}

/** `connections` connections on one thread for `durationS`, cycling through `paths`. */
export async function wrkLoad(opts: { url: string; paths: string[]; connections: number; durationS: number }): Promise<WrkResult> {
  const proc = Bun.spawn([wrkPath(), "-t1", `-c${opts.connections}`, `-d${opts.durationS}s`, "--timeout", "5s", "-s", SCRIPT, opts.url], {
    env: { ...process.env, PATHS: opts.paths.join(",") },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
  const line = out.trim().split("\n").at(-1) ?? "";
  if (code !== 0 || !line.startsWith("{")) throw new Error(`wrk failed (exit ${code}): ${err.trim() || out.trim()}`);
  const j = JSON.parse(line) as Record<string, number>;
  const ms = (us: number | undefined) => Math.round((us ?? 0) * 10) / 10_000;
  return {
    requests: j.requests ?? 0,
    rps: Math.round(((j.requests ?? 0) / ((j.duration_us ?? 1) / 1e6)) * 10) / 10,
    p50_ms: ms(j.p50_us),
    p90_ms: ms(j.p90_us),
    p99_ms: ms(j.p99_us),
    p999_ms: ms(j.p999_us),
    max_ms: ms(j.max_us),
    errors: j.errors ?? 0,
    non2xx: j.non2xx ?? 0,
  };
}
