// What is stored and how complete it is: stored series, one series' coverage by day, and a job's
// validation issues. All read the coverage ledger (src/db/coverage-*.ts), never count bars.
import { createRoute } from '@hono/zod-openapi';
import type { ZodType } from 'zod';
import { CalendarSet, calendarFor } from '../../calendar/index.js';
import { buildCoverage } from '../../coverage/report.js';
import { readCoverage } from '../../db/coverage-report.js';
import { getJob } from '../../db/job-queries.js';
import { findSeries } from '../../db/series-lookup.js';
import { listSeries, type SeriesKey } from '../../db/series-list.js';
import { listJobIssues, type IssueKey } from '../../db/validation-issues.js';
import { parseDateToDay } from '../../polygon/index.js';
import type { Services } from '../context.js';
import { badRequest, notFound } from '../errors.js';
import { coverageQuery, coverageResponse, issuesPage, issuesQuery, seriesPage, seriesParams, seriesQuery } from '../coverage-schemas.js';
import { createRouter, errorSpec } from '../router.js';
import { jobIdParam } from '../schemas.js';

/** A read's responses: its answer, the errors it names, and the 401 every /api route can give. */
function reads<S extends ZodType>(ok: string, schema: S, errors: { 400: string; 404?: string }) {
  return {
    200: { description: ok, content: { 'application/json': { schema } } },
    400: errorSpec(errors[400]),
    401: errorSpec('Missing or wrong API key'),
    ...(errors[404] ? { 404: errorSpec(errors[404]) } : {}),
  };
}

const seriesRoute = createRoute({
  method: 'get',
  path: '/api/v1/series',
  tags: ['coverage'],
  summary: 'Stored series',
  description: 'Series with fetched dates, in (symbol, timeframe, adjusted) order, with first and last bar, bar count and fetched date ranges. Pass `next_cursor` back as `cursor` for the next page.',
  request: { query: seriesQuery },
  responses: reads('One page of series', seriesPage, { 400: 'Bad symbol, timeframe, cursor or limit' }),
});

const coverageRoute = createRoute({
  method: 'get',
  path: '/api/v1/series/{symbol}/{timeframe}/coverage',
  tags: ['coverage'],
  summary: "A series' coverage, day by day",
  description:
    'Every New York date of [start, end] with its state: `complete` (fetched, bars), `no_bars` (fetched session without a bar: a gap), ' +
    '`closed` (not a session of the ticker’s calendar), `not_fetched`, `suspect` (bars that broke a validation rule). ' +
    '`summary.gaps` lists runs of `no_bars` or `not_fetched` sessions.',
  request: { params: seriesParams, query: coverageQuery },
  responses: reads('The coverage', coverageResponse, { 400: 'Bad symbol, timeframe, start, end or adjusted; end before start; range too long', 404: 'No stored series for that symbol and timeframe' }),
});

const issuesRoute = createRoute({
  method: 'get',
  path: '/api/v1/backfill/{job_id}/issues',
  tags: ['backfill'],
  summary: "A job's validation issues",
  description: 'Bars of the job that broke a validation rule, by series and bar time. Pass `next_cursor` back as `cursor` for the next page.',
  request: { params: jobIdParam, query: issuesQuery },
  responses: reads('One page of issues', issuesPage, { 400: 'Bad job_id, cursor or limit', 404: 'No such job' }),
});

// Cursors are the keyset of the last row, as base64url JSON: opaque to clients, checked on the way in.
const encodeCursor = (key: unknown) => Buffer.from(JSON.stringify(key)).toString('base64url');
function decodeCursor<T>(cursor: string, valid: (v: unknown) => v is T): T {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    v = undefined;
  }
  if (!/^[A-Za-z0-9_-]+$/.test(cursor) || !valid(v)) throw badRequest('cursor', 'cursor: is not a cursor returned by this endpoint');
  return v;
}
const isSeriesKey = (v: unknown): v is [string, string, boolean] =>
  Array.isArray(v) && v.length === 3 && typeof v[0] === 'string' && typeof v[1] === 'string' && typeof v[2] === 'boolean';
const isIssueKey = (v: unknown): v is [number, number, string] =>
  Array.isArray(v) && v.length === 3 && Number.isSafeInteger(v[0]) && Number.isSafeInteger(v[1]) && typeof v[2] === 'string';

export function coverageRoutes(svc: Services) {
  const app = createRouter();
  const calendars = new CalendarSet();
  const coverageUrl = (s: SeriesKey) =>
    `/api/v1/series/${encodeURIComponent(s.symbol)}/${encodeURIComponent(s.timeframe)}/coverage${s.adjusted ? '' : '?adjusted=false'}`;

  app.openapi(seriesRoute, async (c) => {
    const { symbol, timeframe, cursor, limit } = c.req.valid('query');
    const k = cursor === undefined ? undefined : decodeCursor(cursor, isSeriesKey);
    const page = await listSeries(svc.pool, { symbol, timeframe, limit, after: k && { symbol: k[0], timeframe: k[1], adjusted: k[2] } });
    const last = page.series[page.series.length - 1];
    return c.json(
      {
        series: page.series.map((s) => ({
          symbol: s.symbol, timeframe: s.timeframe, adjusted: s.adjusted, first_bar: s.firstBar, last_bar: s.lastBar, bars: s.bars,
          fetched: s.fetched, coverage_url: coverageUrl(s),
        })),
        limit,
        next_cursor: page.hasMore && last ? encodeCursor([last.symbol, last.timeframe, last.adjusted]) : null,
      },
      200,
    );
  });

  app.openapi(coverageRoute, async (c) => {
    const { symbol, timeframe } = c.req.valid('param');
    const { start, end, adjusted } = c.req.valid('query');
    const sid = await findSeries(svc.pool, symbol, timeframe, adjusted);
    if (sid === null) throw notFound(`no stored series ${symbol} ${timeframe} (${adjusted ? 'adjusted' : 'raw'}): nothing of it has been fetched`);
    const from = parseDateToDay(start)!;
    const to = parseDateToDay(end)!;
    const { days, summary } = buildCoverage(await readCoverage(svc.pool, sid, from, to), from, to, calendars.forTicker(symbol));
    return c.json({ symbol, timeframe, adjusted, start, end, calendar: { name: calendarFor(symbol).calendar, reason: calendarFor(symbol).reason }, days, summary }, 200);
  });

  app.openapi(issuesRoute, async (c) => {
    const { job_id } = c.req.valid('param');
    const { cursor, limit } = c.req.valid('query');
    const k = cursor === undefined ? undefined : decodeCursor(cursor, isIssueKey);
    if (!(await getJob(svc.pool, job_id))) throw notFound(`job ${job_id} not found`);
    const after: IssueKey | undefined = k && { seriesId: k[0], ts: k[1], rule: k[2] };
    const page = await listJobIssues(svc.pool, job_id, { after, limit });
    return c.json({ job_id, issues: page.issues, limit, next_cursor: page.next ? encodeCursor([page.next.seriesId, page.next.ts, page.next.rule]) : null }, 200);
  });

  return app;
}
