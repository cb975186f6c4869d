import type { Logger } from "../../log.ts";
import type { Store } from "../../store/index.ts";

/**
 * Retention, in the background: finished deployments' events and reports after
 * HISTORY_RETENTION (the row and its outcome stay), deleted stacks' history once their
 * quarantine and HISTORY_RETENTION are both over, audit entries after AUDIT_RETENTION; then
 * the freed pages go back to the file system. Each batch is one short transaction and the
 * keeper pauses between them, so a request waits at most one batch, never a whole pass.
 */

const DAY_MS = 86_400_000;
/** Deployments per batch: with their ~8 events each, about 5 ms of work (at most ~20). */
const HISTORY_BATCH = 50;
/** Deleted stacks per batch: each may bring a long history of deployments. */
const STACK_BATCH = 2;
const AUDIT_BATCH = 1_000;
/** 512 KiB of 4 KiB pages per vacuum step (about 20 ms at most). */
const VACUUM_PAGES = 128;
const PAUSE_MS = 20;
/** The first pass soon after start (an upgraded portal has a backlog), not before start-up is done. */
const FIRST_PASS_MAX_MS = 60_000;

export type PrunedKind = "history" | "deleted_stacks" | "audit";

export interface HistoryKeeperOptions {
  /** 0: kept for ever. */
  historyMs: number;
  /** 0: kept for ever. */
  auditMs: number;
  quarantineDays: number;
  /** 0: no background passes. */
  intervalMs: number;
  onPruned?: (kind: PrunedKind, rows: number) => void;
  onPass?: (endedAt: number) => void;
  /** Between batches (tests make it 0). */
  pauseMs?: number;
}

export interface PassSummary {
  history: number;
  deletedStacks: number;
  audit: number;
  /** Bytes given back to the file system. */
  freedBytes: number;
}

export class HistoryKeeper {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private running: Promise<PassSummary> | null = null;
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
    private readonly opts: HistoryKeeperOptions,
  ) {}

  start(): void {
    if (this.opts.intervalMs <= 0) return;
    const tick = () => {
      this.runOnce()
        .catch((err) => {
          this.log.warn({ err: err instanceof Error ? err.message : String(err) }, "retention pass failed");
        })
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.opts.intervalMs);
        });
    };
    this.timer = setTimeout(tick, Math.min(this.opts.intervalMs, FIRST_PASS_MAX_MS));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One pass to the end of what is due (a pass already under way is joined, not doubled). */
  runOnce(): Promise<PassSummary> {
    this.running ??= this.pass().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async pass(): Promise<PassSummary> {
    const { store, opts } = this;
    const now = Date.now();
    const iso = (ms: number) => new Date(ms).toISOString();
    const summary: PassSummary = { history: 0, deletedStacks: 0, audit: 0, freedBytes: 0 };
    if (opts.historyMs > 0) {
      const before = iso(now - opts.historyMs);
      summary.history = await this.batches("history", () => {
        const b = store.retention.pruneHistory(before, HISTORY_BATCH);
        return { rows: b.events + b.reports, more: b.more };
      });
      // A deleted stack's history stays for its owner during the quarantine, and at least as long as anyone's.
      const gone = iso(now - Math.max(opts.quarantineDays * DAY_MS, opts.historyMs));
      summary.deletedStacks = await this.batches("deleted_stacks", () => store.retention.pruneDeletedStacks(gone, STACK_BATCH, iso(now)));
    }
    if (opts.auditMs > 0) {
      const before = iso(now - opts.auditMs);
      summary.audit = await this.batches("audit", () => store.retention.pruneAudit(before, AUDIT_BATCH));
    }
    summary.freedBytes = await this.giveSpaceBack();
    if (summary.history || summary.deletedStacks || summary.audit || summary.freedBytes)
      this.log.info({ ...summary, databaseBytes: store.size().bytes }, "retention pass: old history let go");
    opts.onPass?.(Date.now());
    return summary;
  }

  /** Runs `batch` until it says there is no more, pausing in between; the rows it removed. */
  private async batches(kind: PrunedKind, batch: () => { rows: number; more: boolean }): Promise<number> {
    let total = 0;
    for (;;) {
      if (this.stopped) return total;
      const { rows, more } = batch();
      if (rows) this.opts.onPruned?.(kind, rows);
      total += rows;
      if (!more) return total;
      await this.pause();
    }
  }

  private async giveSpaceBack(): Promise<number> {
    const { store } = this;
    if (!store.size().incremental) return 0;
    let pages = 0;
    for (;;) {
      if (this.stopped) break;
      const freed = store.vacuumStep(VACUUM_PAGES);
      pages += freed;
      if (freed < VACUUM_PAGES) break;
      await this.pause();
    }
    if (pages) store.truncateWal();
    return pages * store.size().pageSize;
  }

  private pause(): Promise<void> {
    const ms = this.opts.pauseMs ?? PAUSE_MS;
    return new Promise((resolve) => setTimeout(resolve, ms));
  }
}
