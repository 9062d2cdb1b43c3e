import { createHash } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { getConnInfo } from '@hono/node-server/conninfo';
import { ApiError } from '../errors.js';
import type { AppEnv } from '../context.js';

export interface RateLimitOptions {
  /** Sustained requests per minute per client. */
  perMinute: number;
  /** Requests a client may send at once before the sustained rate applies. */
  burst: number;
  /**
   * Count requests per bearer token: only when the tokens are checked (API_KEYS set) before this
   * middleware runs; otherwise any client could mint a fresh bucket with every request.
   */
  byApiKey?: boolean;
  /** Who a request counts against; defaults to clientKey below. */
  keyOf?: (c: Context<AppEnv>) => string;
  /** Clients remembered at most; idle ones are forgotten first (a full bucket carries no state). */
  maxClients?: number;
  now?: () => number;
}

/**
 * The client a request counts against: its bearer token when `byApiKey` (hashed: the key itself is
 * never kept), else the socket's address. Forwarded-for headers are not trusted: any client can
 * send one.
 */
export function clientKey(c: Context<AppEnv>, byApiKey = false): string {
  const m = byApiKey ? /^Bearer[ \t]+(\S+)/i.exec(c.req.header('authorization') ?? '') : null;
  if (m) return `key:${createHash('sha256').update(m[1]!).digest('base64url').slice(0, 22)}`;
  try {
    return `addr:${getConnInfo(c).remote.address ?? 'unknown'}`;
  } catch {
    // No socket behind the request (app.request() in tests, another runtime).
    return 'addr:unknown';
  }
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * A token bucket per client, in this process: `burst` requests at once, then `perMinute` a minute.
 * Past it, 429 with Retry-After (whole seconds until one request is allowed again) and the API's
 * JSON error. Several API processes each keep their own buckets.
 */
export function rateLimit(opts: RateLimitOptions): MiddlewareHandler<AppEnv> {
  const perMs = opts.perMinute / 60_000;
  const burst = Math.max(1, opts.burst);
  const maxClients = opts.maxClients ?? 10_000;
  const now = opts.now ?? Date.now;
  const keyOf = opts.keyOf ?? ((c: Context<AppEnv>) => clientKey(c, opts.byApiKey));
  const buckets = new Map<string, Bucket>();

  function forgetIdle(t: number) {
    for (const [k, b] of buckets) if (b.tokens + (t - b.at) * perMs >= burst) buckets.delete(k);
    // Still full of busy clients: drop the longest-known ones rather than grow without bound.
    for (const k of buckets.keys()) {
      if (buckets.size < maxClients * 0.9) break;
      buckets.delete(k);
    }
  }

  return async (c, next) => {
    const t = now();
    const key = keyOf(c);
    let b = buckets.get(key);
    if (!b) {
      if (buckets.size >= maxClients) forgetIdle(t);
      b = { tokens: burst, at: t };
      buckets.set(key, b);
    } else {
      b.tokens = Math.min(burst, b.tokens + (t - b.at) * perMs);
      b.at = t;
    }
    if (b.tokens < 1) {
      const retryAfter = Math.max(1, Math.ceil((1 - b.tokens) / perMs / 1000));
      c.header('Retry-After', String(retryAfter));
      throw new ApiError(
        429,
        'rate_limited',
        `too many requests from this client: at most ${opts.perMinute} a minute (API_RATE_LIMIT_RPM, bursts of ${burst}: API_RATE_LIMIT_BURST); retry after ${retryAfter} s`,
      );
    }
    b.tokens -= 1;
    await next();
  };
}
