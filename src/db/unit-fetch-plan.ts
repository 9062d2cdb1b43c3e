import type { ReprocessMode } from '../../workflows/vocabulary.js';
import type { DayRun } from '../planner/runs.js';
import type { Queryable } from './pool.js';

export interface StoredFetchPlan {
  /** What the unit's job asked for. */
  reprocess: ReprocessMode;
  /** The runs a previous attempt planned, or null when none has planned yet. */
  runs: DayRun[] | null;
}

/** The job's reprocess mode and the unit's fetch plan, if an attempt already made one. */
export async function readUnitFetchPlan(q: Queryable, jobId: string, unitNo: number): Promise<StoredFetchPlan> {
  const { rows } = await q.query<{ reprocess: ReprocessMode; fetch_runs: [number, number][] | null }>(
    `SELECT j.reprocess, u.fetch_runs FROM job_units u JOIN jobs j USING (job_id)
      WHERE u.job_id = $1 AND u.unit_no = $2`,
    [jobId, unitNo],
  );
  const r = rows[0];
  return {
    reprocess: r?.reprocess ?? 'all',
    runs: r?.fetch_runs ? r.fetch_runs.map(([fromDay, toDay]) => ({ fromDay, toDay })) : null,
  };
}

/**
 * Stores the first attempt's fetch plan with its savings, fenced on the attempt token;
 * a plan already stored wins (coalesce), so two racing attempts cannot leave two plans. Answers the
 * runs now stored (null when the attempt no longer owns the unit).
 */
export async function saveUnitFetchPlan(
  q: Queryable,
  jobId: string,
  unitNo: number,
  attemptToken: number,
  plan: { runs: readonly DayRun[]; sessionsSkipped: number; requestsSaved: number },
): Promise<DayRun[] | null> {
  const { rows } = await q.query<{ fetch_runs: [number, number][] }>(
    `UPDATE job_units
        SET sessions_skipped = CASE WHEN fetch_runs IS NULL THEN $5 ELSE sessions_skipped END,
            requests_saved = CASE WHEN fetch_runs IS NULL THEN $6 ELSE requests_saved END,
            fetch_runs = coalesce(fetch_runs, $4::jsonb)
      WHERE job_id = $1 AND unit_no = $2 AND attempt_token = $3 AND status = 'running'
      RETURNING fetch_runs`,
    [jobId, unitNo, attemptToken, JSON.stringify(plan.runs.map((r) => [r.fromDay, r.toDay])), plan.sessionsSkipped, plan.requestsSaved],
  );
  const stored = rows[0]?.fetch_runs;
  return stored ? stored.map(([fromDay, toDay]) => ({ fromDay, toDay })) : null;
}
