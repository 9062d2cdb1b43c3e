import type { Queryable } from './pool.js';

export interface MeasuredThroughput {
  /** Polygon requests per second of wall time over the jobs measured; null when there are none. */
  requestsPerSecond: number | null;
  /** Jobs it was measured over. */
  jobs: number;
}

/**
 * What this installation actually achieves: Polygon requests (unit pages) per second of job wall
 * time (started_at to completed_at) over its latest finished jobs (completed, or with failed units)
 * that made requests, in the last 30 days. Wall time of whole jobs, because that is what a user waits for: it holds the rate
 * limiter's waits, Postgres' write time and the units' concurrency as they really were.
 */
export async function recentThroughput(q: Queryable, jobs = 20): Promise<MeasuredThroughput> {
  const { rows } = await q.query<{ jobs: number; requests: number | null; seconds: number | null }>(
    `SELECT count(*)::int AS jobs, sum(r.requests)::float8 AS requests, sum(r.seconds)::float8 AS seconds
       FROM (SELECT j.job_id, extract(epoch FROM j.completed_at - j.started_at)::float8 AS seconds,
                    (SELECT coalesce(sum(u.pages), 0) FROM job_units u WHERE u.job_id = j.job_id) AS requests
               FROM jobs j
              WHERE j.status IN ('completed', 'completed_with_errors') AND j.started_at IS NOT NULL
                AND j.completed_at > now() - interval '30 days' AND j.completed_at > j.started_at
                AND EXISTS (SELECT 1 FROM job_units u WHERE u.job_id = j.job_id AND u.pages > 0)
              ORDER BY j.completed_at DESC
              LIMIT $1) r`,
    [jobs],
  );
  const r = rows[0]!;
  const rps = r.jobs > 0 && r.requests && r.seconds && r.seconds > 0 ? r.requests / r.seconds : null;
  return { requestsPerSecond: rps, jobs: r.jobs };
}
