/**
 * Small helpers shared by the operator scripts (self-deploy, smoke): durations, output that
 * never shows a secret, and HTTP with a deadline.
 */

const DURATION = /^(\d+)(ms|s|m|h)?$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** "500ms", "90s", "10m", "1h" or a bare number of milliseconds (the format of src/config.ts). */
export function parseDuration(value: string, what: string): number {
  const match = DURATION.exec(value.trim());
  if (!match) throw new UsageError(`${what}: expected a duration such as "500ms", "90s", "10m" or "1h", got "${value}"`);
  return Number(match[1]) * UNIT_MS[(match[2] ?? "ms") as keyof typeof UNIT_MS];
}

/** Wrong flags or environment: exit code 2, nothing was changed. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** Something went wrong while doing the work: exit code 1. */
export class FailedError extends Error {
  override readonly name = "FailedError";
}

/** Replaces every known secret value in a text with [REDACTED]. */
export class Scrubber {
  private readonly secrets = new Set<string>();

  add(value: string | undefined | null): void {
    // Very short values would blank out ordinary words; no real token is that short.
    if (value && value.length >= 6) this.secrets.add(value);
  }

  scrub(text: string): string {
    let out = text;
    for (const secret of this.secrets) out = out.split(secret).join("[REDACTED]");
    return out;
  }
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** A short description of why a fetch failed (connection refused, timeout, TLS...). */
export function describeFetchError(err: unknown): string {
  if (err instanceof Error) {
    if (err.name === "TimeoutError") return "timed out";
    const code = (err as { code?: string }).code;
    return code && !err.message.includes(code) ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}

/** Random [a-z0-9] characters (for throwaway names). */
export function randomSuffix(length: number): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join("");
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
