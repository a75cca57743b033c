/**
 * How soon a request may take a token. A `high` one (a status write) goes before every waiting
 * `normal` one (Pod creates and deletes): a status tells a person something new, and during a burst
 * of creates it would otherwise wait seconds behind them; every request still takes a token, so
 * the writes per second are the same in any order. A `low` one (an Event) waits behind both.
 */
export type Priority = 'high' | 'normal' | 'low';

/**
 * RateLimiter is client-go's token bucket (QPS refill, burst capacity, first come first served
 * within a lane) with three lanes. Besides waiting behind the others, a low request leaves half
 * the burst in the bucket for them, so during a burst of work Events wait until it is over. They
 * are for people, and never worth delaying a Pod or a status.
 */
export class RateLimiter {
  private tokens: number;
  private last = Date.now();
  private readonly lanes: Record<Priority, Array<() => void>> = { high: [], normal: [], low: [] };
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly qps: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
  }

  /** take resolves when the request may go. */
  take(priority: Priority = 'normal'): Promise<void> {
    this.refill();
    const { high, normal, low } = this.lanes;
    const free =
      priority === 'high'
        ? high.length === 0
        : priority === 'normal'
          ? high.length === 0 && normal.length === 0
          : high.length === 0 && normal.length === 0 && low.length === 0 && this.tokens >= 1 + this.reserve;
    if (this.tokens >= 1 && free) {
      this.tokens -= 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.lanes[priority].push(resolve);
      this.schedule();
    });
  }

  /**
   * busy: requests wait for a token, or over half the burst is spent. A write that can wait (an
   * in-between status) would then delay one that cannot.
   */
  get busy(): boolean {
    this.refill();
    return this.lanes.high.length > 0 || this.lanes.normal.length > 0 || this.tokens < this.reserve;
  }

  /** releaseAll lets every waiter go at once (the client is closing: they fail instead of waiting). */
  releaseAll(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const { high, normal, low } = this.lanes;
    [...high.splice(0), ...normal.splice(0), ...low.splice(0)].forEach((go) => go());
  }

  private refill(): void {
    const now = Date.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.qps);
    this.last = now;
  }

  private get reserve(): number {
    return Math.floor(this.burst / 2);
  }

  private schedule(): void {
    if (this.timer) return;
    const { high, normal, low } = this.lanes;
    const need = high.length || normal.length ? 1 : 1 + this.reserve;
    const wait = Math.max(1, Math.ceil(((need - this.tokens) / this.qps) * 1000));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.refill();
      for (const lane of [high, normal])
        while (this.tokens >= 1 && lane.length) {
          this.tokens -= 1;
          lane.shift()!();
        }
      while (this.tokens >= 1 + this.reserve && !high.length && !normal.length && low.length) {
        this.tokens -= 1;
        low.shift()!();
      }
      if (high.length || normal.length || low.length) this.schedule();
    }, wait);
  }
}
