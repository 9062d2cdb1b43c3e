// createApp(deps) builds the whole HTTP API from its dependencies; nothing lives at module level, so
// tests build as many apps as they like (real Postgres and Temporal, or fakes) and call app.request().
import { OpenAPIHono } from '@hono/zod-openapi';
import { cors } from 'hono/cors';
import { requestId } from 'hono/request-id';
import type { AppDeps, AppEnv, Services } from './context.js';
import { errorJson, handleError } from './errors.js';
import { createStatusView } from './job-status-view.js';
import { bearerAuth } from './middleware/auth.js';
import { limitBody } from './middleware/body-limit.js';
import { rateLimit } from './middleware/rate-limit.js';
import { requestMetrics } from './middleware/metrics.js';
import { metricsRoutes } from '../metrics/api-route.js';
import { requestLog } from './middleware/request-log.js';
import { createLinks } from './presenters.js';
import { backfillRoutes } from './routes/backfill.js';
import { controlRoutes } from './routes/control.js';
import { mountDocs } from './routes/docs.js';
import { healthRoutes } from './routes/health.js';
import { jobRoutes } from './routes/jobs.js';
import { coverageRoutes } from './routes/coverage.js';
import { vocabularyRoutes } from './routes/vocabulary.js';
import { scheduleRoutes } from './routes/schedules.js';
import { createScheduleSchemas } from './schedule-schemas.js';
import { webhookRoutes } from './routes/webhooks.js';
import { createRequestSchemas } from './schemas.js';
import { nyDateOf } from './dates.js';
import { DEFAULT_TEMPORAL_TIMEOUTS, createWorkflows } from './temporal.js';
import { createDashboardRoutes } from '../dashboard/routes.js';

export type { AppDeps } from './context.js';

const API_VERSION = '1.0.0';

export function createApp(deps: AppDeps): OpenAPIHono<AppEnv> {
  const now = deps.now ?? (() => new Date());
  const { config, logger } = deps;
  const links = createLinks(config.API_PUBLIC_URL, config.TEMPORAL_UI_URL, config.TEMPORAL_NAMESPACE);
  const timeouts = { ...DEFAULT_TEMPORAL_TIMEOUTS, ...deps.temporalTimeouts };
  const workflows = createWorkflows(deps.temporal, config, timeouts);
  const svc: Services = {
    config,
    pool: deps.pool,
    temporal: deps.temporal,
    logger,
    now,
    links,
    workflows,
    status: createStatusView({ pool: deps.pool, workflows, links, now, logger, retryWindowSeconds: config.JOB_RETRY_WINDOW_SECONDS, onLookup: deps.metrics?.statusLookup }),
  };
  const limits = {
    maxSymbols: config.API_MAX_SYMBOLS,
    maxConcurrency: config.JOB_MAX_CONCURRENCY,
    defaultConcurrency: Math.min(config.JOB_DEFAULT_CONCURRENCY, config.JOB_MAX_CONCURRENCY),
    today: () => nyDateOf(now()),
    pageLimit: config.POLYGON_PAGE_LIMIT,
    allowPrivateWebhooks: config.WEBHOOK_ALLOW_PRIVATE_NETWORKS,
  };
  const schemas = createRequestSchemas(limits);

  const app = new OpenAPIHono<AppEnv>();
  app.use(requestId({ limitLength: 128 }));
  app.use(requestLog(logger));
  if (deps.metrics) app.use(requestMetrics(deps.metrics)).route('/', metricsRoutes(deps.metrics));

  const origins = (config.API_CORS_ORIGINS ?? '').split(',').map((o) => o.trim()).filter(Boolean);
  if (origins.length) {
    // Before auth, so that preflight requests (which carry no credentials) are answered.
    app.use(
      '/api/*',
      cors({
        origin: origins.includes('*') ? '*' : origins,
        allowMethods: ['GET', 'POST', 'PATCH', 'DELETE', 'OPTIONS'],
        allowHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Request-Id'],
        exposeHeaders: ['X-Request-Id', 'Idempotent-Replayed'],
        maxAge: 600,
      }),
    );
  }
  app.use('/api/*', limitBody(config.API_MAX_BODY_BYTES));
  if (config.apiKeys.length) app.use('/api/*', bearerAuth(config.apiKeys));
  if (config.API_RATE_LIMIT_RPM > 0) app.use('/api/*', rateLimit({ perMinute: config.API_RATE_LIMIT_RPM, burst: config.API_RATE_LIMIT_BURST, byApiKey: config.apiKeys.length > 0 }));

  app.route('/', healthRoutes(svc));
  app.route('/', backfillRoutes(svc, schemas));
  app.route('/', jobRoutes(svc));
  app.route('/', coverageRoutes(svc));
  app.route('/', controlRoutes(svc, schemas));
  app.route('/', vocabularyRoutes());
  app.route('/', scheduleRoutes(svc, createScheduleSchemas(limits), timeouts.callMs));
  app.route('/', webhookRoutes(svc));
  mountDocs(app, { secured: config.apiKeys.length > 0, version: API_VERSION });
  app.route('/', createDashboardRoutes());

  app.notFound((c) => errorJson(c, 404, { code: 'not_found', message: `no route for ${c.req.method} ${c.req.path}` }));
  app.onError(handleError);
  return app;
}
