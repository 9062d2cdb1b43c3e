// The body of a completion webhook, built from Postgres when the delivery is first created: the
// job summary (what the status endpoint says of it), the quality summary (from the coverage ledger)
// and links to the job's status and its workflow in the Temporal UI.
import type { Queryable } from '../db/pool.js';
import { getJob } from '../db/job-queries.js';
import { getUnitSummary } from '../db/unit-queries.js';
import { jobQuality } from '../db/job-quality.js';
import type { Links } from '../api/presenters.js';
import type { WebhookEvent } from '../../workflows/vocabulary.js';

export interface WebhookEventBody {
  type: WebhookEvent;
  /** When the event was built (ISO); each attempt's own time is in `webhook-timestamp`. */
  timestamp: string;
  data: {
    job_id: string;
    status: string;
    error: string | null;
    symbols: string[];
    timeframes: string[];
    date_range: { start_date: string; end_date: string };
    adjusted: boolean;
    schedule_id: string | null;
    started_at: string | null;
    completed_at: string | null;
    units: { total: number; completed: number; failed: number; cancelled: number; pending: number; running: number };
    records_fetched: number;
    records_inserted: number;
    records_updated: number;
    quality: { sessions_covered: number; gaps: number; suspect: number; violations_by_rule: Record<string, number> };
    links: { status_url: string; temporal_ui_url: string };
  };
}

export async function buildEventBody(db: Queryable, links: Links, jobId: string, type: WebhookEvent, now: Date): Promise<WebhookEventBody> {
  const job = await getJob(db, jobId);
  if (!job) throw new Error(`job ${jobId} not found`);
  const [units, quality] = await Promise.all([getUnitSummary(db, jobId), jobQuality(db, jobId)]);
  return {
    type,
    timestamp: now.toISOString(),
    data: {
      job_id: job.jobId,
      status: job.status,
      error: job.error,
      symbols: job.symbols,
      timeframes: job.timeframes,
      date_range: { start_date: job.startDate, end_date: job.endDate },
      adjusted: job.adjusted,
      schedule_id: job.scheduleId ?? null,
      started_at: job.startedAt ? job.startedAt.toISOString() : null,
      completed_at: job.completedAt ? job.completedAt.toISOString() : null,
      units: { total: job.unitsTotal, completed: units.completed, failed: units.failed, cancelled: units.cancelled, pending: units.pending, running: units.running },
      records_fetched: units.barsFetched,
      records_inserted: units.barsInserted,
      records_updated: units.barsUpdated,
      quality: { sessions_covered: quality.sessionsCovered, gaps: quality.gaps, suspect: quality.suspect, violations_by_rule: quality.violationsByRule },
      links: { status_url: links.statusUrl(job.jobId), temporal_ui_url: links.workflowUrl(job.workflowId) },
    },
  };
}
