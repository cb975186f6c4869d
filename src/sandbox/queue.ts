// Dokploy v0.30's in-memory deployment queue (docs/dokploy.md §4): one partition
// (`__local__`), `buildConcurrency` workers, jobs of one application FIFO and
// never in parallel. Waiting jobs have no deployment row.
import { nanoid, nowIso } from "./ids.ts";

export interface BuildJob {
  jobId: string;
  applicationId: string;
  appName: string;
  kind: "deploy" | "redeploy";
  title: string;
  description: string;
  enqueuedAt: string;
  /** Fault deploy_never_picked: the job sits in the queue and no worker ever takes it. */
  stuck: boolean;
}

export class BuildQueue {
  waiting: BuildJob[] = [];
  running = new Map<string, BuildJob>();
  private kickScheduled = false;

  constructor(
    private readonly concurrency: () => number,
    private readonly startJob: (job: BuildJob) => void,
    private readonly defer: (fn: () => void) => void,
  ) {}

  enqueue(job: Omit<BuildJob, "jobId" | "enqueuedAt">): BuildJob {
    const full: BuildJob = { ...job, jobId: nanoid(), enqueuedAt: nowIso() };
    this.waiting.push(full);
    this.kick();
    return full;
  }

  /** Pick-up happens on a later tick, as the real worker does, not inside the deploy request. */
  kick(): void {
    if (this.kickScheduled) return;
    this.kickScheduled = true;
    this.defer(() => {
      this.kickScheduled = false;
      this.pump();
    });
  }

  finish(jobId: string): void {
    this.running.delete(jobId);
    this.kick();
  }

  /** application.delete removes waiting (not running) jobs of the application. */
  dropWaitingFor(applicationId: string): number {
    const before = this.waiting.length;
    this.waiting = this.waiting.filter((j) => j.applicationId !== applicationId);
    return before - this.waiting.length;
  }

  clear(): void {
    this.waiting = [];
    this.running.clear();
    this.kickScheduled = false;
  }

  private pump(): void {
    const limit = Math.max(1, Math.floor(this.concurrency()));
    while (this.running.size < limit) {
      const busy = new Set([...this.running.values()].map((j) => j.applicationId));
      const index = this.waiting.findIndex((j) => !j.stuck && !busy.has(j.applicationId));
      if (index < 0) return;
      const [job] = this.waiting.splice(index, 1);
      if (!job) return;
      this.running.set(job.jobId, job);
      this.startJob(job);
    }
  }
}
