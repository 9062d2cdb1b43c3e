import type { Queryable } from './pool.js';

export interface RateLimiter {
  /**
   * Resolves when the caller may send one request, with the reserved slot (epoch ms, Postgres'
   * clock; null when unlimited); rejects with the signal's reason if aborted.
   */
  acquire(signal?: AbortSignal): Promise<number | null>;
}

export interface RateLimiterOptions {
  db: Queryable;
  /** One row per Polygon key: the limit is per key, shared by every worker that uses it. */
  name: string;
  /** Requests per minute; 0 means unlimited. */
  rpm: number;
}

/**
 * A limiter shared by every process through one row of `rate_limiters`: each request reserves the
 * next free slot with a single upsert timed by Postgres' clock (so skewed worker clocks agree),
 * then sleeps until its slot. Requests are spaced 60000/rpm ms apart, which never exceeds rpm in
 * any minute-long window and never bursts.
 */
export function createRateLimiter(opts: RateLimiterOptions): RateLimiter {
  if (opts.rpm <= 0) {
    return {
      acquire: async (signal) => {
        signal?.throwIfAborted();
        return null;
      },
    };
  }
  const spacingMs = 60_000 / opts.rpm;
  return {
    async acquire(signal) {
      signal?.throwIfAborted();
      const { rows } = await opts.db.query<{ wait_ms: number; slot_ms: number }>(
        `INSERT INTO rate_limiters AS r (name, next_slot)
         VALUES ($1, clock_timestamp() + make_interval(secs => $2::float8 / 1000))
         ON CONFLICT (name) DO UPDATE
           SET next_slot = greatest(r.next_slot, clock_timestamp()) + make_interval(secs => $2::float8 / 1000)
         RETURNING greatest(0, extract(epoch FROM (r.next_slot - clock_timestamp())) * 1000 - $2)::float8 AS wait_ms,
                   (extract(epoch FROM r.next_slot) * 1000 - $2)::float8 AS slot_ms`,
        [opts.name, spacingMs],
      );
      await sleep(rows[0]!.wait_ms, signal);
      return rows[0]!.slot_ms;
    },
  };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
