// GET /status: durable figures from Postgres, live ones from the workflow's `progress` query when a
// worker answers in time. Both sources are read at once; whichever the query cannot give (closed
// workflow, no worker, Temporal down) comes from Postgres and the answer says `live: false`.
import type { Pool } from '../db/pool.js';
import { getJob, type JobRow } from '../db/job-queries.js';
import { getUnitSummary, listUnits, type UnitRecord } from '../db/unit-queries.js';
import { jobQuality } from '../db/job-quality.js';
import { workflowIdForJob, type Progress } from '../../workflows/messages.js';
import { isFinal, isRestartable } from './job-states.js';
import { createSingleFlight } from './single-flight.js';
import type { RunState, Workflows } from './temporal.js';
import type { Logger } from '../logger.js';
import { reconcileIfEnded } from './workflow-ended.js';
import { dateRangeOf, iso, progressPct, unitCounts, unitJson, unitsInFlight, type Links } from './presenters.js';
import type { FailureRow, JobStatusResponse, UnitCountsBody } from './schemas.js';

export const DETAILS_LIMIT = 100;
export const FAILURES_LIMIT = 100;
/** Answers are shared by concurrent pollers for this long. */
export const STATUS_TTL_MS = 250;
/**
 * While a refresh runs, pollers get the previous answer if it is at most this old. Generous, because
 * a refresh is slowest exactly when the machine is busiest (the progress query waits for a loaded
 * worker, up to its 1.2 s timeout, and Postgres is writing the job's bars): a 2 s window let pollers
 * queue behind such refreshes (p99 0.9 s in the bench under foreign load). A poller still waits when
 * nobody asked for this long, so an idle job is never answered from an old cache.
 */
export const STATUS_STALE_MS = 10_000;
/** After a failed query (no worker), Postgres answers alone for this long before trying again. */
export const QUERY_BACKOFF_MS = 3_000;
/**
 * How long Temporal's word that a run is open holds before it is described again. A closed run is
 * remembered longer: it is never queried (a query makes a worker replay the whole history).
 */
export const RUN_OPEN_TTL_MS = 2_000;
export const RUN_CLOSED_TTL_MS = 60_000;

/** An answer and its JSON bytes, serialised once and sent to every poller that shares it. */
export interface StatusAnswer {
  value: JobStatusResponse;
  body: Uint8Array;
}

export interface StatusView {
  /** Null when no such job exists. */
  get(jobId: string): Promise<StatusAnswer | null>;
  /** Forget cached answers after an action changed the job. */
  invalidate(jobId: string): void;
}

export function createStatusView(deps: {
  pool: Pool;
  workflows: Workflows;
  links: Links;
  now: () => Date;
  logger: Logger;
  /** JOB_RETRY_WINDOW_SECONDS: how long a job that ended with failures may still be open. */
  retryWindowSeconds: number;
  /** Told, per answer, whether it came from the cache (true) or needed its own load (metrics). */
  onLookup?: (hit: boolean) => void;
}): StatusView {
  const { pool, workflows, links, now, retryWindowSeconds } = deps;

  // A job that ended with failures keeps its workflow open for the retry window; asking a closed
  // workflow would make a worker replay its whole history, so only ask while it may be open.
  function mayBeOpen(job: JobRow): boolean {
    if (!isFinal(job.status)) return true;
    if (!isRestartable(job.status)) return false;
    const closedAt = job.completedAt?.getTime() ?? 0;
    return closedAt + retryWindowSeconds * 1000 > now().getTime();
  }

  const progress = createSingleFlight<Progress | null>({ ttlMs: (p) => (p ? STATUS_TTL_MS : QUERY_BACKOFF_MS) });
  // null: Temporal did not answer; Postgres answers alone until the next try.
  const runs = createSingleFlight<RunState | null>({
    ttlMs: (r) => (r === null ? QUERY_BACKOFF_MS : r.state === 'open' ? RUN_OPEN_TTL_MS : RUN_CLOSED_TTL_MS),
  });

  /**
   * The live progress only from a run Temporal describes as open; a job whose run ended outside
   * the product while its row says it runs is reconciled first (and then answered from Postgres).
   */
  async function liveOf(job: JobRow): Promise<{ job: JobRow; live: Progress | null }> {
    if (!mayBeOpen(job)) return { job, live: null };
    const run = await runs.get(job.workflowId, () => workflows.runState(job.workflowId).catch(() => null));
    if (run === null) return { job, live: null };
    if (run.state === 'open') return { job, live: await readProgress(job.jobId) };
    if (isFinal(job.status)) return { job, live: null };
    runs.delete(job.workflowId);
    return { job: await reconcileIfEnded(deps, job), live: null };
  }
  const answers = createSingleFlight<StatusAnswer | null>({ ttlMs: () => STATUS_TTL_MS, staleMs: STATUS_STALE_MS });

  function readProgress(jobId: string): Promise<Progress | null> {
    return progress.get(jobId, () => workflows.progress(jobId));
  }

  async function build(row: JobRow): Promise<JobStatusResponse> {
    const rows = (jobId: string) =>
      Promise.all([
        getUnitSummary(pool, jobId),
        listUnits(pool, jobId, { limit: DETAILS_LIMIT }),
        listUnits(pool, jobId, { status: 'failed', limit: FAILURES_LIMIT }),
        listUnits(pool, jobId, { status: 'running', limit: 20 }),
        jobQuality(pool, jobId),
      ]);
    const [{ job, live }, first] = await Promise.all([liveOf(row), rows(row.jobId)]);
    // A reconciliation just closed units: read them again, so that the answer and the rows agree.
    const [summary, details, failed, running, quality] = job === row ? first : await rows(job.jobId);

    const durable = unitCounts(job.unitsTotal, summary);
    const units: UnitCountsBody = live ? { total: job.unitsTotal, ...live.counts } : durable;
    const status = live?.status ?? job.status;
    const current = live
      ? live.current.map((u) => ({ unit_no: u.unitNo, symbol: u.symbol, timeframe: u.timeframe }))
      : running.units.map((u) => ({ unit_no: u.unitNo, symbol: u.symbol, timeframe: u.timeframe }));
    // Both figures only grow; Postgres may be a page ahead of the workflow's counters.
    const fetched = Math.max(live?.barsFetched ?? 0, summary.barsFetched);
    const inserted = Math.max(live?.barsInserted ?? 0, summary.barsInserted);
    const updated = Math.max(live?.barsUpdated ?? 0, summary.barsUpdated);
    const startedAt = job.startedAt ?? (live?.startedAt ? new Date(live.startedAt) : null);
    const final = isFinal(status);
    // The workflow may report the end a moment before its row write lands.
    const completedAt = final ? (job.completedAt ?? (live ? new Date(live.updatedAt) : null)) : null;

    const at = now();
    const elapsedS = startedAt ? Math.max(0, ((completedAt ?? at).getTime() - startedAt.getTime()) / 1000) : 0;
    const done = units.completed + units.failed + units.cancelled;
    const rate = {
      bars_per_second: elapsedS > 0 ? round1(fetched / elapsedS) : null,
      units_per_minute: elapsedS > 0 ? round1(done / (elapsedS / 60)) : null,
    };
    const paused = live?.paused ?? status === 'paused';
    // The ETA's rate counts the pages of running units too, so a long unit yields one from its first pages.
    const doneWork = done + unitsInFlight(units, summary.runningFraction);
    let eta: number | null = null;
    if (final) eta = 0;
    else if (!paused && elapsedS > 0 && doneWork > 0) eta = Math.round(((units.total - doneWork) * elapsedS) / doneWork);

    return {
      job_id: job.jobId,
      workflow_id: job.workflowId,
      temporal_ui_url: links.workflowUrl(job.workflowId),
      status,
      paused,
      live: live !== null,
      progress_pct: status === 'completed' ? 100 : progressPct(units, summary.runningFraction),
      symbols_completed: summary.symbolsDone,
      symbols_total: job.symbols.length,
      current_symbol: current[0]?.symbol ?? null,
      current_timeframe: current[0]?.timeframe ?? null,
      current_units: current,
      total_records_fetched: fetched,
      total_records_inserted: inserted,
      total_records_updated: updated,
      reprocess: job.reprocess,
      sessions_skipped: summary.sessionsSkipped,
      requests_saved: summary.requestsSaved,
      units,
      failures: failed.units.map(failureJson),
      failures_truncated: failed.hasMore,
      rate,
      eta_seconds: eta,
      timeframes: job.timeframes,
      date_range: dateRangeOf(job),
      adjusted: job.adjusted,
      concurrency: job.concurrency,
      error: job.error,
      retry_deadline: live?.retryDeadline ?? null,
      created_at: job.createdAt.toISOString(),
      started_at: iso(startedAt),
      completed_at: iso(completedAt),
      updated_at: (live ? new Date(Math.max(job.updatedAt.getTime(), Date.parse(live.updatedAt) || 0)) : job.updatedAt).toISOString(),
      details: details.units.map(unitJson),
      details_truncated: details.hasMore,
      units_url: links.unitsUrl(job.jobId),
      quality: { sessions_covered: quality.sessionsCovered, gaps: quality.gaps, suspect: quality.suspect, violations_by_rule: quality.violationsByRule },
      issues_url: links.issuesUrl(job.jobId),
      timestamp: at.toISOString(),
    };
  }

  return {
    async get(jobId) {
      let loaded = false;
      const answer = await answers.get(jobId, async () => {
        loaded = true;
        const job = await getJob(pool, jobId);
        if (!job) return null;
        const value = await build(job);
        return { value, body: Buffer.from(JSON.stringify(value)) };
      });
      deps.onLookup?.(!loaded);
      return answer;
    },
    invalidate(jobId) {
      answers.delete(jobId);
      progress.delete(jobId);
      runs.delete(workflowIdForJob(jobId));
    },
  };
}

// Failures come from Postgres only: the activity records a unit's failure there before the
// workflow learns of it, and the workflow's recent list can still hold units since requeued.
function failureJson(u: UnitRecord): FailureRow {
  return {
    unit_no: u.unitNo,
    symbol: u.symbol,
    timeframe: u.timeframe,
    code: u.errorCode ?? 'internal',
    message: u.errorMessage ?? '',
    at: iso(u.completedAt ?? u.updatedAt),
  };
}

const round1 = (n: number) => Math.round(n * 10) / 10;
