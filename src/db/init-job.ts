import type { Pool } from './pool.js';
import { withTransaction } from './transaction.js';
import { ensureSeries, type SeriesSpec } from './series.js';
import { createJobDays } from './grouped-days.js';

export interface InitJobParams {
  jobId: string;
  workflowId: string;
  symbols: readonly string[];
  /** As the job names them, in job order (unit numbers depend on it). */
  timeframes: readonly string[];
  /** Canonical form of each entry of `timeframes`, same order. */
  canonical: readonly Omit<SeriesSpec, 'symbol' | 'adjusted'>[];
  startDate: string;
  endDate: string;
  adjusted: boolean;
  concurrency: number;
  /** A job started without the API (a schedule's run) records its endpoint here. */
  webhook?: { url: string };
  /** A grouped job's session days (YYYY-MM-DD, ascending): one job_days row each. */
  groupedDays?: readonly string[];
  strategy?: 'per_ticker' | 'grouped';
}

export interface InitJobResult {
  unitsTotal: number;
  status: string;
  startedAt: string;
}

/**
 * Makes the job, its series and all its units exist, once: every statement is ON CONFLICT DO
 * NOTHING so an activity retry (or a job the API already inserted) changes nothing twice.
 * unit_no = i * timeframes.length + j, the numbering the workflow derives without reading back.
 */
export async function initJob(pool: Pool, p: InitJobParams): Promise<InitJobResult> {
  const unitsTotal = p.symbols.length * p.timeframes.length;
  return withTransaction(pool, async (c) => {
    await c.query(
      `INSERT INTO jobs (job_id, workflow_id, symbols, timeframes, start_date, end_date, adjusted, concurrency, units_total, webhook_url, strategy)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (job_id) DO NOTHING`,
      [p.jobId, p.workflowId, p.symbols, p.timeframes, p.startDate, p.endDate, p.adjusted, p.concurrency, unitsTotal, p.webhook?.url ?? null, p.strategy ?? 'per_ticker'],
    );
    await ensureSeries(c, p.symbols, p.canonical, p.adjusted);
    await c.query(
      `INSERT INTO job_units (job_id, unit_no, symbol, timeframe)
       SELECT $1, ((s.i - 1) * $4 + (t.j - 1))::int, s.symbol, t.timeframe
         FROM unnest($2::text[]) WITH ORDINALITY AS s(symbol, i)
        CROSS JOIN unnest($3::text[]) WITH ORDINALITY AS t(timeframe, j)
       ON CONFLICT DO NOTHING`,
      [p.jobId, p.symbols, p.timeframes, p.timeframes.length],
    );
    if (p.groupedDays) await createJobDays(c, p.jobId, p.groupedDays);
    const { rows } = await c.query<{ status: string; started_at: Date }>(
      `UPDATE jobs
          SET status = CASE WHEN status = 'pending' THEN 'running' ELSE status END,
              started_at = coalesce(started_at, now()), updated_at = now()
        WHERE job_id = $1
        RETURNING status, started_at`,
      [p.jobId],
    );
    return { unitsTotal, status: rows[0]!.status, startedAt: rows[0]!.started_at.toISOString() };
  });
}
