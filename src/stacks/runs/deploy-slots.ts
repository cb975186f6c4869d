/**
 * The portal's own deploy queue: at most `size` deploys run at once; the rest wait in
 * arrival order and are told their position whenever it changes.
 */
interface Waiter {
  grant: () => void;
  onPosition: (position: number) => void;
  signal?: AbortSignal;
}

export class DeploySlots {
  private running = 0;
  private readonly waiting: Waiter[] = [];

  constructor(
    private readonly size: number,
    private readonly onQueueLength?: (n: number) => void,
  ) {}

  get queued(): number {
    return this.waiting.length;
  }

  /**
   * A slot now, only if one is free and nobody waits for it, else null: background work (the
   * warm pool) never queues, so it never goes ahead of a person's deploy.
   */
  tryAcquire(): (() => void) | null {
    if (this.running >= this.size || this.waiting.length > 0) return null;
    this.running++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running--;
      this.next();
    };
  }

  /** Resolves when a slot is free; rejects with the signal's reason if aborted while waiting. */
  acquire(onPosition: (position: number) => void, signal?: AbortSignal): Promise<() => void> {
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.running--;
      this.next();
    };
    if (this.running < this.size && this.waiting.length === 0) {
      this.running++;
      return Promise.resolve(release);
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { grant: () => resolve(release), onPosition, signal };
      this.waiting.push(waiter);
      onPosition(this.waiting.length);
      this.onQueueLength?.(this.waiting.length);
      signal?.addEventListener(
        "abort",
        () => {
          const i = this.waiting.indexOf(waiter);
          if (i < 0) return;
          this.waiting.splice(i, 1);
          this.announce(i);
          reject(signal.reason);
        },
        { once: true },
      );
    });
  }

  private next(): void {
    const waiter = this.waiting.shift();
    if (!waiter) {
      this.onQueueLength?.(0);
      return;
    }
    this.running++;
    waiter.grant();
    this.announce(0);
  }

  /** Everyone from index `from` on moved up by one. */
  private announce(from: number): void {
    this.onQueueLength?.(this.waiting.length);
    for (const [i, w] of this.waiting.slice(from).entries()) w.onPosition(from + i + 1);
  }
}
