// Liveness and readiness. Both stay open when API keys are configured: orchestrators probe them.
import { createRoute } from '@hono/zod-openapi';
import type { Services } from '../context.js';
import { createRouter } from '../router.js';
import { healthResponse, readyResponse, type ReadyResponse } from '../schemas.js';

const READY_TIMEOUT_MS = 1_500;

const healthRoute = createRoute({
  method: 'get',
  path: '/healthz',
  tags: ['health'],
  summary: 'The process is up',
  responses: { 200: { description: 'Up', content: { 'application/json': { schema: healthResponse } } } },
});

const readyRoute = createRoute({
  method: 'get',
  path: '/readyz',
  tags: ['health'],
  summary: 'Postgres and Temporal are reachable',
  responses: {
    200: { description: 'Ready', content: { 'application/json': { schema: readyResponse } } },
    503: { description: 'Something is down; the body names it', content: { 'application/json': { schema: readyResponse } } },
  },
});

function timeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timed out')), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export function healthRoutes(svc: Services) {
  const app = createRouter();

  app.openapi(healthRoute, (c) => c.json({ status: 'ok' as const }, 200));

  app.openapi(readyRoute, async (c) => {
    const [pg, temporal] = await Promise.all([
      timeout(svc.pool.query('SELECT 1'), READY_TIMEOUT_MS).then(
        () => 'ok' as const,
        () => 'down' as const,
      ),
      // describeNamespace also catches a misconfigured TEMPORAL_NAMESPACE, which a bare ping would not.
      svc.temporal.connection
        .withDeadline(Date.now() + READY_TIMEOUT_MS, () =>
          svc.temporal.connection.workflowService.describeNamespace({ namespace: svc.config.TEMPORAL_NAMESPACE }),
        )
        .then(
          () => 'ok' as const,
          () => 'down' as const,
        ),
    ]);
    const body: ReadyResponse = { postgres: pg, temporal };
    return c.json(body, pg === 'ok' && temporal === 'ok' ? 200 : 503);
  });

  return app;
}
