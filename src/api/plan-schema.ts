// The answer to a dry run (POST /api/v1/backfill with `dry_run: true`): the planner's plan, in the
// API's words. Built from src/planner, which is pure; the API only adds the configured limits.
import { z } from '@hono/zod-openapi';
import { CALENDAR_NAMES } from '../calendar/calendar.js';
import { PLAN_STRATEGIES, type Plan } from '../planner/plan.js';
import type { MeasuredThroughput } from '../db/recent-throughput.js';
import { REPROCESS_MODES, type ReprocessMode } from '../../workflows/vocabulary.js';

const counts = {
  requests: z.number().int().openapi({
    description: 'Polygon requests planned after skipping what the ledger holds: one per window of whole dates packed by the calendar into POLYGON_PAGE_LIMIT base bars',
  }),
  min_requests: z.number().int().openapi({ description: 'The floor no windowing can beat: ceil(base bars to fetch / POLYGON_PAGE_LIMIT)' }),
  sessions: z.number().int().openapi({ description: "Sessions of the range on the symbol's calendar to fetch" }),
  sessions_held: z.number().int().openapi({ description: 'Sessions the coverage ledger already holds as final for the series (0 with reprocess `all`)' }),
  sessions_skipped: z.number().int().openapi({ description: 'Held sessions not fetched: sessions_held, unless fetching the whole range was no dearer' }),
  requests_saved: z.number().int().openapi({ description: 'Requests the whole range would take, less `requests`' }),
  expected_bars: z.number().int().openapi({ description: 'Bars the calendar allows on the sessions to fetch (an upper bound: thin tickers have minutes without trades)' }),
};

export const backfillPlan = z
  .object({
    dry_run: z.literal(true),
    symbols: z.array(z.string()),
    timeframes: z.array(z.string()),
    date_range: z.object({ start_date: z.string(), end_date: z.string() }),
    adjusted: z.boolean(),
    reprocess: z.enum(REPROCESS_MODES),
    page_limit: z.number().int().openapi({ description: 'POLYGON_PAGE_LIMIT: base bars one request may return' }),
    rate_limit_rpm: z.number().int().openapi({ description: 'POLYGON_RATE_LIMIT_RPM (0: unlimited)' }),
    strategy: z.enum(PLAN_STRATEGIES).openapi({ description: "The job's strategy as the planner chose it (the request's `auto` resolved)" }),
    grouped: z
      .object({
        timeframe: z.string(),
        symbols: z.number().int(),
        sessions: z.number().int(),
        requests: z.number().int().openapi({ description: 'One grouped-daily request per session day, for all the symbols at once' }),
        sessions_skipped: z.number().int().openapi({ description: 'Session days of the range not fetched: the coverage ledger holds them final for every symbol (reprocess `missing`)' }),
        requests_saved: z.number().int().openapi({ description: 'Grouped requests those days save (one each); counted once in `total.requests_saved`' }),
      })
      .nullable()
      .openapi({ description: "The grouped requests (their units plan 0 requests each: these serve them); null for a per-ticker job" }),
    units: z.array(
      z.object({
        symbol: z.string(),
        timeframe: z.string(),
        calendar: z.enum(CALENDAR_NAMES),
        strategy: z.enum(PLAN_STRATEGIES),
        ...counts,
      }),
    ),
    total: z.object({ units: z.number().int(), ...counts }),
    duration_seconds: z
      .number()
      .int()
      .nullable()
      .openapi({ description: 'Seconds the planned requests take at POLYGON_RATE_LIMIT_RPM; null when the rate is unlimited' }),
    measured: z
      .object({
        requests_per_second: z.number().nullable().openapi({ description: 'Polygon requests per second of job wall time over the latest finished jobs of this installation (up to 20, last 30 days); null when none' }),
        jobs: z.number().int().openapi({ description: 'How many jobs that was measured over' }),
        duration_seconds: z.number().int().nullable().openapi({ description: 'Seconds the planned requests take at that measured rate; null when there is no measurement' }),
      })
      .openapi({ description: 'The duration at the throughput this installation actually achieved' }),
  })
  .openapi('BackfillPlan');

export type BackfillPlan = z.infer<typeof backfillPlan>;

export function planJson(
  p: { symbols: string[]; timeframes: string[]; start_date: string; end_date: string; adjusted: boolean; reprocess: ReprocessMode },
  plan: Plan,
  pageLimit: number,
  measured: MeasuredThroughput,
): BackfillPlan {
  const rps = measured.requestsPerSecond;
  return {
    dry_run: true,
    symbols: p.symbols,
    timeframes: p.timeframes,
    date_range: { start_date: p.start_date, end_date: p.end_date },
    adjusted: p.adjusted,
    reprocess: p.reprocess,
    page_limit: pageLimit,
    rate_limit_rpm: plan.rate_limit_rpm,
    strategy: plan.strategy,
    grouped: plan.grouped,
    units: plan.units,
    total: plan.total,
    duration_seconds: plan.duration_seconds,
    measured: {
      requests_per_second: rps === null ? null : Math.round(rps * 1000) / 1000,
      jobs: measured.jobs,
      duration_seconds: rps === null ? null : Math.ceil(plan.total.requests / rps),
    },
  };
}
