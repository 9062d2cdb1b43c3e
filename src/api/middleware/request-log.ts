import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../../logger.js';
import type { AppEnv } from '../context.js';

/**
 * One JSON line per request: method, path (never the query string, which may carry user data),
 * status, duration and request id. Headers are never logged, so neither are API keys.
 */
export function requestLog(logger: Logger): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    const log = logger.child({ req_id: c.get('requestId') });
    c.set('logger', log);
    await next();
    const status = c.res.status;
    const line = { method: c.req.method, path: c.req.path, status, duration_ms: Math.round((performance.now() - started) * 10) / 10 };
    if (status >= 500) log.error(line, 'request');
    else log.info(line, 'request');
  };
}
