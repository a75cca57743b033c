/**
 * EventCorrelator decides, for each Event the operator wants to record, whether to create a new
 * Event object, PATCH the count of one it made before, or drop it: the rules of client-go's core/v1
 * recorder (tools/record/events_cache.go), so `kubectl describe` reads as it does for built-in
 * controllers and a crash-looping object cannot flood etcd.
 *
 * - Same object, type, reason and message as an Event made before: PATCH its count and lastTimestamp.
 * - More than 10 different messages for one object, type and reason within 10 minutes: they are
 *   combined into one Event, "(combined from similar events): <latest message>".
 * - Per object and type, a token bucket (burst 25, one more every 5 minutes) drops the rest.
 *
 * It keeps no more than `maxEntries` keys in each cache (least recently used go first), and holds
 * no I/O: `now` comes in, so tests drive the clock.
 */

export interface EventSubject {
  uid: string;
  kind: string;
  namespace: string;
  name: string;
}

export interface EventFacts {
  subject: EventSubject;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export type EventDecision =
  | { action: 'create'; key: string; message: string }
  | { action: 'patch'; key: string; message: string; name: string; count: number; firstTimestamp: string }
  | { action: 'skip' };

export interface CorrelatorOptions {
  maxEntries: number;
  /** Different messages of one object, type and reason within aggregateIntervalMs before they are combined. */
  aggregateMaxEvents: number;
  aggregateIntervalMs: number;
  spamBurst: number;
  /** Tokens added per second. */
  spamQps: number;
}

/** client-go's defaults (tools/record/events_cache.go). */
export const CLIENT_GO_DEFAULTS: CorrelatorOptions = {
  maxEntries: 4096,
  aggregateMaxEvents: 10,
  aggregateIntervalMs: 600_000,
  spamBurst: 25,
  spamQps: 1 / 300,
};

export const COMBINED_PREFIX = '(combined from similar events): ';

interface Sent {
  name: string;
  count: number;
  firstTimestamp: string;
}

export class EventCorrelator {
  private readonly sent: Lru<Sent>;
  /** The recent messages are an array: at most aggregateMaxEvents of them, and a Set's table costs more. */
  private readonly aggregates: Lru<{ messages: string[]; last: number }>;
  private readonly buckets: Lru<{ tokens: number; at: number }>;

  constructor(private readonly options: CorrelatorOptions = CLIENT_GO_DEFAULTS) {
    this.sent = new Lru(options.maxEntries);
    this.aggregates = new Lru(options.maxEntries);
    this.buckets = new Lru(options.maxEntries);
  }

  correlate(event: EventFacts, now: Date): EventDecision {
    const t = now.getTime();
    // The uid alone names the object (client-go joins kind, namespace, name and uid): the keys are kept
    // for thousands of objects, so the shorter the better.
    const objectKey = event.subject.uid;
    const aggregateKey = `${objectKey}\u0000${event.type}\u0000${event.reason}`;
    let record = this.aggregates.get(aggregateKey);
    if (!record || t - record.last > this.options.aggregateIntervalMs) record = { messages: [], last: t };
    if (!record.messages.includes(event.message)) record.messages.push(event.message);
    record.last = t;
    this.aggregates.set(aggregateKey, record);

    let key = `${aggregateKey}\u0000${event.message}`;
    let message = event.message;
    if (record.messages.length >= this.options.aggregateMaxEvents) {
      // As client-go: keep the set one short of the limit, so every further message stays combined.
      record.messages.shift();
      key = aggregateKey;
      message = COMBINED_PREFIX + event.message;
    }

    if (!this.accept(`${objectKey}\u0000${event.type}`, t)) return { action: 'skip' };
    const before = this.sent.get(key);
    return before
      ? {
          action: 'patch',
          key,
          message,
          name: before.name,
          count: before.count + 1,
          firstTimestamp: before.firstTimestamp,
        }
      : { action: 'create', key, message };
  }

  /** observe records what the API server stored, so the next repeat patches it. */
  observe(key: string, sent: Sent): void {
    this.sent.set(key, sent);
  }

  /** forget drops an Event the API server no longer has (expired after its TTL): the next repeat creates one. */
  forget(key: string): void {
    this.sent.delete(key);
  }

  /** A token bucket per object and type, refilled at spamQps up to spamBurst. */
  private accept(key: string, t: number): boolean {
    const bucket = this.buckets.get(key) ?? { tokens: this.options.spamBurst, at: t };
    bucket.tokens = Math.min(this.options.spamBurst, bucket.tokens + ((t - bucket.at) / 1000) * this.options.spamQps);
    bucket.at = t;
    const ok = bucket.tokens >= 1;
    if (ok) bucket.tokens -= 1;
    this.buckets.set(key, bucket);
    return ok;
  }
}

/** A Map kept to `max` entries, dropping the least recently used: memory stays bounded under churn. */
class Lru<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}

  get(key: string): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined) {
      this.map.delete(key);
      this.map.set(key, value);
    }
    return value;
  }

  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value!);
  }

  delete(key: string): void {
    this.map.delete(key);
  }
}
