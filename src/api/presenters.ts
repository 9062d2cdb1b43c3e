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
    records_fetched: u.barsFetched,
    records_inserted: u.barsInserted,
    records_updated: u.barsUpdated,
    error_code: u.errorCode,
    error_message: u.errorMessage,
    started_at: iso(u.startedAt),
    completed_at: iso(u.completedAt),
    updated_at: u.updatedAt.toISOString(),
    waiting_for_rate_limit: u.rateLimitedSince !== null,
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

/** Share of units that are finished (whatever the outcome), to one decimal. */
/** Units that ran to an end (completed or failed); a cancelled unit's work was never done. */
export function progressPct(u: UnitCountsBody): number {
  if (u.total <= 0) return 0;
  return Math.round(((u.completed + u.failed) / u.total) * 1000) / 10;
}

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
    progress_pct: progressPct(units),
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
