import type { Queryable } from './pool.js';
import type { ValidationRule } from '../../workflows/vocabulary.js';

export interface ValidationIssue {
  symbol: string;
  timeframe: string;
  ts: string;
  rule: ValidationRule;
  detail: string;
}

/** Where the previous page ended: opaque to clients, keyset for the query. */
export interface IssueKey {
  seriesId: number;
  ts: number;
  rule: string;
}

/** A job's violations in (series, bar time, rule) order after `after`. */
export async function listJobIssues(
  q: Queryable,
  jobId: string,
  opts: { after?: IssueKey; limit: number },
): Promise<{ issues: ValidationIssue[]; next: IssueKey | null }> {
  const { rows } = await q.query<{ series_id: number; t: number; symbol: string; timeframe: string; ts: Date; rule: ValidationRule; detail: string }>(
    `SELECT v.series_id, (extract(epoch FROM v.ts) * 1000)::float8 AS t, v.ts, v.rule, v.detail, s.symbol, s.timeframe
       FROM bar_violations v JOIN series s USING (series_id)
      WHERE v.job_id = $1
        AND ($2::int IS NULL OR (v.series_id, v.ts, v.rule) > ($2, timestamptz 'epoch' + $3::float8 * interval '1 ms', $4))
      ORDER BY v.series_id, v.ts, v.rule
      LIMIT $5`,
    [jobId, opts.after?.seriesId ?? null, opts.after?.ts ?? null, opts.after?.rule ?? null, opts.limit + 1],
  );
  const page = rows.slice(0, opts.limit);
  const last = page[page.length - 1];
  return {
    issues: page.map((r) => ({ symbol: r.symbol, timeframe: r.timeframe, ts: r.ts.toISOString(), rule: r.rule, detail: r.detail })),
    next: rows.length > opts.limit && last ? { seriesId: last.series_id, ts: last.t, rule: last.rule } : null,
  };
}
