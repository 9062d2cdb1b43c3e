// GET /openapi.json, generated from the route schemas that validate requests, and GET /docs.
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../context.js';
import { DOCS_HTML } from '../docs-page.js';

/** Mounted on the root app, after every route, so the document sees all of them. */
export function mountDocs(app: OpenAPIHono<AppEnv>, opts: { secured: boolean; version: string }) {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'One of API_KEYS (required on /api routes when API_KEYS is set)',
  });
  app.doc('/openapi.json', {
    openapi: '3.0.3',
    info: {
      title: 'Polygon backfill API',
      version: opts.version,
      description:
        'Backfills Polygon.io OHLCV bars into PostgreSQL as durable Temporal workflows. Errors are always ' +
        '`{"error": {"code", "message", "field"?}}`.',
    },
    ...(opts.secured ? { security: [{ bearer: [] }] } : {}),
  });
  app.get('/docs', (c) => c.html(DOCS_HTML));
}
