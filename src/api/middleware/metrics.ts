import type { MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { ApiMetrics } from '../../metrics/api-metrics.js';
import type { AppEnv } from '../context.js';

/**
 * Counts and times every request by method, matched route and status. The label is the route's
 * pattern, so `/api/jobs/<uuid>` is one series; requests no route answered share `unmatched`, so a
 * scan of random paths cannot grow the label set.
 */
export function requestMetrics(metrics: ApiMetrics): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    await next();
    // After next(), routeIndex names the handler that answered; `app.use` entries (method ALL)
    // mean no route did and the app's notFound answered.
    const route = matchedRoutes(c)[c.req.routeIndex];
    const label = route && route.method !== 'ALL' ? route.path : 'unmatched';
    metrics.request({ method: c.req.method, route: label, status: c.res.status, seconds: (performance.now() - started) / 1000 });
  };
}
