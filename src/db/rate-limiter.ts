import { AsyncLocalStorage } from 'node:async_hooks';
import type { Queryable } from './pool.js';

/** Told when a caller starts waiting for the limiter without a slot, and when it gets one. */
export type WaitObserver = (waiting: boolean) => void;

export interface RateLimiter {
  /**
   * Resolves when the caller may send one request, with the reserved slot (epoch ms, Postgres'
   * clock; null when unlimited); rejects with the signal's reason if aborted.
   */
  acquire(signal?: AbortSignal): Promise<number | null>;
  /**
   * Runs `fn`, telling `observer` about every wait of an acquire() made inside it (however deep:
   * the Polygon client calls acquire, the activity that drives it is the one that reports).
   */
  observeWaits<T>(observer: WaitObserver, fn: () => Promise<T>): Promise<T>;
}

export interface RateLimiterOptions {
  db: Queryable;
  /** One row per Polygon key: the limit is per key, shared by every worker that uses it. */
  name: string;
  /** Requests per minute; 0 means unlimited. */
  rpm: number;
  /** How far past Postgres' now a request may reserve its slot (default DEFAULT_HORIZON_MS). */
  horizonMs?: number;
}

/**
 * Reservations reach at most this far ahead: work that is cancelled, paused or shut down while it
 * waits leaves the limiter at most this plus one spacing ahead, not one spacing per waiter.
 */
export const DEFAULT_HORIZON_MS = 2_000;

/**
 * A limiter shared by every process through one row of `rate_limiters`: a request reserves the
 * next free slot with a single upsert timed by Postgres' clock (so skewed worker clocks agree),
 * then sleeps until its slot. Requests are spaced 60000/rpm ms apart, which never exceeds rpm in
 * any minute-long window and never bursts.
 *
 * Only a slot within the horizon may be reserved; a caller whose slot would lie beyond it holds
 * nothing and sleeps until the free slot comes within the horizon, then asks again. Slots stay
 * back to back (no throughput lost) as long as a waiter asks again less than a horizon late.
 * A reservation given up before its slot (abort) is handed back when it is still the last one.
 */
export function createRateLimiter(opts: RateLimiterOptions): RateLimiter {
  const observers = new AsyncLocalStorage<WaitObserver>();
  // Nested scopes each hear every wait (a unit's status mark and its deadline clock, say).
  const observeWaits = <T>(observer: WaitObserver, fn: () => Promise<T>) => {
    const outer = observers.getStore();
    const both: WaitObserver = (w) => {
      outer?.(w);
      observer(w);
    };
    return observers.run(outer ? both : observer, fn);
  };
  if (opts.rpm <= 0) {
    return {
      acquire: async (signal) => {
        signal?.throwIfAborted();
        return null;
      },
      observeWaits,
    };
  }
  const spacingMs = 60_000 / opts.rpm;
  const horizonMs = Math.max(0, opts.horizonMs ?? DEFAULT_HORIZON_MS);

  async function reserve(): Promise<{ granted: boolean; slotUs: string; atMs: number; waitMs: number }> {
    const { rows } = await opts.db.query<{ granted: boolean; slot_us: string | null; at_ms: number | null; wait_ms: number | null }>(
      `WITH granted AS (
         INSERT INTO rate_limiters AS r (name, next_slot)
         VALUES ($1, clock_timestamp() + make_interval(secs => $2::float8 / 1000))
         ON CONFLICT (name) DO UPDATE
           SET next_slot = greatest(r.next_slot, clock_timestamp()) + make_interval(secs => $2::float8 / 1000)
           WHERE r.next_slot <= clock_timestamp() + make_interval(secs => $3::float8 / 1000)
         RETURNING r.next_slot - make_interval(secs => $2::float8 / 1000) AS slot
       ), answer AS (
         -- Not granted: the time at which the free slot comes within the horizon.
         SELECT g.slot IS NOT NULL AS granted, g.slot,
                coalesce(g.slot, l.next_slot - make_interval(secs => $3::float8 / 1000)) AS at
         FROM (VALUES (1)) AS one (x)
         LEFT JOIN granted g ON true
         LEFT JOIN rate_limiters l ON l.name = $1
       )
       SELECT granted,
              (extract(epoch FROM slot) * 1000000)::bigint::text AS slot_us,
              (extract(epoch FROM at) * 1000)::float8 AS at_ms,
              greatest(0, extract(epoch FROM (at - clock_timestamp())) * 1000)::float8 AS wait_ms
       FROM answer`,
      [opts.name, spacingMs, horizonMs],
    );
    const r = rows[0]!;
    // Neither granted nor visible: another transaction created the row after this statement's
    // snapshot was taken. Ask again at once.
    return { granted: r.granted, slotUs: r.slot_us ?? '', atMs: r.at_ms ?? 0, waitMs: r.wait_ms ?? 0 };
  }

  /** Gives an unused slot back if nobody reserved after it (else the gap is simply left). */
  async function release(slotUs: string): Promise<void> {
    await opts.db.query(
      `UPDATE rate_limiters
          SET next_slot = next_slot - make_interval(secs => $3::float8 / 1000)
        WHERE name = $1
          AND (extract(epoch FROM next_slot - make_interval(secs => $3::float8 / 1000)) * 1000000)::bigint = $2::bigint`,
      [opts.name, slotUs, spacingMs],
    );
  }

  return {
    observeWaits,
    async acquire(signal) {
      const observe = observers.getStore();
      let waiting = false;
      try {
        for (;;) {
          signal?.throwIfAborted();
          const r = await reserve();
          if (r.granted) {
            if (waiting) observe?.(false);
            waiting = false;
            try {
              await sleep(r.waitMs, signal);
            } catch (err) {
              await release(r.slotUs).catch(() => undefined);
              throw err;
            }
            return r.atMs;
          }
          if (!waiting) observe?.(true);
          waiting = true;
          await sleep(r.waitMs, signal);
        }
      } finally {
        if (waiting) observe?.(false);
      }
    },
  };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
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
