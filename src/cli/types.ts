// Shapes of the REST API's JSON answers, as the CLI reads them. Only the fields the CLI uses are
// typed; everything else passes through untouched to `--json`.

export type JobStatus =
  | 'pending'
  | 'running'
  | 'paused'
  | 'completed'
  | 'completed_with_errors'
  | 'failed'
  | 'cancelled';

export const FINAL_JOB_STATUSES: readonly string[] = ['completed', 'completed_with_errors', 'failed', 'cancelled'];

export interface UnitCountsJson {
  total: number;
  pending: number;
  running: number;
  completed: number;
  failed: number;
  cancelled: number;
}

export interface FailureJson {
  symbol: string;
  timeframe: string;
  code: string;
  message: string;
}

export interface StartResponse {
  job_id: string;
  status: string;
  symbols_count: number;
  symbols: string[];
  date_range: { start_date: string; end_date: string };
  timeframes: string[];
  adjusted?: boolean;
  concurrency?: number;
  units_total?: number;
  workflow_id?: string;
  temporal_ui_url?: string;
  status_url?: string;
  /** True when an Idempotency-Key matched an earlier request: this is that job. */
  idempotent_replay?: boolean;
}

export interface StatusResponse {
  job_id: string;
  status: string;
  paused?: boolean;
  live?: boolean;
  progress_pct: number;
  symbols_completed?: number;
  symbols_total?: number;
  current_symbol?: string | null;
  current_timeframe?: string | null;
  total_records_fetched: number;
  total_records_inserted: number;
  units?: Partial<UnitCountsJson>;
  failures?: FailureJson[];
  rate?: { bars_per_second?: number | null; units_per_minute?: number | null } | null;
  eta_seconds?: number | null;
  created_at?: string | null;
  started_at?: string | null;
  completed_at?: string | null;
  workflow_id?: string;
  temporal_ui_url?: string;
  timeframes?: string[];
  date_range?: { start_date: string; end_date: string };
  adjusted?: boolean;
  concurrency?: number;
  error?: string | null;
  failures_truncated?: boolean;
  /** While a job that ended with failures waits for a retry: until when (ISO). */
  retry_deadline?: string | null;
}

export interface UnitJson {
  unit_no: number;
  symbol: string;
  timeframe: string;
  status: string;
  attempts?: number;
  pages?: number;
  records_fetched?: number;
  records_inserted?: number;
  error_code?: string | null;
  error_message?: string | null;
  started_at?: string | null;
  completed_at?: string | null;
}

export interface UnitsResponse {
  units: UnitJson[];
  next_cursor: string | null;
}

export interface RecentJobJson {
  job_id: string;
  status: string;
  symbols_count?: number;
  symbols?: string[];
  timeframes?: string[];
  date_range?: { start_date: string; end_date: string };
  progress_pct?: number;
  /** Older API versions: a plain total. */
  units_total?: number;
  units?: Partial<UnitCountsJson>;
  created_at?: string | null;
}

export interface RecentResponse {
  jobs: RecentJobJson[];
}

export interface RetryResponse {
  job_id: string;
  requeued: number;
  /** True when the job had closed and a new run was started to retry it. */
  restarted?: boolean;
  units?: Array<{ unit_no?: number; symbol: string; timeframe: string }>;
  status?: string;
}

export interface ControlResponse {
  job_id: string;
  status: string;
  paused?: boolean;
}
