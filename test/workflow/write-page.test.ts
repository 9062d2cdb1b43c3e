// The hot path on its own: binary COPY (straight into bars on a fresh range, else through the stage), idempotence, true counts of new rows,
// and the attempt fence that keeps a superseded attempt from committing anything.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/env.js';
import { createPageWriter } from '../../src/db/write-page.js';
import { initJob } from '../../src/db/init-job.js';
import { claimUnit, completeUnit } from '../../src/db/unit-attempt.js';
import { seriesId } from '../../src/db/series.js';
import { encodeBarsBinary } from '../../src/db/copy-binary.js';
import { columnsOf, type Bar } from '../../src/polygon/index.js';

const JOB = '00000000-0000-4000-8000-000000000001';

function bars(n: number, startTs = Date.UTC(2024, 0, 2, 14, 30), stepMs = 60_000): Bar[] {
  return Array.from({ length: n }, (_, i) => ({
    t: startTs + i * stepMs,
    o: 100 + i / 100,
    h: 101 + i / 100,
    l: 99 + i / 100,
    c: 100.5 + i / 100,
    v: 1_000.25 + i,
    vw: i % 7 === 0 ? null : 100.2 + i / 100,
    n: i % 5 === 0 ? null : 10 + i,
  }));
}

describe('write path', () => {
  let db: TestDatabase;
  let sid: number;
  beforeAll(async () => {
    db = await createTestDatabase('writepage');
    await initJob(db.pool, {
      jobId: JOB,
      workflowId: `backfill-${JOB}`,
      symbols: ['AAA', 'BBB'],
      timeframes: ['1m'],
      canonical: [{ timeframe: '1m', multiplier: 1, timespan: 'minute' }],
      startDate: '2024-01-02',
      endDate: '2024-01-03',
      adjusted: true,
      concurrency: 2,
    });
    sid = await seriesId(db.pool, { symbol: 'AAA', timeframe: '1m', multiplier: 1, timespan: 'minute', adjusted: true });
  });
  afterAll(() => db?.drop());

  it('creates units in symbol-major order, idempotently', async () => {
    const again = await initJob(db.pool, {
      jobId: JOB, workflowId: `backfill-${JOB}`, symbols: ['AAA', 'BBB'], timeframes: ['1m'],
      canonical: [{ timeframe: '1m', multiplier: 1, timespan: 'minute' }], startDate: '2024-01-02', endDate: '2024-01-03', adjusted: true, concurrency: 2,
    });
    expect(again.unitsTotal).toBe(2);
    const { rows } = await db.pool.query('SELECT unit_no, symbol, timeframe, status FROM job_units WHERE job_id = $1 ORDER BY unit_no', [JOB]);
    expect(rows).toEqual([
      { unit_no: 0, symbol: 'AAA', timeframe: '1m', status: 'pending' },
      { unit_no: 1, symbol: 'BBB', timeframe: '1m', status: 'pending' },
    ]);
    expect((await db.pool.query(`SELECT status FROM jobs WHERE job_id = $1`, [JOB])).rows[0].status).toBe('running');
  });

  it('round-trips every value through binary COPY exactly (nulls, fractions, pre-2000 dates)', async () => {
    const writePage = createPageWriter(db.pool);
    const claim = await claimUnit(db.pool, JOB, 0);
    if (claim.state !== 'claimed') throw new Error('not claimed');
    const page = [...bars(3, Date.UTC(1999, 11, 31, 23, 58)), ...bars(50, Date.UTC(2024, 0, 2, 14, 30))];
    const w = await writePage({ jobId: JOB, unitNo: 0, attemptToken: claim.attemptToken, seriesId: sid, bars: columnsOf(page), cursor: { afterTs: page.at(-1)!.t } });
    expect(w).toEqual({ committed: true, inserted: 53, updated: 0, path: 'direct' });
    const { rows } = await db.pool.query(
      `SELECT (extract(epoch FROM ts) * 1000)::float8 AS t, open AS o, high AS h, low AS l, close AS c, volume AS v, vwap AS vw, trades AS n
         FROM bars WHERE series_id = $1 ORDER BY ts`,
      [sid],
    );
    expect(rows).toEqual(page);
    const unit = (await db.pool.query('SELECT resume_cursor, pages, bars_fetched, bars_inserted FROM job_units WHERE job_id = $1 AND unit_no = 0', [JOB])).rows[0];
    expect(unit).toEqual({ resume_cursor: { afterTs: page.at(-1)!.t }, pages: 1, bars_fetched: 53, bars_inserted: 53 });
  });

  it('counts only new rows when a page overlaps stored bars, and fences out a superseded attempt', async () => {
    const writePage = createPageWriter(db.pool);
    const old = await claimUnit(db.pool, JOB, 0);
    const cur = await claimUnit(db.pool, JOB, 0);
    if (old.state !== 'claimed' || cur.state !== 'claimed') throw new Error('not claimed');
    const overlap = bars(80, Date.UTC(2024, 0, 2, 14, 30)); // 50 stored + 30 new
    const stale = await writePage({ jobId: JOB, unitNo: 0, attemptToken: old.attemptToken, seriesId: sid, bars: columnsOf(overlap), cursor: { afterTs: 1 } });
    expect(stale).toEqual({ committed: false, inserted: 0, updated: 0, path: 'staged' });
    const fresh = await writePage({ jobId: JOB, unitNo: 0, attemptToken: cur.attemptToken, seriesId: sid, bars: columnsOf(overlap), cursor: { afterTs: 2 } });
    expect(fresh).toEqual({ committed: true, inserted: 30, updated: 0, path: 'staged' });
    const again = await writePage({ jobId: JOB, unitNo: 0, attemptToken: cur.attemptToken, seriesId: sid, bars: columnsOf(overlap), cursor: { afterTs: 3 } });
    expect(again).toEqual({ committed: true, inserted: 0, updated: 0, path: 'staged' });
    expect(await completeUnit(db.pool, JOB, 0, old.attemptToken)).toBeNull();
    expect(await completeUnit(db.pool, JOB, 0, cur.attemptToken)).toEqual({ pages: 3, barsFetched: 53 + 80 + 80, barsInserted: 53 + 30, barsUpdated: 0 });
    expect((await db.pool.query('SELECT count(*)::int AS n FROM bars WHERE series_id = $1', [sid])).rows[0].n).toBe(83);
    // A completed unit is reported, not re-run.
    expect(await claimUnit(db.pool, JOB, 0)).toMatchObject({ state: 'completed', barsInserted: 83 });
  });

  it('encodes a 50,000-bar page into one buffer of the expected size', () => {
    const page = bars(50_000);
    const buf = encodeBarsBinary(columnsOf(page));
    const nulls = page.filter((b) => b.vw === null).length + page.filter((b) => b.n === null).length;
    expect(buf.length).toBe(19 + 50_000 * 98 - nulls * 8 + 2);
    // The direct load's rows lead with the series id: one int4 field more a row.
    expect(encodeBarsBinary(columnsOf(page), 7).length).toBe(19 + 50_000 * 106 - nulls * 8 + 2);
  });
});
