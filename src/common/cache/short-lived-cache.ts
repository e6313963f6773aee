interface Entry<V> {
  value: Promise<V>;
  expiresAt: number;
  /** The load replacing an expired value, while it runs. */
  refresh?: Promise<V>;
}

/**
 * A small in-process cache of values loaded asynchronously, each kept for a short time.
 *
 * - Concurrent reads of a missing key share one load (50 pollers arriving together cost one query).
 * - The first read after a value expired waits for a new load; reads arriving while that load runs
 *   get the expired value instead of queueing behind it. A value is therefore never older than its
 *   time to keep plus one load.
 * - A load that fails is not kept: the next read tries again.
 * - At most `maxEntries` keys are kept (the oldest dropped first, Map keeps insertion order), and
 *   expired entries at the front are dropped on every load, so large values are not held long.
 */
export class ShortLivedCache<V> {
  private readonly entries = new Map<string, Entry<V>>();

  constructor(private readonly maxEntries: number) {}

  /** The value of `key` loaded less than `ttlMs` ago (see above), else `load()`'s. `ttlMs` <= 0: always load, keep nothing. */
  get(key: string, ttlMs: number, load: () => Promise<V>): Promise<V> {
    if (ttlMs <= 0) return load();
    const now = Date.now();
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt > now) return entry.value;
    if (entry?.refresh) return entry.value;

    this.sweep(now, key);
    const loading = load();
    const fresh: Entry<V> = { value: loading, expiresAt: now + ttlMs };
    if (entry) {
      entry.refresh = loading;
    } else {
      this.entries.set(key, fresh);
    }
    loading.then(
      () => {
        if (!entry) return;
        this.entries.delete(key);
        this.entries.set(key, fresh);
      },
      () => {
        if (this.entries.get(key) === (entry ?? fresh)) this.entries.delete(key);
      },
    );
    return loading;
  }

  /** Drops expired entries from the front, and the oldest ones while full; entries being refreshed and `key`'s own stay. */
  private sweep(now: number, key: string): void {
    for (const [oldest, entry] of this.entries) {
      const full = this.entries.size >= this.maxEntries;
      if (!full && (entry.expiresAt > now || entry.refresh || oldest === key)) break;
      if (oldest === key || entry.refresh) continue;
      this.entries.delete(oldest);
    }
  }
}
