/**
 * A process's own CPU time and memory, read from /proc (Linux): what the kernel accounted,
 * not an estimate. CPU is utime + stime of /proc/<pid>/stat in clock ticks (USER_HZ, 100 on
 * Linux for every architecture the kernel exports to user space); memory is VmRSS.
 */
import { readFileSync } from "node:fs";
import { rssKiB } from "./proc.ts";
import { median } from "./stats.ts";

const USER_HZ = 100;

/** User + system CPU time the process has used so far, in ms (10 ms resolution). */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name (field 2) may hold spaces and parentheses: count fields after its last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // Fields 14 and 15 of the whole line are utime and stime; here field 3 is index 0.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / USER_HZ;
}

export interface UsageWindow {
  cpu_ms: number;
  wall_ms: number;
  /** CPU time over wall time, in percent of one core. */
  cpu_percent_of_one_core: number;
  rss_peak_mib: number;
  rss_median_mib: number;
  rss_samples: number;
}

/** Samples RSS every `everyMs` from now until `stop()`, and the CPU time used in between. */
export function watchUsage(pid: number, everyMs = 200): { stop(): UsageWindow } {
  const t0 = performance.now();
  const cpu0 = cpuMs(pid);
  const rss: number[] = [rssKiB(pid)];
  const timer = setInterval(() => {
    try {
      rss.push(rssKiB(pid));
    } catch {
      // The process went away; the bench will say so.
    }
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      rss.push(rssKiB(pid));
      const cpu = cpuMs(pid) - cpu0;
      const wall = performance.now() - t0;
      const mib = (kib: number) => Math.round((kib / 1024) * 10) / 10;
      return {
        cpu_ms: cpu,
        wall_ms: Math.round(wall),
        cpu_percent_of_one_core: Math.round((cpu / wall) * 1000) / 10,
        rss_peak_mib: mib(Math.max(...rss)),
        rss_median_mib: mib(median(rss)),
        rss_samples: rss.length,
      };
    },
  };
}
