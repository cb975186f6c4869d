/**
 * The soak's troubles: one-shot Dokploy faults through the sandbox's control surface, and a
 * portal that is SIGKILLed and started again on the same data directory and port.
 */
import { BUN, type Child, LOOPBACK, spawnChild, waitFor200 } from "../lib/proc.ts";
import type { Rng } from "../lib/rng.ts";

/** Every procedure the portal calls. */
export const PROCEDURES = [
  "project.create",
  "project.one",
  "project.all",
  "project.remove",
  "application.create",
  "application.one",
  "application.saveDockerProvider",
  "application.saveEnvironment",
  "application.update",
  "application.deploy",
  "application.cleanQueues",
  "application.delete",
  "mounts.create",
  "domain.create",
  "deployment.all",
] as const;

const FAULTS = [
  { label: "500", fault: { kind: "status", status: 500, message: "soak: internal error" } },
  { label: "400", fault: { kind: "status", status: 400, message: "soak: bad request" } },
  { label: "drop", fault: { kind: "drop" } },
  { label: "hang", fault: { kind: "hang" } },
] as const;

export class FaultInjector {
  /** "<kind> <procedure>" -> count. */
  readonly injected: Record<string, number> = {};
  total = 0;

  constructor(
    private readonly sandboxUrl: string,
    private readonly rng: Rng,
  ) {}

  async run(stopping: () => boolean, meanGapMs: number): Promise<void> {
    while (!stopping()) {
      await Bun.sleep(this.rng.int(meanGapMs / 2, (meanGapMs * 3) / 2));
      if (stopping()) return;
      const { label, fault } = this.rng.pick(FAULTS);
      const procedure = this.rng.pick(PROCEDURES);
      const res = await fetch(`${this.sandboxUrl}/__sandbox/faults`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ ...fault, procedure, times: 1 }),
      });
      if (!res.ok) throw new Error(`adding a fault: ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
      this.total += 1;
      const key = `${label} ${procedure}`;
      this.injected[key] = (this.injected[key] ?? 0) + 1;
    }
  }

  /** Faults not fired yet are removed, so the end of the soak runs clean. */
  async clear(): Promise<{ fired: number; unfired: number }> {
    const list = (await (await fetch(`${this.sandboxUrl}/__sandbox/faults`)).json()) as { hits: number }[];
    await fetch(`${this.sandboxUrl}/__sandbox/faults`, { method: "DELETE" }).then((r) => r.arrayBuffer());
    const fired = list.filter((f) => f.hits > 0).length;
    return { fired, unfired: list.length - fired };
  }
}

/** The portal process, killed and started again on the same port and data directory. */
export class PortalRunner {
  private child: Child | null = null;
  kills = 0;
  starts = 0;
  /** Log lines at level error or fatal, over every run. */
  readonly errorLines: string[] = [];

  constructor(
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {}

  get url(): string {
    return `http://${LOOPBACK}:${this.port}`;
  }

  async start(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const child = spawnChild(`portal-${this.starts}`, [BUN, "src/main.ts"], { ...this.env, PORT: String(this.port) });
      this.starts += 1;
      try {
        await waitFor200(`${this.url}/health`, { child, timeoutMs: 30_000, intervalMs: 20 });
        this.child = child;
        return;
      } catch (err) {
        this.collect(child);
        await child.stop(500);
        // The killed process's port can take a moment to be free again.
        if (attempt >= 20 || !/EADDRINUSE|address already in use|in use/i.test(child.output())) throw err;
        await Bun.sleep(250);
      }
    }
  }

  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = null;
    child.proc.kill("SIGKILL");
    await child.proc.exited;
    this.collect(child);
    this.kills += 1;
  }

  async run(stopping: () => boolean, rng: Rng, everyMs: number): Promise<void> {
    while (!stopping()) {
      const wait = rng.int(everyMs - 5_000, everyMs + 5_000);
      const until = Date.now() + wait;
      while (Date.now() < until && !stopping()) await Bun.sleep(100);
      if (stopping()) return;
      await this.kill();
      await this.start();
    }
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child) return;
    await child.stop(5_000);
    this.collect(child);
  }

  private collect(child: Child): void {
    for (const line of child.output().split("\n")) if (/"level":"(error|fatal)"/.test(line)) this.errorLines.push(line);
  }
}
