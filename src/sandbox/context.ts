// The shared pieces every procedure and background job works on.
import type { Db } from "./db.ts";
import type { FaultRegistry } from "./faults.ts";
import type { DeploymentLogs } from "./logs.ts";
import type { BuildQueue } from "./queue.ts";
import type { Stacks } from "./stacks.ts";
import type { Cluster } from "./cluster.ts";
import type { VolumeBackupStore } from "./backups.ts";
import type { S3Backups } from "./engine/s3-backups.ts";
import type { EngineRuntime } from "./engine/runtime.ts";
import type { ServerCapacity } from "./capacity.ts";

export interface SandboxSettings {
  /** Added to every /api request before it is handled. */
  latencyMs: number;
  /** How long a build runs between pick-up and done/error. */
  deployDurationMs: number;
  /** Dokploy's `buildsConcurrency` for the local queue partition. */
  buildConcurrency: number;
  /** Delay between "done" and the container answering HTTP. */
  stackStartMs: number;
  /** How long a stopped task takes to be gone after `docker service scale =0`. */
  stackStopMs: number;
  /**
   * application.start and .stop answer once Swarm has converged and then this much later:
   * Docker's CLI watches the tasks this long (5 s) to see that they stay up.
   */
  scaleSettleMs: number;
  /**
   * The interval of the stack image's own HEALTHCHECK, run for every task whose application
   * does not switch it off (healthCheckSwarm `Test: ["NONE"]`): such a task is "starting",
   * and unreachable, until the first check after it answers. 0: the image has none.
   */
  imageHealthCheckMs: number;
  /** Dokploy's own capacity (capacity.ts): calls worked on at once, and each one's work. 0: unbounded. */
  dokployWorkers: number;
  dokployCallMs: number;
  /**
   * How long after a node loses power Swarm's manager says it is Down (its heartbeats stop):
   * 9.6 to 14.8 s on the engine tier's real one. Until then its tasks answer nothing but still count as running.
   */
  nodeDownAfterMs: number;
}

export const DEFAULT_SETTINGS: SandboxSettings = {
  latencyMs: 0,
  deployDurationMs: 300,
  buildConcurrency: 1,
  stackStartMs: 0,
  stackStopMs: 0,
  scaleSettleMs: 0,
  imageHealthCheckMs: 0,
  // The library's callers (tests) ask for the bounded server when they want it; the standalone
  // sandbox and the portal's embedded one are bounded like a real Dokploy (cli.ts, main.ts).
  dokployWorkers: 0,
  dokployCallMs: 0,
  nodeDownAfterMs: 10_000,
};

/** A real Dokploy v0.30.2 on 2 shared cores, as measured (capacity.ts). */
export const REAL_DOKPLOY_CAPACITY = { dokployWorkers: 2, dokployCallMs: 30 } as const;

export type LogFn = (msg: string, fields?: Record<string, unknown>) => void;

/** setTimeout with bookkeeping, so stop()/reset() leave no timers behind. */
export class TimerSet {
  private timers = new Set<ReturnType<typeof setTimeout>>();

  after(ms: number, fn: () => void): ReturnType<typeof setTimeout> {
    const t = setTimeout(
      () => {
        this.timers.delete(t);
        fn();
      },
      Math.max(0, ms),
    );
    this.timers.add(t);
    return t;
  }

  cancel(t: ReturnType<typeof setTimeout>): void {
    clearTimeout(t);
    this.timers.delete(t);
  }

  clearAll(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}

export interface SandboxContext {
  db: Db;
  stacks: Stacks;
  /** Swarm nodes, where tasks run, and each node's volumes. */
  cluster: Cluster;
  /** Backup destinations and the files volume backups put there. */
  backups: VolumeBackupStore;
  /** With the engine and a destination on a real S3 server: Dokploy's backup commands, run for real. */
  s3Backups: S3Backups | null;
  logs: DeploymentLogs;
  faults: FaultRegistry;
  queue: BuildQueue;
  settings: SandboxSettings;
  timers: TimerSet;
  organizationId: string;
  log: LogFn;
  /** SANDBOX_RUNTIME=docker: applications run as real Swarm services on the local engine. */
  engine: EngineRuntime | null;
  capacity: ServerCapacity;
}
