// Rows to the JSON the API returns. Field names here are the public contract (dashboard, CLI).
import type { JobRow, RecentJobRow } from '../db/job-queries.js';
import type { UnitRecord } from '../db/unit-queries.js';
import type { JobSummary, UnitCountsBody, UnitRow } from './schemas.js';

export const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);

export interface Links {
  statusUrl(jobId: string): string;
  unitsUrl(jobId: string): string;
  issuesUrl(jobId: string): string;
  workflowUrl(workflowId: string): string;
}

/** Absolute when API_PUBLIC_URL is set, else paths relative to the API's origin. */
export function createLinks(publicUrl: string | undefined, temporalUiUrl: string, namespace: string): Links {
  const base = (publicUrl ?? '').replace(/\/+$/, '');
  const ui = temporalUiUrl.replace(/\/+$/, '');
  return {
    statusUrl: (id) => `${base}/api/v1/backfill/status/${id}`,
    unitsUrl: (id) => `${base}/api/v1/backfill/${id}/units`,
    issuesUrl: (id) => `${base}/api/v1/backfill/${id}/issues`,
    workflowUrl: (wf) => `${ui}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(wf)}`,
  };
}

export function unitJson(u: UnitRecord): UnitRow {
  return {
    unit_no: u.unitNo,
    symbol: u.symbol,
    timeframe: u.timeframe,
    status: u.status,
    attempts: u.attempts,
    pages: u.pages,
    pages_planned: u.pagesPlanned,
    records_fetched: u.barsFetched,
    records_inserted: u.barsInserted,
    records_updated: u.barsUpdated,
    error_code: u.errorCode,
    error_message: u.errorMessage,
    started_at: iso(u.startedAt),
    completed_at: iso(u.completedAt),
    updated_at: u.updatedAt.toISOString(),
    waiting_for_rate_limit: u.rateLimitedSince !== null,
    sessions_skipped: u.sessionsSkipped,
    requests_saved: u.requestsSaved,
  };
}

interface Counts {
  pending: number;
  running: number;
  completed: number;
  failed: number;
  cancelled: number;
  unitRows: number;
}

/**
 * Counts by status over the job's declared units. Until the workflow has created the unit rows,
 * every unit counts as pending.
 */
export function unitCounts(total: number, c: Counts): UnitCountsBody {
  const missing = Math.max(0, total - c.unitRows);
  return { total, pending: c.pending + missing, running: c.running, completed: c.completed, failed: c.failed, cancelled: c.cancelled };
}

/**
 * Units that ran to an end (completed or failed; a cancelled unit's work was never done) plus the
 * running units' shares of their planned pages, in percent to one decimal. `runningFraction` comes
 * from Postgres and is capped at the running count, which may come from the workflow's query.
 */
export function progressPct(u: UnitCountsBody, runningFraction = 0): number {
  if (u.total <= 0) return 0;
  const ended = u.completed + u.failed;
  const pct = Math.round(((ended + unitsInFlight(u, runningFraction)) / u.total) * 1000) / 10;
  // A unit whose last page is in but which has not closed yet is not done: only ended units make 100.
  return ended + u.cancelled >= u.total ? pct : Math.min(pct, 99.9);
}

/** The running units' page fraction, never more than the units counted as running. */
export const unitsInFlight = (u: UnitCountsBody, runningFraction: number): number =>
  Math.max(0, Math.min(runningFraction, u.running));

export function jobSummaryJson(j: RecentJobRow, links: Links): JobSummary {
  const units = unitCounts(j.unitsTotal, j);
  return {
    job_id: j.jobId,
    workflow_id: j.workflowId,
    status: j.status,
    symbols_count: j.symbolsCount,
    symbols: j.symbols,
    symbols_truncated: j.symbolsCount > j.symbols.length,
    timeframes: j.timeframes,
    date_range: { start_date: j.startDate, end_date: j.endDate },
    adjusted: j.adjusted,
    concurrency: j.concurrency,
    units_total: j.unitsTotal,
    units,
    progress_pct: progressPct(units, j.runningFraction),
    total_records_fetched: j.barsFetched,
    total_records_inserted: j.barsInserted,
    total_records_updated: j.barsUpdated,
    error: j.error,
    created_at: j.createdAt.toISOString(),
    started_at: iso(j.startedAt),
    completed_at: iso(j.completedAt),
    status_url: links.statusUrl(j.jobId),
    temporal_ui_url: links.workflowUrl(j.workflowId),
  };
}

export const dateRangeOf = (j: Pick<JobRow, 'startDate' | 'endDate'>) => ({ start_date: j.startDate, end_date: j.endDate });
