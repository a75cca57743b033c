/**
 * RateLimiter is client-go's token bucket (QPS refill, burst capacity, first come first served)
 * with a second, low-priority lane: a low request (an Event) waits behind every normal one and
 * also leaves half the burst in the bucket for them, so during a burst of work Events wait until
 * it is over. They are for people, and never worth delaying a Pod or a status.
 */
export class RateLimiter {
  private tokens: number;
  private last = Date.now();
  private readonly waiters: Array<() => void> = [];
  private readonly lowWaiters: Array<() => void> = [];
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly qps: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
  }

  /** take resolves when the request may go. */
  take(priority: 'normal' | 'low' = 'normal'): Promise<void> {
    this.refill();
    const free =
      priority === 'normal'
        ? this.waiters.length === 0
        : this.waiters.length === 0 && this.lowWaiters.length === 0 && this.tokens >= 1 + this.reserve;
    if (this.tokens >= 1 && free) {
      this.tokens -= 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      (priority === 'normal' ? this.waiters : this.lowWaiters).push(resolve);
      this.schedule();
    });
  }

  /** releaseAll lets every waiter go at once (the client is closing: they fail instead of waiting). */
  releaseAll(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    [...this.waiters.splice(0), ...this.lowWaiters.splice(0)].forEach((go) => go());
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
    const need = this.waiters.length ? 1 : 1 + this.reserve;
    const wait = Math.max(1, Math.ceil(((need - this.tokens) / this.qps) * 1000));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.refill();
      while (this.tokens >= 1 && this.waiters.length) {
        this.tokens -= 1;
        this.waiters.shift()!();
      }
      while (this.tokens >= 1 + this.reserve && this.lowWaiters.length) {
        this.tokens -= 1;
        this.lowWaiters.shift()!();
      }
      if (this.waiters.length || this.lowWaiters.length) this.schedule();
    }, wait);
  }
}
