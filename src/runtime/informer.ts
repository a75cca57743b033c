import { ApiError } from '../k8s/api-error';
import { KubeHttp } from '../k8s/http';
import type { Logger } from '../obs/logger';

export type Key = string; // namespace/name

/** What an informer needs of an object; raw JSON, so timestamps are strings. */
export interface Meta {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
}

export const keyOf = (o: Meta): Key => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

export interface InformerOptions<T> {
  http: KubeHttp;
  /** Collection path, e.g. /api/v1/pods or /api/v1/namespaces/x/pods. */
  path: string;
  labelSelector?: string;
  log: Logger;
  /** Called for every add, change and delete, with the object after (or last seen, if deleted). */
  onChange: (obj: T, deleted: boolean) => void;
  onRelist?: () => void;
  onWatch?: () => void;
  /** How long a watch must stay open to count as healthy (default 10 s; tests shorten it). */
  healthyWatchMs?: number;
  /** Trims an object before it is cached, to what the operator reads. */
  transform?: (obj: T) => T;
}

interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T & { code?: number; reason?: string; message?: string };
}

const PAGE = 500;
const FIRST_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 30_000;
const HEALTHY_WATCH_MS = 10_000;

/**
 * Informer keeps a cache of one collection: it lists once, then watches from the list's
 * resourceVersion. When a watch ends it resumes from the last resourceVersion it saw (bookmarks
 * keep that fresh); only 410 Gone makes it list again. Errors, and watches that close at once, back
 * off from 0.5 s to 30 s (afresh after a watch that stayed open 10 s) and never end the process.
 */
export class Informer<T extends Meta> {
  private readonly cache = new Map<Key, T>();
  private resourceVersion = '';
  private stopped = false;
  private current?: { destroy: () => void };
  private backoffMs = 0;
  /** Whether the last failure had no answer at all (connection refused or reset, a timeout). */
  private lastFailedUnanswered = false;
  /** Set when the backoff was restarted at an answer; cleared once a list or watch succeeds. */
  private resetThisOutage = false;
  /** When the current watch was opened (0: none open yet). */
  private openedAt = 0;
  private resolveSynced!: () => void;
  readonly synced = new Promise<void>((resolve) => (this.resolveSynced = resolve));

  constructor(private readonly o: InformerOptions<T>) {}

  get(key: Key): T | undefined {
    return this.cache.get(key);
  }

  list(): T[] {
    return [...this.cache.values()];
  }

  get size(): number {
    return this.cache.size;
  }

  start(): void {
    void this.run();
  }

  stop(): void {
    this.stopped = true;
    this.current?.destroy();
    this.resolveSynced(); // whoever waits for the first list must not wait forever: it checks for stop
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let listed = false;
      try {
        if (!this.resourceVersion) {
          await this.relist();
          listed = true;
        }
        if (this.stopped) return;
        await this.watch();
        if (this.stopped) return;
        // A watch that ended on its own after a healthy while is renewed at once; one that ends
        // as soon as it opens (a server shutting down, a proxy) backs off like a failure.
        if (this.wasHealthy()) this.backoffMs = 0;
        else await this.backOff('watch closed early');
      } catch (err) {
        if (this.stopped) return;
        // A watch that broke after a healthy while starts its backoff afresh (the mark is used up,
        // so failures that follow, a failing list included, keep backing off).
        if (this.wasHealthy()) this.backoffMs = 0;
        if (err instanceof ApiError && err.status === 410) {
          this.o.log.info('watch expired, listing again', { path: this.o.path });
          this.resourceVersion = '';
          // Expired again straight after a list: wait, or a server that keeps answering 410 gets a list storm.
          if (listed) await this.backOff('watch expired right after a list');
          continue;
        }
        // A server that says when to come back (429 while its storage initializes, or overloaded)
        // is taken at its word, and the backoff still grows under it.
        // The first answer after failures without one means the server is back (starting, or
        // busy): the backoff that grew while it was away starts afresh, so the informer does not
        // sleep up to 30 s past a server that asks to be tried again in one.
        // Once per outage: a server that alternates (a balancer before a dead and a busy one) must
        // not keep the backoff short.
        const unanswered = !(err instanceof ApiError) || err.status === 0;
        if (this.lastFailedUnanswered && !unanswered && !this.resetThisOutage) {
          this.backoffMs = 0;
          this.resetThisOutage = true;
        }
        this.lastFailedUnanswered = unanswered;
        await this.backOff((err as Error).message, err instanceof ApiError ? err.retryAfterMs : undefined);
      }
    }
  }

  /** wasHealthy: the last watch stayed open long enough to count as working. Asking uses the mark up. */
  private wasHealthy(): boolean {
    const healthy = this.openedAt > 0 && Date.now() - this.openedAt >= (this.o.healthyWatchMs ?? HEALTHY_WATCH_MS);
    this.openedAt = 0;
    return healthy;
  }

  private async backOff(reason: string, retryAfterMs?: number): Promise<void> {
    this.backoffMs = Math.min(MAX_BACKOFF_MS, this.backoffMs ? this.backoffMs * 2 : FIRST_BACKOFF_MS);
    const wait = Math.max(this.backoffMs, retryAfterMs ?? 0);
    if (retryAfterMs !== undefined)
      this.o.log.info('API server busy, retrying when it asked', { path: this.o.path, error: reason, retryInMs: wait });
    else this.o.log.warn('watch failed, retrying', { path: this.o.path, error: reason, retryInMs: wait });
    await sleep(wait);
  }

  private query(extra: Record<string, string>): string {
    const q = new URLSearchParams(extra);
    if (this.o.labelSelector) q.set('labelSelector', this.o.labelSelector);
    return `${this.o.path}?${q.toString()}`;
  }

  private async relist(): Promise<void> {
    const seen = new Map<Key, T>();
    let cont = '';
    let rv: string;
    do {
      const page = await this.o.http.request<{ metadata: { resourceVersion: string; continue?: string }; items: T[] }>(
        'GET',
        this.query({ limit: String(PAGE), ...(cont ? { continue: cont } : {}) }),
      );
      for (const item of page.items) seen.set(keyOf(item), this.o.transform ? this.o.transform(item) : item);
      cont = page.metadata.continue ?? '';
      rv = page.metadata.resourceVersion;
    } while (cont);
    for (const [key, old] of this.cache)
      if (!seen.has(key)) {
        this.cache.delete(key);
        this.notify(old, true);
      }
    for (const [key, obj] of seen) {
      const old = this.cache.get(key);
      this.cache.set(key, obj);
      if (old?.metadata?.resourceVersion !== obj.metadata?.resourceVersion) this.notify(obj, false);
    }
    this.resourceVersion = rv;
    this.resolveSynced();
    this.resetThisOutage = false;
    this.o.onRelist?.();
  }

  private async watch(): Promise<void> {
    const res = await this.o.http.stream(
      this.query({
        watch: '1',
        allowWatchBookmarks: 'true',
        resourceVersion: this.resourceVersion,
        timeoutSeconds: String(240 + Math.floor(Math.random() * 120)),
      }),
    );
    if (this.stopped) {
      res.destroy();
      return;
    }
    this.current = res;
    this.openedAt = Date.now();
    this.resetThisOutage = false;
    this.o.onWatch?.();
    await new Promise<void>((resolve, reject) => {
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          if (!line.trim()) continue;
          try {
            this.handle(JSON.parse(line) as WatchEvent<T>);
          } catch (err) {
            res.destroy();
            reject(err);
            return;
          }
        }
      });
      res.on('end', resolve);
      res.on('close', resolve);
      res.on('error', (err) => reject(new ApiError(0, 'WatchBroken', err.message)));
    });
  }

  private handle(ev: WatchEvent<T>): void {
    if (ev.type === 'ERROR') {
      throw new ApiError(ev.object.code ?? 500, ev.object.reason ?? 'Unknown', ev.object.message ?? 'watch error');
    }
    const rv = ev.object.metadata?.resourceVersion;
    if (rv) this.resourceVersion = rv;
    if (ev.type === 'BOOKMARK') return;
    const key = keyOf(ev.object);
    const obj = this.o.transform ? this.o.transform(ev.object) : ev.object;
    if (ev.type === 'DELETED') this.cache.delete(key);
    else this.cache.set(key, obj);
    this.notify(obj, ev.type === 'DELETED');
  }

  /** notify hands a change on; a handler's error is logged, never allowed to end the watch. */
  private notify(obj: T, deleted: boolean): void {
    try {
      this.o.onChange(obj, deleted);
    } catch (err) {
      this.o.log.error('event handler failed', {
        path: this.o.path,
        object: keyOf(obj),
        error: (err as Error).message,
      });
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
