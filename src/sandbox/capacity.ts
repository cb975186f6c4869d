import type { SandboxSettings } from "./context.ts";

/**
 * Dokploy's own capacity. A real v0.30.2 on 2 shared cores answered 22 to 42 calls/s from one
 * caller, 55 to 75 from 4 callers on and no more beyond, with a median of 105 to 149 ms at 8
 * calls in flight and about 460 ms at 32: a server that does the work of about two calls at a
 * time, about 30 ms each, and queues the rest. So that no benchmark rewards a bulkhead wider
 * than a real Dokploy can serve, each API call holds one of `dokployWorkers` for
 * `dokployCallMs` before it is handled (0 for either: unbounded). A call that then waits on
 * Swarm (application.start and .stop) does not hold it: Dokploy's event loop is free while
 * its `docker` command runs.
 */
export class ServerCapacity {
  private busy = 0;
  private readonly waiting: (() => void)[] = [];
  /** The most calls being worked on at once. */
  maxBusy = 0;

  constructor(private readonly settings: SandboxSettings) {}

  async serve(): Promise<void> {
    const { dokployWorkers: workers, dokployCallMs: ms } = this.settings;
    if (workers <= 0 || ms <= 0) return;
    while (this.busy >= workers) await new Promise<void>((wake) => this.waiting.push(wake));
    this.busy++;
    this.maxBusy = Math.max(this.maxBusy, this.busy);
    try {
      await Bun.sleep(ms);
    } finally {
      this.busy--;
      this.waiting.shift()?.();
    }
  }

  resetStats(): void {
    this.maxBusy = this.busy;
  }
}
