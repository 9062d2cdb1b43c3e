// Every message of BackfillWorkflow, defined once: the workflow registers these handlers and the
// API, CLI and tests import the same definitions, so names and payload types cannot drift.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

export const workflowIdForJob = (jobId: string): string => `backfill-${jobId}`;

export {
  FAILURE_CODES,
  FINAL_JOB_STATUSES,
  JOB_STATUSES,
  UNIT_STATUSES,
  type FailureCode,
  type FinalJobStatus,
  type JobStatus,
  type UnitStatus,
  type UnitTimeouts,
} from './vocabulary.js';
import type { FailureCode, FetchStrategy, JobStatus, UnitTimeouts } from './vocabulary.js';

/** What a job fetches: the one shape the workflow input, initJob and the jobs row share. */
export interface JobSpec {
  jobId: string;
  symbols: string[];
  timeframes: string[];
  /** YYYY-MM-DD, inclusive. */
  startDate: string;
  endDate: string;
  adjusted: boolean;
  /** Units in flight at most. */
  concurrency: number;
  /**
   * Where the job's outcome is announced (a signed Standard Webhooks POST). Only the URL: its
   * secret never enters workflow input or history; the delivery activity reads it from the
   * worker's config (WEBHOOK_SECRET) or from Postgres (the endpoint's sealed secret).
   */
  webhook?: WebhookTarget;
  /**
   * `grouped`: the job's `1d` units are fetched by grouped daily, one request per session day for
   * all symbols (the planner chose it). Absent means per ticker, as before the strategy existed.
   */
  strategy?: FetchStrategy;
}

/** A webhook endpoint as a job or a schedule names it. */
export interface WebhookTarget {
  url: string;
}

export interface BackfillInput extends JobSpec {
  /** How long a job that ended with failed units stays open for `retryFailed`; 0 closes at once. */
  retryWindowSeconds: number;
  /** Set when the API restarts a closed job to retry its failed units. */
  retry?: RetryRequest;
  /** Carried across continue-as-new; absent on the first run. */
  carry?: CarryState;
  /**
   * Test knob: continue-as-new after starting this many units in one run, even when the server
   * does not suggest it yet. Production leaves it unset (the server's suggestion decides).
   */
  maxUnitsPerRun?: number;
}

export interface UnitRef {
  unitNo: number;
  symbol: string;
  timeframe: string;
}

export interface UnitFailure extends UnitRef {
  code: FailureCode;
  message: string;
  at: string;
}

export interface UnitCounts {
  pending: number;
  running: number;
  completed: number;
  failed: number;
  cancelled: number;
}

/** Only cursor, counters and bounded lists survive continue-as-new. */
/** A grouped job's days as a run hands them on (see JobState). */
export interface GroupedCarry {
  days: number;
  nextDay: number;
  dayQueue: number[];
  failedDays: number[];
  open: boolean;
  openUnits: number;
  live: { barsFetched: number; barsInserted: number; barsUpdated: number };
}

export interface CarryState {
  /** Absent for per-ticker jobs. */
  grouped?: GroupedCarry;
  nextUnitNo: number;
  retryQueue: number[];
  failedUnitNos: number[];
  counts: UnitCounts;
  barsFetched: number;
  barsInserted: number;
  /** Absent in carries made before corrections were counted. */
  barsUpdated?: number;
  recentFailures: UnitFailure[];
  paused: boolean;
  startedAt: string;
  run: number;
  /** Per-unit activity timing the first run got from the worker's config (see initJob). */
  settings?: UnitTimeouts;
  /** Status at the moment of continue-as-new (a run may continue while waiting for retries). */
  status?: JobStatus;
  /** Set when the run continued while waiting for retries: the wait keeps its deadline. */
  retryDeadline?: string | null;
}

export interface Progress {
  jobId: string;
  status: JobStatus;
  paused: boolean;
  unitsTotal: number;
  counts: UnitCounts;
  barsFetched: number;
  barsInserted: number;
  /** Stored bars replaced by a different re-fetched version (corrections). */
  barsUpdated: number;
  current: UnitRef[];
  /** Newest first, at most 20. */
  recentFailures: UnitFailure[];
  startedAt: string;
  updatedAt: string;
  /** 1 for the first run, +1 per continue-as-new. */
  run: number;
  /** When a job with failures stops waiting for retries (ISO), if it is waiting. */
  retryDeadline: string | null;
}

export interface RetryRequest {
  /** Only these symbols (all when absent). */
  symbols?: string[];
  /** Only these timeframes (all when absent). */
  timeframes?: string[];
}

export interface RetryResult {
  requeued: number;
  units: UnitRef[];
}

// From the command line (or the Web UI's "Send a Signal", with the same name and JSON):
//   temporal workflow query  --workflow-id backfill-<jobId> --type progress
//   temporal workflow signal --workflow-id backfill-<jobId> --name retryFailedSignal --input '{}'
//   temporal workflow signal --workflow-id backfill-<jobId> --name retryFailedSignal --input '{"symbols":["NFLX"],"timeframes":["1d"]}'
//   temporal workflow signal --workflow-id backfill-<jobId> --name pauseSignal
//   temporal workflow signal --workflow-id backfill-<jobId> --name resumeSignal
//   temporal workflow update execute --workflow-id backfill-<jobId> --name retryFailed --input '{"symbols":["NFLX"]}'
//   temporal workflow cancel --workflow-id backfill-<jobId>
// A signal cannot answer: a retry signal that names unknown symbols or no failed unit is ignored
// (and logged by the worker); the update form rejects it with the reason.
//
// Retry after the job closed (its retry window, JOB_RETRY_WINDOW_SECONDS, ran out): start
// BackfillWorkflow again with the same workflow id and the same input plus `retry` (the request);
// the new run requeues the matching failed units from Postgres and runs only those.

export const progressQuery = defineQuery<Progress>('progress');
export const retryFailedUpdate = defineUpdate<RetryResult, [RetryRequest]>('retryFailed');
/** Same payload as the update, for the Temporal Web UI and `temporal workflow signal`. */
export const retryFailedSignal = defineSignal<[RetryRequest]>('retryFailedSignal');
export const pauseUpdate = defineUpdate<Progress>('pause');
export const resumeUpdate = defineUpdate<Progress>('resume');
export const pauseSignal = defineSignal('pauseSignal');
export const resumeSignal = defineSignal('resumeSignal');
