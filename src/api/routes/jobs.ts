// Reading jobs: status of one, its units page by page, and the most recent jobs.
import { createRoute } from '@hono/zod-openapi';
import { getJob, listRecentJobs } from '../../db/job-queries.js';
import { listUnits } from '../../db/unit-queries.js';
import type { Services } from '../context.js';
import { badRequest, fromZodError, notFound } from '../errors.js';
import { jobSummaryJson, unitJson } from '../presenters.js';
import { createRouter, errorSpec, openapiSelfValidated } from '../router.js';
import { jobIdParam, jobStatusResponse, recentJobs, recentQuery, unitsPage, unitsQuery } from '../schemas.js';

const statusRoute = createRoute({
  method: 'get',
  path: '/api/v1/backfill/status/{job_id}',
  tags: ['backfill'],
  summary: 'Status of a job',
  description:
    'Live figures from the running workflow when a worker answers within ~1 s (`live: true`), otherwise from ' +
    'Postgres (`live: false`). `details` holds the first 100 units; page through all of them at `units_url`.',
  request: { params: jobIdParam },
  responses: {
    200: { description: 'The job', content: { 'application/json': { schema: jobStatusResponse } } },
    400: errorSpec('job_id is not a UUID'),
    401: errorSpec('Missing or wrong API key'),
    404: errorSpec('No such job'),
  },
});

const unitsRoute = createRoute({
  method: 'get',
  path: '/api/v1/backfill/{job_id}/units',
  tags: ['backfill'],
  summary: "A job's units, page by page",
  description: 'Units in unit order, optionally of one status. Pass `next_cursor` back as `cursor` for the next page; null means the last page.',
  request: { params: jobIdParam, query: unitsQuery },
  responses: {
    200: { description: 'One page of units', content: { 'application/json': { schema: unitsPage } } },
    400: errorSpec('Bad job_id, status, cursor or limit'),
    401: errorSpec('Missing or wrong API key'),
    404: errorSpec('No such job'),
  },
});

const recentRoute = createRoute({
  method: 'get',
  path: '/api/v1/backfill/recent',
  tags: ['backfill'],
  summary: 'Most recent jobs',
  request: { query: recentQuery },
  responses: {
    200: { description: 'Newest first', content: { 'application/json': { schema: recentJobs } } },
    400: errorSpec('Bad limit or status'),
    401: errorSpec('Missing or wrong API key'),
  },
});

// The cursor is the last unit number seen, wrapped so clients treat it as opaque.
const encodeCursor = (unitNo: number) => Buffer.from(`u${unitNo}`).toString('base64url');
function decodeCursor(cursor: string): number {
  const m = /^u(\d{1,9})$/.exec(Buffer.from(cursor, 'base64url').toString('latin1'));
  if (!m || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw badRequest('cursor', 'cursor: is not a cursor returned by this endpoint');
  return Number(m[1]);
}

export function jobRoutes(svc: Services) {
  const app = createRouter();

  app.openapi(recentRoute, async (c) => {
    const { limit, status } = c.req.valid('query');
    const rows = await listRecentJobs(svc.pool, { limit, status });
    return c.json({ jobs: rows.map((r) => jobSummaryJson(r, svc.links)), count: rows.length, limit, status: status ?? null }, 200);
  });

  // Registered by hand to send the shared answer's JSON text as is: stringifying a 100-unit answer
  // for each of fifty pollers would cost more than computing it once.
  openapiSelfValidated(app, statusRoute, async (c) => {
    const parsed = jobIdParam.safeParse({ job_id: c.req.param('job_id') });
    if (!parsed.success) throw fromZodError(parsed.error, 'job_id');
    const { job_id } = parsed.data;
    if (Object.keys(c.req.queries()).length) {
      const stray = Object.keys(c.req.queries())[0]!;
      throw badRequest(stray, `${stray}: unknown query parameter`);
    }
    const answer = await svc.status.get(job_id);
    if (!answer) throw notFound(`job ${job_id} not found`);
    return c.body(answer.body as Uint8Array<ArrayBuffer>, 200, { 'content-type': 'application/json' });
  });

  app.openapi(unitsRoute, async (c) => {
    const { job_id } = c.req.valid('param');
    const { status, cursor, limit } = c.req.valid('query');
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    const job = await getJob(svc.pool, job_id);
    if (!job) throw notFound(`job ${job_id} not found`);
    const page = await listUnits(svc.pool, job_id, { status, afterUnitNo: after, limit });
    const last = page.units[page.units.length - 1];
    return c.json(
      {
        job_id,
        status: status ?? null,
        limit,
        units: page.units.map(unitJson),
        next_cursor: page.hasMore && last ? encodeCursor(last.unitNo) : null,
      },
      200,
    );
  });

  return app;
}
