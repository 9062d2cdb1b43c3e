import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { ApiError } from '../errors.js';
import type { AppEnv } from '../context.js';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/**
 * Bearer-token check against the configured API keys. Tokens are compared as SHA-256 digests so
 * that every comparison has the same length (timingSafeEqual requires it and the key length stays
 * hidden), and every key is compared so the time does not reveal which one matched.
 */
export function bearerAuth(keys: readonly string[]): MiddlewareHandler<AppEnv> {
  const expected = keys.map(digest);
  return async (c, next) => {
    const header = c.req.header('authorization');
    const m = header ? /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header) : null;
    if (!m) {
      c.header('WWW-Authenticate', 'Bearer realm="backfill"');
      throw new ApiError(401, 'unauthorized', 'missing bearer token: send Authorization: Bearer <API key>', 'authorization');
    }
    const given = digest(m[1]!);
    let ok = false;
    for (const k of expected) ok = timingSafeEqual(given, k) || ok;
    if (!ok) {
      c.header('WWW-Authenticate', 'Bearer realm="backfill", error="invalid_token"');
      throw new ApiError(401, 'unauthorized', 'invalid API key', 'authorization');
    }
    await next();
  };
}
