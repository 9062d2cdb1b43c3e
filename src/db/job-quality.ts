import type { Queryable } from './pool.js';

export interface JobQuality {
  /** Sessions of the job's series and dates that the ledger holds as fetched. */
  sessionsCovered: number;
  /** Of those, sessions Polygon returned no bar for. */
  gaps: number;
  suspect: number;
  violationsByRule: Record<string, number>;
}

/** The quality block of a job's status: its units' series over its dates, from the ledger. */
export async function jobQuality(q: Queryable, jobId: string): Promise<JobQuality> {
  const { rows } = await q.query<{ covered: number; gaps: number; suspect: number; rules: Record<string, number> | null }>(
    `WITH days AS (
       SELECT cd.session, cd.bars, cd.state
         FROM jobs j JOIN job_units u USING (job_id)
         JOIN series s ON s.symbol = u.symbol AND s.timeframe = u.timeframe AND s.adjusted = j.adjusted
         JOIN coverage_days cd ON cd.series_id = s.series_id AND cd.day BETWEEN j.start_date AND j.end_date
        WHERE j.job_id = $1)
     SELECT count(*) FILTER (WHERE session OR bars > 0) AS covered,
            count(*) FILTER (WHERE state = 'no_bars') AS gaps,
            count(*) FILTER (WHERE state = 'suspect') AS suspect,
            (SELECT json_object_agg(rule, n) FROM (SELECT rule, count(*) AS n FROM bar_violations WHERE job_id = $1 GROUP BY rule) r) AS rules
       FROM days`,
    [jobId],
  );
  const r = rows[0]!;
  return { sessionsCovered: r.covered, gaps: r.gaps, suspect: r.suspect, violationsByRule: r.rules ?? {} };
}
