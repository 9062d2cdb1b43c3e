// The request and response shapes of the API. The same zod schemas validate requests and generate
// GET /openapi.json, and their types are exported for the CLI and the dashboard.
//
// Request schemas depend on configuration (symbol and concurrency limits) and on the clock (end
// date not in the future), so they are built by createRequestSchemas(); their types do not depend
// on those values. Response schemas are plain constants.
import { z } from '@hono/zod-openapi';
import { isCalendarDate } from './dates.js';
import { SYMBOL_MAX_LENGTH, TICKER_HINT, dedupe, isWellFormedTicker, normalizeSymbol } from './symbols.js';
import { timeframeProblem } from './timeframes.js';
import { webhookRegistration, webhookTargetOf } from './webhook-schemas.js';
import { COVERAGE_STATES, FAILURE_CODES, JOB_STATUSES, REPROCESS_MODES, STRATEGY_CHOICES, UNIT_STATUSES, VALIDATION_MODES } from '../../workflows/vocabulary.js';

export const MAX_TIMEFRAMES = 16;
export const MIN_DATE = '1970-01-01';
export const RECENT_DEFAULT_LIMIT = 10;
export const RECENT_MAX_LIMIT = 100;
export const UNITS_DEFAULT_LIMIT = 100;
export const UNITS_MAX_LIMIT = 1000;

export interface RequestLimits {
  maxSymbols: number;
  maxConcurrency: number;
  defaultConcurrency: number;
  /** Today's date (UTC) as YYYY-MM-DD: the latest end_date accepted. */
  today: () => string;
  /** POLYGON_PAGE_LIMIT: a timeframe whose one bar needs more base bars than this is refused. */
  pageLimit: number;
  /** WEBHOOK_ALLOW_PRIVATE_NETWORKS: webhook URLs may name private, loopback and link-local addresses. */
  allowPrivateWebhooks?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Fields shared by the JSON body and the legacy query-string form

/** Type errors that tell a missing field from a wrong type. */
const expected = (what: string) => ({
  error: (iss: { input?: unknown }) => (iss.input === undefined ? 'is required' : `must be ${what}`),
});

const symbol = z
  .string(expected('a string'))
  .overwrite(normalizeSymbol)
  .min(1, 'must not be empty')
  .max(SYMBOL_MAX_LENGTH, `must be at most ${SYMBOL_MAX_LENGTH} characters`)
  .refine(isWellFormedTicker, { error: (iss) => `'${String(iss.input).slice(0, SYMBOL_MAX_LENGTH)}' ${TICKER_HINT}` });

export function timeframeOf(limits: RequestLimits) {
  return z
    .string(expected('a string'))
    .trim()
    .superRefine((tf, ctx) => {
      const problem = timeframeProblem(tf, limits.pageLimit);
      if (problem) ctx.addIssue({ code: 'custom', message: `'${tf.slice(0, 16)}' ${problem}` });
    });
}

const isoDate = z
  .string(expected('a date as YYYY-MM-DD'))
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD')
  .refine(isCalendarDate, 'is not a real calendar date')
  .refine((d) => d >= MIN_DATE, `must be on or after ${MIN_DATE}`)
  .openapi({ format: 'date', example: '2024-01-02' });

export function symbolsOf(limits: RequestLimits) {
  return z
    .array(symbol, expected('an array of tickers'))
    .min(1, 'at least one symbol is required')
    .max(limits.maxSymbols, `at most ${limits.maxSymbols} symbols per job (API_MAX_SYMBOLS)`)
    .transform((s) => dedupe(s))
    .openapi({ example: ['AAPL', 'MSFT'], description: 'Polygon tickers; trimmed, de-duplicated; all-lowercase input is upper-cased.' });
}

export function timeframesOf(limits: RequestLimits) {
  return z
    .array(timeframeOf(limits), expected('an array of timeframes'))
    .min(1, 'at least one timeframe is required')
    .max(MAX_TIMEFRAMES, `at most ${MAX_TIMEFRAMES} timeframes`)
    .transform((t) => dedupe(t))
    .openapi({ example: ['1d', '1h'] });
}

export function concurrencyOf(limits: RequestLimits) {
  return z
    .number(expected('an integer'))
    .int('must be an integer')
    .min(1, 'must be at least 1')
    .max(limits.maxConcurrency, `must be at most ${limits.maxConcurrency} (JOB_MAX_CONCURRENCY)`);
}

/** Cross-field rules, reported on the field a user should change. */
function checkRange(limits: RequestLimits) {
  return (v: { start_date: string; end_date: string }, ctx: z.RefinementCtx) => {
    const today = limits.today();
    if (v.end_date > today) {
      ctx.addIssue({ code: 'custom', path: ['end_date'], message: `${v.end_date} is in the future (today is ${today} in New York, where Polygon's dates are)` });
    } else if (v.start_date > v.end_date) {
      ctx.addIssue({ code: 'custom', path: ['start_date'], message: `${v.start_date} is after end_date ${v.end_date}` });
    }
  };
}

const force = z.boolean(expected('true or false')).openapi({
  description: 'Start the job even when its estimate exceeds JOB_MAX_ESTIMATED_HOURS (otherwise refused with 422)',
});

// Query strings arrive as strings (or arrays when repeated): these adapt them to the JSON fields.
const listParam = z
  .union([z.string(), z.array(z.string())], expected('a string or repeated parameters'))
  .transform((v) => (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s !== ''));
export const singleParam = () =>
  z.string({
    error: (iss) => (iss.input === undefined ? 'is required' : Array.isArray(iss.input) ? 'must be given once' : 'must be a string'),
  });
const boolParam = z
  .enum(['true', 'false', '1', '0'], { error: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1');
const intParam = singleParam().regex(/^\d{1,9}$/, 'must be an integer').transform(Number);

const validationMode = z
  .enum(VALIDATION_MODES, { error: `must be one of ${VALIDATION_MODES.join(', ')}` })
  .openapi({ description: '`record` (default): bars that break a validation rule are stored and listed; `strict`: the unit fails with bad_data instead.' });
const reprocessMode = z
  .enum(REPROCESS_MODES, { error: `must be one of ${REPROCESS_MODES.join(', ')}` })
  .openapi({
    description:
      '`missing` (default): fetch only the session days the coverage ledger does not hold as final for the series ' +
      '(fetched after the day settled: COVERAGE_SETTLE_MINUTES after its extended close, default 11:00 New York the next day); ' +
      '`all`: fetch every day again.',
  });
const strategy = z.enum(STRATEGY_CHOICES, { error: `must be one of ${STRATEGY_CHOICES.join(', ')}` }).openapi({
  description:
    '`auto` (default): grouped daily when it costs fewer requests (1d bars of US stocks, fewer session days than symbols); ' +
    '`per_ticker`: one request per window of each symbol; `grouped`: one grouped-daily request per session day for all symbols (1d, US stocks only)',
});
const dryRun = z
  .boolean(expected('true or false'))
  .openapi({ description: 'true: answer 200 with the plan (requests, sessions, expected bars, duration) and start nothing, write nothing' });

export function createRequestSchemas(limits: RequestLimits) {
  const symbols = symbolsOf(limits);
  const concurrency = concurrencyOf(limits);
  const timeframe = timeframeOf(limits);
  const timeframes = timeframesOf(limits);

  const backfillBody = z
    .strictObject(
      {
      symbols,
      start_date: isoDate,
      end_date: isoDate,
      timeframes: timeframes.default(['1d']),
      adjusted: z.boolean(expected('true or false')).default(true),
      concurrency: concurrency.default(limits.defaultConcurrency),
      validation: validationMode.default('record'),
      reprocess: reprocessMode.default('missing'),
      strategy: strategy.default('auto'),
      force: force.default(false),
      dry_run: dryRun.default(false),
      webhook: webhookTargetOf(limits.allowPrivateWebhooks ?? false).optional(),
      },
      expected('a JSON object'),
    )
    .superRefine(checkRange(limits))
    .openapi('BackfillRequest');

  // Kept apart from its refinement so the docs can show it with every field optional (the query
  // form is required only when there is no JSON body).
  const backfillQueryFields = z.strictObject({
    symbols: listParam.pipe(symbols),
    start_date: singleParam().pipe(isoDate),
    end_date: singleParam().pipe(isoDate),
    timeframes: listParam.pipe(timeframes).default(['1d']),
    adjusted: boolParam.default(true),
    concurrency: intParam.pipe(concurrency).default(limits.defaultConcurrency),
    validation: singleParam().pipe(validationMode).default('record'),
    reprocess: singleParam().pipe(reprocessMode).default('missing'),
    strategy: singleParam().pipe(strategy).default('auto'),
    force: boolParam.default(false),
    dry_run: boolParam.pipe(dryRun).default(false),
  });
  const backfillQuery = backfillQueryFields.superRefine(checkRange(limits));

  const retryBody = z
    .strictObject(
      {
        symbols: z
          .array(symbol, expected('an array of tickers'))
          .min(1, 'must not be empty')
          .max(limits.maxSymbols, `at most ${limits.maxSymbols} symbols`)
          .transform((s) => dedupe(s))
          .optional(),
        timeframes: z
          .array(timeframe, expected('an array of timeframes'))
          .min(1, 'must not be empty')
          .max(MAX_TIMEFRAMES, `at most ${MAX_TIMEFRAMES} timeframes`)
          .transform((t) => dedupe(t))
          .optional(),
      },
      expected('a JSON object'),
    )
    .openapi('RetryRequest');

  return { backfillBody, backfillQuery, backfillQueryFields, retryBody };
}

export type RequestSchemas = ReturnType<typeof createRequestSchemas>;
/** What a client sends to POST /api/v1/backfill. */
export type BackfillRequest = z.input<RequestSchemas['backfillBody']>;
/** The validated request, defaults applied. */
export type BackfillParams = z.output<RequestSchemas['backfillBody']>;
export type RetryRequestBody = z.input<RequestSchemas['retryBody']>;

// ---------------------------------------------------------------------------------------------
// Path and query parameters

export const jobIdParam = z.object({
  job_id: z
    .string()
    .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'must be a job id (a UUID)')
    .transform((s) => s.toLowerCase())
    .openapi({ param: { name: 'job_id', in: 'path' }, example: '3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f' }),
});

export const limitParam = (def: number, max: number) =>
  singleParam()
    .regex(/^\d{1,6}$/, 'must be a positive integer')
    .transform(Number)
    .pipe(z.number().min(1, 'must be at least 1').max(max, `must be at most ${max}`))
    .optional()
    .transform((v) => v ?? def)
    .openapi({ param: { name: 'limit', in: 'query' }, type: 'integer', example: def });

export const recentQuery = z.strictObject({
  limit: limitParam(RECENT_DEFAULT_LIMIT, RECENT_MAX_LIMIT),
  status: singleParam()
    .pipe(z.enum(JOB_STATUSES, { error: `must be one of ${JOB_STATUSES.join(', ')}` }))
    .optional()
    .openapi({ param: { name: 'status', in: 'query' } }),
});

export const unitsQuery = z.strictObject({
  status: singleParam()
    .pipe(z.enum(UNIT_STATUSES, { error: `must be one of ${UNIT_STATUSES.join(', ')}` }))
    .optional()
    .openapi({ param: { name: 'status', in: 'query' } }),
  cursor: singleParam()
    .max(64, 'is not a cursor returned by this endpoint')
    .optional()
    .openapi({ param: { name: 'cursor', in: 'query' }, description: 'next_cursor of the previous page' }),
  limit: limitParam(UNITS_DEFAULT_LIMIT, UNITS_MAX_LIMIT),
});

// ---------------------------------------------------------------------------------------------
// Responses

export const errorResponse = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'invalid_request' }),
      message: z.string().openapi({ example: 'symbols[0]: is required' }),
      field: z.string().optional().openapi({ example: 'symbols' }),
      request_id: z.string().optional(),
    }),
  })
  .openapi('Error');

const dateRange = z.object({ start_date: z.string(), end_date: z.string() });
const unitCounts = z.object({
  total: z.number().int(),
  pending: z.number().int(),
  running: z.number().int(),
  completed: z.number().int(),
  failed: z.number().int(),
  cancelled: z.number().int(),
});
const jobStatus = z.enum(JOB_STATUSES);
// A string, not an enum: rows written by an older release may carry a code since renamed.
const failureCode = z.string().openapi({ description: `One of ${FAILURE_CODES.join(', ')}`, example: 'not_entitled' });
const unitRef = z.object({ unit_no: z.number().int(), symbol: z.string(), timeframe: z.string() });

export const backfillStarted = z
  .object({
    job_id: z.string(),
    status: jobStatus,
    symbols_count: z.number().int(),
    symbols: z.array(z.string()),
    date_range: dateRange,
    timeframes: z.array(z.string()),
    adjusted: z.boolean(),
    concurrency: z.number().int(),
    units_total: z.number().int(),
    timestamp: z.string().openapi({ description: 'When this response was made (ISO 8601)' }),
    workflow_id: z.string(),
    temporal_ui_url: z.string(),
    status_url: z.string(),
    idempotent_replay: z.boolean().openapi({ description: 'True when an Idempotency-Key matched an earlier request' }),
    estimate: z
      .object({
        requests: z.number().int().openapi({ description: 'Polygon requests: one per request window of each unit' }),
        duration_seconds: z.number().int().nullable().openapi({ description: 'At rate_limit_rpm; null when no rate limit is configured' }),
        rate_limit_rpm: z.number().int().nullable().openapi({ description: 'POLYGON_RATE_LIMIT_RPM; null when unlimited' }),
      })
      .openapi({ description: 'What the job will ask of Polygon (a coarse estimate until a planner exists)' }),
    webhook: webhookRegistration.optional().openapi({ description: 'Present when the job names a webhook' }),
  })
  .openapi('BackfillStarted');

export const unitRow = z
  .object({
    unit_no: z.number().int(),
    symbol: z.string(),
    timeframe: z.string(),
    status: z.enum(UNIT_STATUSES),
    attempts: z.number().int(),
    pages: z.number().int(),
    pages_planned: z.number().int().nullable().openapi({ description: 'Requests the unit\'s range needs, known once an attempt starts; progress moves by pages / pages_planned' }),
    records_fetched: z.number().int(),
    records_inserted: z.number().int(),
    /** Stored bars a re-fetch found changed and replaced (corrections). */
    records_updated: z.number().int(),
    error_code: failureCode.nullable(),
    error_message: z.string().nullable(),
    started_at: z.string().nullable(),
    completed_at: z.string().nullable(),
    updated_at: z.string(),
    waiting_for_rate_limit: z.boolean().openapi({ description: 'True while the running unit waits for a slot of the shared Polygon rate limit' }),
    sessions_skipped: z.number().int().openapi({ description: 'Sessions the coverage ledger held as final when the unit planned, so it did not fetch them (reprocess `missing`)' }),
    requests_saved: z.number().int().openapi({ description: 'Polygon requests the skipped sessions saved against fetching the whole range' }),
  })
  .openapi('Unit');

export const failure = z
  .object({
    unit_no: z.number().int(),
    symbol: z.string(),
    timeframe: z.string(),
    code: failureCode,
    message: z.string(),
    at: z.string().nullable(),
  })
  .openapi('Failure');

export const jobQuality = z
  .object({
    sessions_covered: z.number().int(),
    gaps: z.number().int().openapi({ description: 'Sessions fetched with no bar' }),
    suspect: z.number().int(),
    violations_by_rule: z.record(z.string(), z.number().int()),
  })
  .openapi('JobQuality');

export const jobStatusResponse = z
  .object({
    job_id: z.string(),
    workflow_id: z.string(),
    temporal_ui_url: z.string(),
    status: jobStatus,
    paused: z.boolean(),
    live: z.boolean().openapi({ description: 'True when the running workflow answered; false when figures come from Postgres only' }),
    progress_pct: z.number(),
    symbols_completed: z.number().int(),
    symbols_total: z.number().int(),
    current_symbol: z.string().nullable(),
    current_timeframe: z.string().nullable(),
    current_units: z.array(unitRef),
    total_records_fetched: z.number().int(),
    total_records_inserted: z.number().int(),
    total_records_updated: z.number().int(),
    reprocess: z.enum(REPROCESS_MODES),
    sessions_skipped: z.number().int().openapi({ description: 'Sum over units: sessions held final in the ledger and not fetched' }),
    requests_saved: z.number().int().openapi({ description: 'Sum over units: Polygon requests not made because their sessions were held' }),
    units: unitCounts,
    failures: z.array(failure),
    failures_truncated: z.boolean(),
    rate: z.object({ bars_per_second: z.number().nullable(), units_per_minute: z.number().nullable() }),
    eta_seconds: z.number().nullable(),
    timeframes: z.array(z.string()),
    date_range: dateRange,
    adjusted: z.boolean(),
    concurrency: z.number().int(),
    error: z.string().nullable(),
    retry_deadline: z.string().nullable(),
    created_at: z.string(),
    started_at: z.string().nullable(),
    completed_at: z.string().nullable(),
    updated_at: z.string(),
    details: z.array(unitRow),
    details_truncated: z.boolean(),
    units_url: z.string(),
    quality: jobQuality.openapi({ description: 'From the coverage ledger: the sessions of the job’s series and dates, gaps, suspect days and violations by rule' }),
    issues_url: z.string(),
    timestamp: z.string(),
  })
  .openapi('JobStatus');

export const unitsPage = z
  .object({
    job_id: z.string(),
    status: z.enum(UNIT_STATUSES).nullable(),
    limit: z.number().int(),
    units: z.array(unitRow),
    next_cursor: z.string().nullable(),
  })
  .openapi('UnitsPage');

export const jobSummary = z
  .object({
    job_id: z.string(),
    workflow_id: z.string(),
    status: jobStatus,
    symbols_count: z.number().int(),
    symbols: z.array(z.string()).openapi({ description: 'The first 20 symbols' }),
    symbols_truncated: z.boolean(),
    timeframes: z.array(z.string()),
    date_range: dateRange,
    adjusted: z.boolean(),
    concurrency: z.number().int(),
    units_total: z.number().int(),
    units: unitCounts,
    progress_pct: z.number(),
    total_records_fetched: z.number().int(),
    total_records_inserted: z.number().int(),
    total_records_updated: z.number().int(),
    error: z.string().nullable(),
    created_at: z.string(),
    started_at: z.string().nullable(),
    completed_at: z.string().nullable(),
    status_url: z.string(),
    temporal_ui_url: z.string(),
  })
  .openapi('JobSummary');

export const recentJobs = z
  .object({ jobs: z.array(jobSummary), count: z.number().int(), limit: z.number().int(), status: jobStatus.nullable() })
  .openapi('RecentJobs');

const queued = z.boolean().openapi({
  description:
    'True when no worker answered in time: the action was stored as a signal and takes effect when a worker picks the job ' +
    'up (figures are then what Postgres expects, not what the workflow decided)',
});

export const retryResponse = z
  .object({
    job_id: z.string(),
    workflow_id: z.string(),
    status: jobStatus,
    requeued: z.number().int(),
    units: z.array(unitRef),
    restarted: z.boolean().openapi({ description: 'True when the job had closed and a new run was started to retry it' }),
    queued,
  })
  .openapi('RetryResult');

export const controlResponse = z
  .object({ job_id: z.string(), status: jobStatus, paused: z.boolean(), queued })
  .openapi('ControlResult');

export const cancelResponse = z
  .object({ job_id: z.string(), status: z.literal('cancelling') })
  .openapi('CancelResult');

export const healthResponse = z.object({ status: z.literal('ok') });
export const readyResponse = z.object({
  postgres: z.enum(['ok', 'down']),
  temporal: z.enum(['ok', 'down']),
});

const jobStatuses = z.array(jobStatus);
const failureCodes = z.array(z.enum(FAILURE_CODES));
export const vocabularyResponse = z
  .object({
    job_statuses: jobStatuses,
    final_job_statuses: jobStatuses.openapi({ description: 'A job in one of these has stopped (until a retry restarts it)' }),
    restartable_job_statuses: jobStatuses.openapi({ description: 'A closed job in one of these can be retried' }),
    unit_statuses: z.array(z.enum(UNIT_STATUSES)),
    failure_codes: failureCodes,
    permanent_failure_codes: failureCodes.openapi({ description: 'Failures a retry cannot cure (the unit fails at once)' }),
    coverage_states: z.array(z.enum(COVERAGE_STATES)).openapi({ description: "A day's state in a series' coverage" }),
    reprocess_modes: z.array(z.enum(REPROCESS_MODES)).openapi({ description: 'What a job fetches of its range (`reprocess` of POST /api/v1/backfill); the first is the default' }),
  })
  .openapi('Vocabulary');

export type ErrorResponse = z.infer<typeof errorResponse>;
export type BackfillStarted = z.infer<typeof backfillStarted>;
export type UnitRow = z.infer<typeof unitRow>;
export type FailureRow = z.infer<typeof failure>;
export type JobStatusResponse = z.infer<typeof jobStatusResponse>;
export type UnitsPage = z.infer<typeof unitsPage>;
export type JobSummary = z.infer<typeof jobSummary>;
export type RecentJobs = z.infer<typeof recentJobs>;
export type RetryResponse = z.infer<typeof retryResponse>;
export type ControlResponse = z.infer<typeof controlResponse>;
export type CancelResponse = z.infer<typeof cancelResponse>;
export type UnitCountsBody = z.infer<typeof unitCounts>;
export type ReadyResponse = z.infer<typeof readyResponse>;
export type VocabularyResponse = z.infer<typeof vocabularyResponse>;
