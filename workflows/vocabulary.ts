// The product's words, defined once. The workflow, activities, src/db, the API schemas (z.enum),
// the CLI, the bench and the dev launcher import these lists; the dashboard gets them from the API.
// Migrations carry the same lists as SQL CHECK constraints, and test/db/vocabulary.test.ts reads
// those constraints back from a migrated database to prove they are equal.
// Pure data: this file is part of the workflow bundle, so it imports nothing.

export const JOB_STATUSES = ['pending', 'running', 'paused', 'completed', 'completed_with_errors', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** A job in one of these has stopped for good (until a retry restarts it). */
export const FINAL_JOB_STATUSES = ['completed', 'completed_with_errors', 'failed', 'cancelled'] as const satisfies readonly JobStatus[];
export type FinalJobStatus = (typeof FINAL_JOB_STATUSES)[number];
export const isFinalJobStatus = (s: string): s is FinalJobStatus => (FINAL_JOB_STATUSES as readonly string[]).includes(s);

/** A closed job with failed units: `/retry` restarts its workflow. */
export const RESTARTABLE_JOB_STATUSES = ['completed_with_errors', 'failed'] as const satisfies readonly FinalJobStatus[];

export const UNIT_STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled'] as const;
export type UnitStatus = (typeof UNIT_STATUSES)[number];

/** Why a unit failed, in words a user can act on. */
export const FAILURE_CODES = [
  'not_entitled',
  'unknown_ticker',
  'bad_key',
  'bad_request',
  'rate_limited',
  'upstream_error',
  'bad_payload',
  'deadline_exceeded',
  'bad_data',
  'internal',
] as const;
export type FailureCode = (typeof FAILURE_CODES)[number];

/** Permanent Polygon errors: retrying cannot help, so the unit fails at once. */
export const PERMANENT_FAILURE_CODES = ['not_entitled', 'unknown_ticker', 'bad_key', 'bad_request'] as const satisfies readonly FailureCode[];

/**
 * What a stored bar can be wrong about (src/ingest/validate.ts checks a page for each; the simulator
 * can serve a bad bar of each kind).
 */
export const VALIDATION_RULES = [
  'price_not_finite',
  'price_not_positive',
  'high_below_low',
  'open_outside_range',
  'close_outside_range',
  'volume_invalid',
  'vwap_outside_range',
  'ts_misaligned',
  'ts_out_of_range',
  'ts_duplicate',
  'ts_out_of_order',
  'closed_day',
] as const;
export type ValidationRule = (typeof VALIDATION_RULES)[number];

/** What a job does with bars that break a rule: `record` stores them and lists them; `strict` fails the unit (bad_data). */
export const VALIDATION_MODES = ['record', 'strict'] as const;
export type ValidationMode = (typeof VALIDATION_MODES)[number];

/**
 * What a job fetches of its range: `missing` (the default) only the session days the coverage ledger
 * does not hold as final for the series; `all` every day again (corrections land, nothing duplicates).
 */
export const REPROCESS_MODES = ['missing', 'all'] as const;
export type ReprocessMode = (typeof REPROCESS_MODES)[number];

/** Failures that are the job's, not a unit's: the first one fails every unit not finished at once. */
export const JOB_WIDE_FAILURE_CODES = ['bad_key'] as const satisfies readonly FailureCode[];
export const isJobWideFailure = (code: string): boolean => (JOB_WIDE_FAILURE_CODES as readonly string[]).includes(code);

/** Per-unit activity timing, from the worker's config (see initJob); carried across continue-as-new. */
export interface UnitTimeouts {
  unitDeadlineSeconds: number;
  heartbeatTimeoutSeconds: number;
}

/**
 * What the coverage ledger says about one New York date of a series: fetched with bars, fetched
 * with none on a session (a gap), not a session, never fetched, or bars that failed validation.
 */
export const COVERAGE_STATES = ['complete', 'no_bars', 'closed', 'not_fetched', 'suspect'] as const;
export type CoverageState = (typeof COVERAGE_STATES)[number];

/** What a completion webhook announces: one event per final job status, `backfill.<status>`. */
export const WEBHOOK_EVENTS = ['backfill.completed', 'backfill.completed_with_errors', 'backfill.failed', 'backfill.cancelled'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];
export const webhookEventFor = (status: FinalJobStatus): WebhookEvent => `backfill.${status}`;

/** A delivery is `pending` while attempts may still be made, then `delivered` (a 2xx) or `failed`. */
export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

/** Why a delivery stopped for good: a final answer (4xx but 408/429, a redirect, a refused address), WEBHOOK_RETRY_HOURS spent, no secret to sign with. */
export const WEBHOOK_FINAL_FAILURES = ['webhook_rejected', 'webhook_retries_exhausted', 'webhook_no_secret'] as const;
export type WebhookFinalFailure = (typeof WEBHOOK_FINAL_FAILURES)[number];
/**
 * How a job fetches its bars: one request per window of one symbol (`per_ticker`), or, for `1d` bars
 * of US stocks, one grouped-daily request per session day covering every symbol (`grouped`).
 */
export const FETCH_STRATEGIES = ['per_ticker', 'grouped'] as const;
export type FetchStrategy = (typeof FETCH_STRATEGIES)[number];
/** What a request may ask for: `auto` (default) lets the planner pick the cheaper strategy. */
export const STRATEGY_CHOICES = ['auto', ...FETCH_STRATEGIES] as const;
export type StrategyChoice = (typeof STRATEGY_CHOICES)[number];
/** The one timeframe grouped daily serves. */
export const GROUPED_TIMEFRAME = '1d';
