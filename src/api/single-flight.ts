// A per-key cache where concurrent callers share one in-flight load. Fifty dashboards polling the
// same job cost one set of queries per TTL instead of fifty, and, within the stale window, nobody
// waits for a refresh: they get the previous answer while one load runs in the background.
export interface SingleFlightCache<V> {
  get(key: string, load: () => Promise<V>): Promise<V>;
  delete(key: string): void;
}

export interface SingleFlightOptions<V> {
  /** How long a settled value is fresh, by value (e.g. failures kept longer than successes). */
  ttlMs: (value: V) => number;
  /**
   * Age up to which an expired value is still served while a refresh runs. 0 (default): callers
   * after expiry wait for the refresh.
   */
  staleMs?: number;
  clock?: () => number;
  maxEntries?: number;
}

interface Entry<V> {
  /** The last settled value, if any. */
  value?: { v: V; at: number; freshUntil: number };
  /** The load in flight, if any. */
  loading?: Promise<V>;
}

export function createSingleFlight<V>(opts: SingleFlightOptions<V>): SingleFlightCache<V> {
  const clock = opts.clock ?? (() => performance.now());
  const maxEntries = opts.maxEntries ?? 10_000;
  const staleMs = opts.staleMs ?? 0;
  const entries = new Map<string, Entry<V>>();

  function sweep(now: number) {
    for (const [k, e] of entries) if (!e.loading && (!e.value || e.value.at + Math.max(staleMs, e.value.freshUntil - e.value.at) < now)) entries.delete(k);
  }

  function refresh(key: string, entry: Entry<V>, load: () => Promise<V>): Promise<V> {
    const p = load();
    entry.loading = p;
    p.then(
      (v) => {
        const at = clock();
        if (entries.get(key) === entry) entry.value = { v, at, freshUntil: at + opts.ttlMs(v) };
        if (entry.loading === p) entry.loading = undefined;
      },
      // A failed load is not cached: the next caller tries again.
      () => {
        if (entry.loading === p) entry.loading = undefined;
      },
    );
    return p;
  }

  return {
    get(key, load) {
      const now = clock();
      let entry = entries.get(key);
      if (!entry) {
        if (entries.size >= maxEntries) sweep(now);
        entry = {};
        entries.set(key, entry);
      }
      const cached = entry.value;
      if (cached && now < cached.freshUntil) return Promise.resolve(cached.v);
      const inFlight = entry.loading ?? refresh(key, entry, load);
      if (cached && now - cached.at <= staleMs) {
        // Serve the previous answer; the refresh (started or joined above) lands for the next caller.
        inFlight.catch(() => undefined);
        return Promise.resolve(cached.v);
      }
      return inFlight;
    },
    delete(key) {
      entries.delete(key);
    },
  };
}
