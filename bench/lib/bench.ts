import { stopAll } from "./proc.ts";
import { type BenchSummary, summary } from "./report.ts";

export interface BenchContext {
  /** Registers a cleanup (temp dirs and the like), run after every child process is stopped. */
  defer(fn: () => void | Promise<void>): void;
}

export type BenchBody = (ctx: BenchContext) => Promise<Omit<BenchSummary, "bench" | "ok">>;

/**
 * Runs one benchmark: whatever happens, every process it started is stopped and its
 * cleanups run; a failure is reported in the summary instead of thrown.
 */
export async function runBench(bench: string, body: BenchBody): Promise<BenchSummary> {
  const cleanups: (() => void | Promise<void>)[] = [];
  let result: BenchSummary;
  try {
    result = { bench, ok: true, ...(await body({ defer: (fn) => cleanups.push(fn) })) };
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    result = { bench, ok: false, targets: [], figures: {}, notes: [], error: error.split("\n")[0]! };
    process.stderr.write(`[${bench}] failed: ${err instanceof Error ? (err.stack ?? error) : error}\n`);
  } finally {
    await stopAll();
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch {
        // best effort
      }
    }
  }
  summary(result);
  return result;
}
