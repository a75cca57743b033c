/**
 * Expectations remember the Pod creates and deletes a reconcile sent that the cache has not shown
 * yet (the ReplicaSet controller's guard): until they are seen, or time out, the next reconcile
 * of that key does not plan again, so a stale cache never causes a second create or delete.
 */
export class Expectations {
  private readonly pending = new Map<string, { adds: Set<string>; dels: Set<string>; since: number }>();

  constructor(
    private readonly ttlMs = 5 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  expect(key: string, adds: string[], dels: string[]): void {
    if (!adds.length && !dels.length) return;
    const e = this.pending.get(key) ?? { adds: new Set<string>(), dels: new Set<string>(), since: this.now() };
    adds.forEach((n) => e.adds.add(n));
    dels.forEach((n) => e.dels.add(n));
    e.since = this.now();
    this.pending.set(key, e);
  }

  observeAdd(key: string, name: string): void {
    this.pending.get(key)?.adds.delete(name);
    this.tidy(key);
  }

  observeDelete(key: string, name: string): void {
    this.pending.get(key)?.dels.delete(name);
    this.tidy(key);
  }

  satisfied(key: string): boolean {
    const e = this.pending.get(key);
    if (!e) return true;
    if (this.now() - e.since > this.ttlMs) {
      this.pending.delete(key);
      return true;
    }
    return false;
  }

  /** msUntilExpired says when the key's pending expectations time out (and satisfied() says true), if it has any. */
  msUntilExpired(key: string): number | undefined {
    const e = this.pending.get(key);
    // satisfied() needs the TTL passed, not reached; a timer may also fire a millisecond early.
    return e && Math.max(0, e.since + this.ttlMs - this.now()) + 50;
  }

  forget(key: string): void {
    this.pending.delete(key);
  }

  private tidy(key: string): void {
    const e = this.pending.get(key);
    if (e && !e.adds.size && !e.dels.size) this.pending.delete(key);
  }
}
