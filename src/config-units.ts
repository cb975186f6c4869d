import { z } from "zod";

/** Parsers shared by every group of variables (config.ts, auth/, fleet-config.ts). */

const DURATION = /^(\d+)(ms|s|m|h|d)?$/;
export const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** "90s", "10m", "500ms", "30d" or a bare number of milliseconds; `positive` refuses 0. */
export const duration = (fallback: string, opts: { positive?: boolean } = {}) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      const match = DURATION.exec(value.trim());
      if (!match || (opts.positive && Number(match[1]) === 0)) {
        ctx.addIssue({ code: "custom", message: 'expected a duration such as "500ms", "90s", "10m", "1h" or "30d"' });
        return z.NEVER;
      }
      return Number(match[1]) * UNIT_MS[(match[2] ?? "ms") as keyof typeof UNIT_MS];
    });

/** Decimal digits only: Number() would also take "0x10", "0b10", "1e3" or "16.0". */
const wholeNumber = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d{1,15}$/, "expected a whole number in decimal digits")
    .transform(Number)
    .pipe(z.number().min(min, `expected at least ${min}`).max(max, `expected at most ${max}`));

export const integer = (fallback: number, min: number, max: number) => wholeNumber(min, max).default(fallback);

/** Unset: undefined, for a default that depends on more than the variable (see its reader). */
export const optionalInteger = (min: number, max: number) => wholeNumber(min, max).optional();

/** Unset or blank: undefined; otherwise the value, trimmed. */
export const trimmedText = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v.trim()));

/**
 * Resource sizes in human units, as Docker takes them (`-m 4g`, `--cpus 1.5`), turned into
 * what Dokploy stores: bytes and nano-CPUs. `none` (or `0`) means no limit.
 */

const MEMORY = /^(\d+(?:\.\d+)?)\s*(b|k|m|g|t)?(?:i?b)?$/i;
const MEMORY_UNITS = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 } as const;
/** Docker refuses memory limits below 6 MiB. */
const MIN_MEMORY = 6 * 1024 ** 2;

const isNone = (v: string) => /^(none|off|0)$/i.test(v.trim());

/** "4g", "512m", "1.5g", "2147483648" (bytes) or "none". Binary units, as in Docker. */
export const memorySize = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx): number | null => {
      if (isNone(value)) return null;
      const match = MEMORY.exec(value.trim());
      const bytes = match ? Math.round(Number(match[1]) * MEMORY_UNITS[(match[2]?.toLowerCase() ?? "b") as keyof typeof MEMORY_UNITS]) : Number.NaN;
      if (!Number.isSafeInteger(bytes) || bytes < MIN_MEMORY) {
        ctx.addIssue({ code: "custom", message: 'expected a memory size of at least 6m such as "512m", "4g" or "1.5g", or "none"' });
        return z.NEVER;
      }
      return bytes;
    });

/** "2", "0.5" CPUs, or "none"; returned in nano-CPUs. */
export const cpuCount = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx): number | null => {
      if (isNone(value)) return null;
      const cpus = /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
      if (!(cpus >= 0.01 && cpus <= 1024)) {
        ctx.addIssue({ code: "custom", message: 'expected a number of CPUs between 0.01 and 1024 such as "2" or "0.5", or "none"' });
        return z.NEVER;
      }
      return Math.round(cpus * 1e9);
    });
