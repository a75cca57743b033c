/**
 * WorkQueue runs a handler per key with client-go's workqueue guarantees: a key waits in the
 * queue at most once however often it is added, it is never handled twice at the same time (an
 * add while it runs makes it run once more after), at most `concurrency` keys run at once, and a
 * failed key comes back after an exponential, per-key backoff (unless `retry` says it cannot help).
 *
 * Keys wait in two lanes, first come first served in each. An `urgent` key (its Pods changed, so
 * its status may have news for a person) runs before every `normal` one (a new or changed object,
 * which means Pod creates): during a burst of 500 creates a status would otherwise wait seconds
 * behind them. A key added to both lanes waits once, in the urgent one.
 *
 * A handler says when to look at its key again, as controller-runtime's Result and kube-rs' Action
 * do: each pass works that out anew from everything it knows, so its answer replaces the key's
 * pending look, and a pass that needs none drops it (a timer per object would otherwise outlive
 * the need for it). A failed pass knows nothing certain: its key keeps its pending look, and comes
 * back sooner if its backoff, or a look the error asks for, is sooner.
 */
export type Lane = 'urgent' | 'normal';

/** What a handler says of its key's next look. */
export interface Result {
  /** Look at the key again after this long; without it, only an add brings the key back. */
  requeueAfterMs?: number;
}

export interface QueueOptions {
  concurrency: number;
  /** Whether a failed key comes back after its backoff; by default every failure is retried. */
  retry?: (err: unknown) => boolean;
  /** When to look at a failed key again whatever `retry` says: a deadline its handler knew before failing. */
  requeueAfterError?: (err: unknown) => number | undefined;
  /** The lane a key comes back in when its handler asked for a later look (by default normal). */
  requeueLane?: Lane;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Hold keys without running them until start(): a controller starts its workers once its caches have listed. */
  paused?: boolean;
}

export class WorkQueue {
  private readonly lanes: Record<Lane, string[]> = { urgent: [], normal: [] };
  /** The lane each waiting key waits in; a key moved to the urgent lane stays behind in the normal one, skipped when reached. */
  private readonly queued = new Map<string, Lane>();
  private readonly running = new Set<string>();
  /** Keys added while running, and the lane they go back to. */
  private readonly dirty = new Map<string, Lane>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, { due: number; timer: NodeJS.Timeout }>();
  private shuttingDown = false;
  private paused: boolean;
  private idle: Array<() => void> = [];

  constructor(
    private readonly handler: (key: string) => Promise<Result | void>,
    private readonly o: QueueOptions,
    private readonly onError: (key: string, err: unknown, retryInMs: number | undefined) => void,
  ) {
    this.paused = !!o.paused;
  }

  /** start runs the keys held while paused, and every key after. */
  start(): void {
    this.paused = false;
    this.pump();
  }

  get depth(): number {
    return this.queued.size;
  }

  get active(): number {
    return this.running.size;
  }

  add(key: string, lane: Lane = 'normal'): void {
    if (this.shuttingDown) return;
    if (this.running.has(key)) {
      if (this.dirty.get(key) !== 'urgent') this.dirty.set(key, lane);
      return;
    }
    const waiting = this.queued.get(key);
    if (waiting === 'urgent' || waiting === lane) return;
    this.queued.set(key, lane);
    this.lanes[lane].push(key);
    this.pump();
  }

  /** shutDown stops taking keys and resolves when the running ones are done. */
  async shutDown(): Promise<void> {
    this.shuttingDown = true;
    for (const t of this.timers.values()) clearTimeout(t.timer);
    this.timers.clear();
    this.lanes.urgent.length = 0;
    this.lanes.normal.length = 0;
    this.queued.clear();
    if (this.running.size === 0) return;
    await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  private pump(): void {
    while (!this.paused && this.running.size < this.o.concurrency) {
      const key = this.next();
      if (key === undefined) return;
      this.running.add(key);
      void this.process(key);
    }
  }

  /** next takes the first key of the urgent lane, else of the normal one, skipping keys moved to the urgent lane. */
  private next(): string | undefined {
    for (const lane of ['urgent', 'normal'] as const) {
      const keys = this.lanes[lane];
      while (keys.length) {
        const key = keys.shift()!;
        if (this.queued.get(key) !== lane) continue; // moved to the urgent lane, and taken from there
        this.queued.delete(key);
        return key;
      }
    }
    return undefined;
  }

  private async process(key: string): Promise<void> {
    try {
      const result = await this.handler(key);
      this.failures.delete(key);
      this.replaceLater(key, result?.requeueAfterMs);
    } catch (err) {
      const n = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, n);
      const delay = Math.min(this.o.maxDelayMs ?? 300_000, (this.o.baseDelayMs ?? 200) * 2 ** (n - 1));
      const retry = this.o.retry?.(err) ?? true;
      this.onError(key, err, retry ? delay : undefined);
      if (retry) this.addSooner(key, delay, 'normal');
      const asked = this.o.requeueAfterError?.(err);
      if (asked !== undefined) this.addSooner(key, asked, this.o.requeueLane ?? 'normal');
    } finally {
      this.running.delete(key);
      const again = this.dirty.get(key);
      if (again) {
        this.dirty.delete(key);
        this.add(key, again);
      }
      if (this.running.size === 0 && this.shuttingDown) this.idle.splice(0).forEach((r) => r());
      this.pump();
    }
  }

  /** replaceLater makes `ms` the key's only pending look, or drops it when `ms` is undefined. */
  private replaceLater(key: string, ms: number | undefined): void {
    const pending = this.timers.get(key);
    if (pending) clearTimeout(pending.timer);
    this.timers.delete(key);
    if (ms !== undefined) this.later(key, ms, this.o.requeueLane ?? 'normal');
  }

  /** addSooner adds the key after `ms` unless a look already pending comes sooner. */
  private addSooner(key: string, ms: number, lane: Lane): void {
    const pending = this.timers.get(key);
    if (pending && pending.due <= Date.now() + ms) return;
    if (pending) clearTimeout(pending.timer);
    this.later(key, ms, lane);
  }

  private later(key: string, ms: number, lane: Lane): void {
    if (this.shuttingDown) return;
    this.timers.set(key, {
      due: Date.now() + ms,
      timer: setTimeout(() => {
        this.timers.delete(key);
        this.add(key, lane);
      }, ms),
    });
  }
}
