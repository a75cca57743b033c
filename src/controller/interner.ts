/** Keys whose values are unique to one object: interning them would only fill the table. */
const UNIQUE = new Set(['uid', 'resourceVersion', 'generateName']);
/** Longer strings are messages and logs, rarely equal. */
const MAX_LENGTH = 80;

/**
 * Interner makes equal strings in the cached objects one string. JSON.parse makes a new string for
 * every value, so 2,000 cached Pods and their AppWithHelpers held 4,000 copies each of
 * 'helpers.dev/v1alpha1', 'Initialized', 'busybox:1.36', the same condition messages and the
 * timestamps of one second: about a third of the heap each object adds. The table is bounded: when
 * it is full it starts again (what is cached keeps its strings; only later copies miss the old ones).
 */
export class Interner {
  private table = new Map<string, string>();

  constructor(private readonly maxEntries = 20_000) {}

  /** intern replaces, in place, the string values of a freshly parsed object with the kept ones. */
  intern<T>(value: T): T {
    this.walk(value as unknown, '');
    return value;
  }

  get size(): number {
    return this.table.size;
  }

  private walk(value: unknown, parent: string): void {
    if (!value || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++)
        if (typeof value[i] === 'string') value[i] = this.one(value[i]);
        else this.walk(value[i], parent);
      return;
    }
    const obj = value as Record<string, unknown>;
    for (const key in obj) {
      const v = obj[key];
      if (typeof v === 'string') {
        // An object's own name is unique; a container's or an owner's is shared.
        if (!UNIQUE.has(key) && !(key === 'name' && (parent === 'metadata' || parent === 'pods')))
          obj[key] = this.one(v);
      } else if (v && typeof v === 'object') this.walk(v, key);
    }
  }

  private one(s: string): string {
    if (s.length > MAX_LENGTH) return s;
    const kept = this.table.get(s);
    if (kept !== undefined) return kept;
    if (this.table.size >= this.maxEntries) this.table = new Map();
    this.table.set(s, s);
    return s;
  }
}
