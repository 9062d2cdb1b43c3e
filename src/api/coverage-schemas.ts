// Request and response shapes of the coverage routes: stored series, a series' coverage by day,
// a job's validation issues.
import { z } from '@hono/zod-openapi';
import { COVERAGE_STATES, VALIDATION_RULES } from '../../workflows/vocabulary.js';
import { isCalendarDate } from './dates.js';
import { TICKER_HINT, isWellFormedTicker, normalizeSymbol } from './symbols.js';
import { TIMEFRAME_HINT } from './timeframes.js';
import { limitParam, singleParam } from './schemas.js';
import { isValidTimeframe } from '../polygon/timeframes.js';

/** Ten years of days: a heat-map or a CLI calendar, not an export. */
export const COVERAGE_MAX_DAYS = 3660;
export const SERIES_DEFAULT_LIMIT = 100;
export const SERIES_MAX_LIMIT = 1000;
export const ISSUES_DEFAULT_LIMIT = 100;
export const ISSUES_MAX_LIMIT = 1000;

const ticker = singleParam()
  .overwrite(normalizeSymbol)
  .refine(isWellFormedTicker, { error: (iss) => `'${String(iss.input).slice(0, 32)}' ${TICKER_HINT}` });
const timeframe = singleParam().refine(isValidTimeframe, { error: (iss) => `'${String(iss.input).slice(0, 16)}' ${TIMEFRAME_HINT}` });
const date = singleParam()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD')
  .refine(isCalendarDate, 'is not a real calendar date');
const adjusted = z
  .enum(['true', 'false'], { error: 'must be true or false' })
  .optional()
  .transform((v) => v !== 'false')
  .openapi({ param: { name: 'adjusted', in: 'query' }, description: 'Split-adjusted series (default true) or raw' });
const cursor = singleParam()
  .max(200, 'is not a cursor returned by this endpoint')
  .optional()
  .openapi({ param: { name: 'cursor', in: 'query' }, description: 'next_cursor of the previous page' });
export const seriesQuery = z.strictObject({
  symbol: ticker.optional().openapi({ param: { name: 'symbol', in: 'query' }, example: 'AAPL' }),
  timeframe: timeframe.optional().openapi({ param: { name: 'timeframe', in: 'query' }, example: '1m' }),
  cursor,
  limit: limitParam(SERIES_DEFAULT_LIMIT, SERIES_MAX_LIMIT),
});

export const seriesParams = z.object({
  symbol: ticker.openapi({ param: { name: 'symbol', in: 'path' }, example: 'AAPL' }),
  timeframe: timeframe.openapi({ param: { name: 'timeframe', in: 'path' }, example: '1m' }),
});

export const coverageQuery = z
  .strictObject({
    start: date.openapi({ param: { name: 'start', in: 'query' }, example: '2024-01-01' }),
    end: date.openapi({ param: { name: 'end', in: 'query' }, example: '2024-12-31' }),
    adjusted,
  })
  .superRefine((v, ctx) => {
    if (v.end < v.start) ctx.addIssue({ code: 'custom', path: ['end'], message: `${v.end} is before start ${v.start}` });
    else if ((Date.parse(v.end) - Date.parse(v.start)) / 86_400_000 + 1 > COVERAGE_MAX_DAYS) {
      ctx.addIssue({ code: 'custom', path: ['end'], message: `the range spans more than ${COVERAGE_MAX_DAYS} days; ask for less at a time` });
    }
  });

export const issuesQuery = z.strictObject({ cursor, limit: limitParam(ISSUES_DEFAULT_LIMIT, ISSUES_MAX_LIMIT) });

const state = z.enum(COVERAGE_STATES);
const rule = z.enum(VALIDATION_RULES);

export const storedSeries = z
  .object({
    symbol: z.string(),
    timeframe: z.string(),
    adjusted: z.boolean(),
    first_bar: z.string().nullable(),
    last_bar: z.string().nullable(),
    bars: z.number().int().openapi({ description: 'Bars counted by the ledger when their dates were fetched' }),
    fetched: z.array(z.object({ start: z.string(), end: z.string() })).openapi({ description: 'Runs of consecutive fetched New York dates' }),
    coverage_url: z.string(),
  })
  .openapi('StoredSeries');

export const seriesPage = z.object({ series: z.array(storedSeries), limit: z.number().int(), next_cursor: z.string().nullable() }).openapi('SeriesPage');

export const coverageDay = z
  .object({
    date: z.string(),
    state,
    bars: z.number().int(),
    first: z.string().nullable(),
    last: z.string().nullable(),
    outside_session: z.number().int().openapi({ description: 'Intraday bars outside the session (extended hours for stocks)' }),
    violations: z.number().int(),
    rules: z.array(rule).openapi({ description: 'Validation rules the date’s bars broke' }),
  })
  .openapi('CoverageDay');

export const coverageGap = z
  .object({ start: z.string(), end: z.string(), sessions: z.number().int(), state: z.enum(['no_bars', 'not_fetched']) })
  .openapi('CoverageGap');

const count = z.number().int();

export const coverageResponse = z
  .object({
    symbol: z.string(),
    timeframe: z.string(),
    adjusted: z.boolean(),
    start: z.string(),
    end: z.string(),
    calendar: z.object({ name: z.string(), reason: z.string() }),
    days: z.array(coverageDay),
    summary: z.object({
      sessions: count, complete: count, no_bars: count, not_fetched: count, suspect: count, closed: count, gaps: z.array(coverageGap),
    }),
  })
  .openapi('Coverage');

export const issuesPage = z
  .object({
    job_id: z.string(),
    issues: z.array(z.object({ symbol: z.string(), timeframe: z.string(), ts: z.string(), rule, detail: z.string() })),
    limit: z.number().int(),
    next_cursor: z.string().nullable(),
  })
  .openapi('ValidationIssues');

export type CoverageBody = z.infer<typeof coverageResponse>;
export type SeriesPageBody = z.infer<typeof seriesPage>;
