// Shapes of the REST API's JSON answers, as the CLI reads them: picked from the API's own zod
// schemas (src/api/schemas.ts), so renaming a field there breaks this build instead of the CLI.
// Fields the CLI can live without are optional, so it still reads an older API's answers;
// everything else passes through untouched to `--json`. Type-only imports: the CLI bundles no zod.
import type * as Api from '../api/schemas.js';
import type { BackfillPlan } from '../api/plan-schema.js';
import { FINAL_JOB_STATUSES as FINAL } from '../../workflows/vocabulary.js';

export type { JobStatus } from '../../workflows/vocabulary.js';

/** Widened for `.includes(s.status)` on any string the API sends. */
export const FINAL_JOB_STATUSES: readonly string[] = FINAL;

/** The fields `K` must be there; the fields `O` may be missing. */
type Shape<T, K extends keyof T, O extends keyof T = never> = Pick<T, K> & Partial<Pick<T, O>>;

export type UnitCountsJson = Api.UnitCountsBody;
export type FailureJson = Pick<Api.FailureRow, 'symbol' | 'timeframe' | 'code' | 'message'>;

export type StartResponse = Shape<
  Api.BackfillStarted,
  'job_id' | 'status' | 'symbols_count' | 'symbols' | 'date_range' | 'timeframes',
  'adjusted' | 'concurrency' | 'units_total' | 'workflow_id' | 'temporal_ui_url' | 'status_url' | 'idempotent_replay'
>;

export type StatusResponse = Shape<
  Api.JobStatusResponse,
  'job_id' | 'status' | 'progress_pct' | 'total_records_fetched' | 'total_records_inserted',
  | 'paused'
  | 'live'
  | 'symbols_completed'
  | 'symbols_total'
  | 'current_symbol'
  | 'current_timeframe'
  | 'eta_seconds'
  | 'created_at'
  | 'started_at'
  | 'completed_at'
  | 'workflow_id'
  | 'temporal_ui_url'
  | 'timeframes'
  | 'date_range'
  | 'adjusted'
  | 'concurrency'
  | 'error'
  | 'failures_truncated'
  | 'retry_deadline'
  | 'reprocess'
  | 'sessions_skipped'
  | 'requests_saved'
> & {
  units?: Partial<UnitCountsJson>;
  failures?: FailureJson[];
  rate?: Partial<Api.JobStatusResponse['rate']> | null;
};

export type UnitJson = Shape<
  Api.UnitRow,
  'unit_no' | 'symbol' | 'timeframe' | 'status',
  'attempts' | 'pages' | 'records_fetched' | 'records_inserted' | 'error_code' | 'error_message' | 'started_at' | 'completed_at'
>;

export type UnitsResponse = Pick<Api.UnitsPage, 'next_cursor'> & { units: UnitJson[] };

export type RecentJobJson = Shape<
  Api.JobSummary,
  'job_id' | 'status',
  'symbols_count' | 'symbols' | 'timeframes' | 'date_range' | 'progress_pct' | 'units_total' | 'created_at'
> & { units?: Partial<UnitCountsJson> };

export type RecentResponse = { jobs: RecentJobJson[] };

export type RetryResponse = Shape<Api.RetryResponse, 'job_id' | 'requeued', 'restarted' | 'status'> & {
  units?: Array<Pick<Api.RetryResponse['units'][number], 'symbol' | 'timeframe'> & { unit_no?: number }>;
};

export type ControlResponse = Shape<Api.ControlResponse, 'job_id' | 'status', 'paused'>;
export type CancelResponse = Api.CancelResponse;

/** GET /api/v1/series/{symbol}/{timeframe}/coverage, as the API sends it. */
export type { CoverageBody as CoverageResponse } from '../api/coverage-schemas.js';
/** The dry run's answer (POST /api/v1/backfill with dry_run), as the API documents it. */
export type PlanResponse = BackfillPlan;
