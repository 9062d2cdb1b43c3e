// GET /metrics on the API: the registry AppDeps.metrics holds, in Prometheus text format. Open like
// /healthz (scrapers carry no bearer token); it holds counts and latencies only, never a key.
import { createRoute, z } from '@hono/zod-openapi';
import { createRouter } from '../api/router.js';
import type { ApiMetrics } from './api-metrics.js';

const metricsRoute = createRoute({
  method: 'get',
  path: '/metrics',
  tags: ['health'],
  summary: 'Prometheus metrics: requests by route and status, pg pool, status cache',
  responses: { 200: { description: 'Prometheus text exposition format', content: { 'text/plain': { schema: z.string() } } } },
});

export function metricsRoutes(metrics: ApiMetrics) {
  const app = createRouter();
  app.openapi(metricsRoute, async (c) => c.text(await metrics.registry.metrics(), 200, { 'content-type': metrics.registry.contentType }));
  return app;
}
