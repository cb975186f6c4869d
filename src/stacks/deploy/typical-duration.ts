/**
 * "Usually about a minute": the median of the portal's own recent successful deploys. With
 * too few of them there is no honest figure, and the page then says nothing.
 */
export const TYPICAL_SAMPLE = 20;
export const TYPICAL_MIN_SAMPLES = 3;

export function typicalDuration(durationsMs: number[]): number | null {
  if (durationsMs.length < TYPICAL_MIN_SAMPLES) return null;
  const sorted = [...durationsMs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const upper = sorted[mid] ?? 0;
  return Math.round(sorted.length % 2 ? upper : ((sorted[mid - 1] ?? upper) + upper) / 2);
}
