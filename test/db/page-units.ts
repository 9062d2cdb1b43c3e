// What the page-writer tests write: minute bars of 2024-01-02 and a claimed unit of a job of its own.
import { randomUUID } from 'node:crypto';
import type { Pool } from '../../src/db/pool.js';
import { initJob } from '../../src/db/init-job.js';
import { claimUnit } from '../../src/db/unit-attempt.js';
import { seriesId } from '../../src/db/series.js';
import type { Bar } from '../../src/polygon/index.js';

export const T0 = Date.UTC(2024, 0, 2, 14, 30);

/** `n` consecutive minute bars from minute `from` after T0; some without vwap or trades. */
export const minuteBars = (n: number, from = 0): Bar[] =>
  Array.from({ length: n }, (_, k) => {
    const i = from + k;
    return { t: T0 + i * 60_000, o: 100 + i, h: 101 + i, l: 99 + i, c: 100.5 + i, v: 1_000 + i, vw: i % 4 === 0 ? null : 100.2 + i, n: i % 3 === 0 ? null : 10 + i };
  });

/** A running (claimed) unit of its own one-unit job over `symbol` 1m: two calls give two jobs over one series. */
export async function claimedUnit(pool: Pool, symbol: string): Promise<{ jobId: string; sid: number; token: number }> {
  const jobId = randomUUID();
  await initJob(pool, {
    jobId, workflowId: `backfill-${jobId}`, symbols: [symbol], timeframes: ['1m'],
    canonical: [{ timeframe: '1m', multiplier: 1, timespan: 'minute' }], startDate: '2024-01-02', endDate: '2024-01-02', adjusted: true, concurrency: 1,
  });
  const sid = await seriesId(pool, { symbol, timeframe: '1m', multiplier: 1, timespan: 'minute', adjusted: true });
  const claim = await claimUnit(pool, jobId, 0);
  if (claim.state !== 'claimed') throw new Error('not claimed');
  return { jobId, sid, token: claim.attemptToken };
}
