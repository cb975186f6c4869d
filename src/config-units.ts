import { z } from "zod";

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
