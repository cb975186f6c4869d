/**
 * Output of the benchmarks: one JSON line per figure on stdout, then a summary (a JSON line
 * with "summary": true, followed by human-readable lines starting with "#").
 */

export type Verdict = "met" | "missed" | "n/a";

export interface TargetResult {
  target: string;
  value: number | string;
  verdict: Verdict;
  note?: string;
}

export interface BenchSummary {
  bench: string;
  ok: boolean;
  targets: TargetResult[];
  figures: Record<string, unknown>;
  notes: string[];
  error?: string;
}

export function figure(bench: string, data: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ bench, ...data })}\n`);
}

export function summary(s: BenchSummary): void {
  process.stdout.write(
    `${JSON.stringify({ bench: s.bench, summary: true, ok: s.ok, targets: s.targets, figures: s.figures, ...(s.error ? { error: s.error } : {}) })}\n`,
  );
  process.stdout.write(`# ${s.bench}: ${s.ok ? "completed" : `FAILED (${s.error})`}\n`);
  for (const t of s.targets) process.stdout.write(`#   [${t.verdict}] ${t.target}: ${t.value}${t.note ? ` (${t.note})` : ""}\n`);
  for (const n of s.notes) process.stdout.write(`#   note: ${n}\n`);
}

export function verdict(ok: boolean): Verdict {
  return ok ? "met" : "missed";
}

/** Lines for the log only (progress), kept off stdout so stdout stays JSON + summary. */
export function progress(bench: string, message: string): void {
  process.stderr.write(`[${bench}] ${message}\n`);
}
