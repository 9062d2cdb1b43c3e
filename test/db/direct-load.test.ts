// The direct load: a page whose range the series never held is copied straight into `bars`; a
// range that holds bars goes through the stage; and two writers racing into the same fresh range
// both commit, with no duplicate and counts that add up to the rows (the loser's unique violation
// rolls its transaction back and the page is written again through the merge).
import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { useTestDatabase } from '../helpers/env.js';
import { createPageWriter } from '../../src/db/write-page.js';
import { claimedUnit, minuteBars as bars } from './page-units.js';
import { columnsOf, type Bar } from '../../src/polygon/index.js';

describe('direct load', () => {
  const db = useTestDatabase('directload');

  const unitOf = (symbol: string) => claimedUnit(db.pool, symbol);
  const unitCounts = async (jobId: string) =>
    (await db.pool.query(`SELECT pages, bars_fetched::int AS fetched, bars_inserted::int AS inserted, bars_updated::int AS updated FROM job_units WHERE job_id = $1`, [jobId])).rows[0];
  const stored = async (sid: number) =>
    (await db.pool.query(`SELECT count(*)::int AS n, count(DISTINCT ts)::int AS distinct_ts FROM bars WHERE series_id = $1`, [sid])).rows[0] as { n: number; distinct_ts: number };

  it('a fresh range is copied straight into bars; a range that holds bars is merged through the stage', async () => {
    const u = await unitOf('FRESH');
    const writePage = createPageWriter(db.pool);
    expect(await writePage({ jobId: u.jobId, unitNo: 0, attemptToken: u.token, seriesId: u.sid, bars: columnsOf(bars(50)), cursor: null })).toEqual({ committed: true, inserted: 50, updated: 0, path: 'direct' });
    // Overlaps the first page by 10 bars: staged, and only the 40 new ones count.
    expect(await writePage({ jobId: u.jobId, unitNo: 0, attemptToken: u.token, seriesId: u.sid, bars: columnsOf(bars(50, 40)), cursor: null })).toEqual({ committed: true, inserted: 40, updated: 0, path: 'staged' });
    // Out of order, and its range [100, 149] is untouched although it lies after stored bars: direct.
    const shuffled = bars(50, 100).reverse();
    expect(await writePage({ jobId: u.jobId, unitNo: 0, attemptToken: u.token, seriesId: u.sid, bars: columnsOf(shuffled), cursor: null })).toMatchObject({ inserted: 50, path: 'direct' });
    expect(await writePage({ jobId: u.jobId, unitNo: 0, attemptToken: u.token, seriesId: u.sid, bars: columnsOf(bars(20, 150)), cursor: null })).toMatchObject({ inserted: 20, path: 'direct' });
    // One stored bar inside an otherwise empty range is enough to send the page through the stage.
    const [planted] = bars(1, 180);
    await db.pool.query(`INSERT INTO bars (series_id, ts, open, high, low, close, volume) VALUES ($1, $2, $3, $3, $3, $3, $3)`, [u.sid, new Date(planted!.t), 1]);
    expect(await writePage({ jobId: u.jobId, unitNo: 0, attemptToken: u.token, seriesId: u.sid, bars: columnsOf(bars(20, 170)), cursor: null })).toEqual({ committed: true, inserted: 19, updated: 1, path: 'staged' });
    expect(await stored(u.sid)).toEqual({ n: 180, distinct_ts: 180 });
    expect(await unitCounts(u.jobId)).toEqual({ pages: 5, fetched: 190, inserted: 179, updated: 1 });
  });

  it('a page that found its range empty but not owned by its attempt writes nothing', async () => {
    const u = await unitOf('FENCED');
    const writePage = createPageWriter(db.pool);
    expect(await writePage({ jobId: u.jobId, unitNo: 0, attemptToken: u.token + 1, seriesId: u.sid, bars: columnsOf(bars(30)), cursor: { afterTs: 1 } })).toMatchObject({ committed: false, inserted: 0 });
    expect(await stored(u.sid)).toEqual({ n: 0, distinct_ts: 0 });
    expect(await unitCounts(u.jobId)).toEqual({ pages: 0, fetched: 0, inserted: 0, updated: 0 });
  });

  it('an empty page advances the cursor and writes no bar', async () => {
    const u = await unitOf('EMPTY');
    const writePage = createPageWriter(db.pool);
    expect(await writePage({ jobId: u.jobId, unitNo: 0, attemptToken: u.token, seriesId: u.sid, bars: columnsOf([]), fetched: 0, cursor: { afterTs: 42 } })).toEqual({ committed: true, inserted: 0, updated: 0, path: 'direct' });
    expect(await unitCounts(u.jobId)).toEqual({ pages: 1, fetched: 0, inserted: 0, updated: 0 });
    expect((await db.pool.query(`SELECT resume_cursor FROM job_units WHERE job_id = $1`, [u.jobId])).rows[0].resume_cursor).toEqual({ afterTs: 42 });
  });

  it('without the direct load every page is merged (what the idempotent ceiling measures)', async () => {
    const u = await unitOf('STAGEDONLY');
    const writePage = createPageWriter(db.pool, { direct: false });
    expect(await writePage({ jobId: u.jobId, unitNo: 0, attemptToken: u.token, seriesId: u.sid, bars: columnsOf(bars(25)), cursor: null })).toEqual({ committed: true, inserted: 25, updated: 0, path: 'staged' });
  });

  /**
   * Both writers probe an empty range, then both COPY. To make them meet for certain, a third
   * session holds SHARE on `bars` (the probe's read passes, every write waits) until both writers
   * wait on it; then it lets go and one COPY runs into the other's uncommitted rows.
   */
  async function race(a: Bar[], b: Bar[], symbol: string) {
    const ua = await unitOf(symbol);
    const ub = await unitOf(symbol);
    expect(ub.sid).toBe(ua.sid);
    const gate = new pg.Client({ connectionString: db.url });
    await gate.connect();
    try {
      await gate.query('BEGIN');
      await gate.query('LOCK TABLE bars IN SHARE MODE');
      const writer = createPageWriter(db.pool);
      const wa = writer({ jobId: ua.jobId, unitNo: 0, attemptToken: ua.token, seriesId: ua.sid, bars: columnsOf(a), cursor: { afterTs: a.at(-1)!.t } });
      const wb = writer({ jobId: ub.jobId, unitNo: 0, attemptToken: ub.token, seriesId: ub.sid, bars: columnsOf(b), cursor: { afterTs: b.at(-1)!.t } });
      for (let i = 0; ; i++) {
        const { rows } = await gate.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_locks WHERE relation = 'bars'::regclass AND NOT granted`);
        if (rows[0]!.n === 2) break;
        if (i > 500) throw new Error('the writers never both reached their COPY');
        await new Promise((r) => setTimeout(r, 10));
      }
      await gate.query('COMMIT');
      const [ra, rb] = await Promise.all([wa, wb]);
      return { ua, ub, ra, rb };
    } finally {
      await gate.end();
    }
  }

  it('two writers into the same fresh range: both commit, no duplicate, the counts add up to the rows', async () => {
    const page = bars(200);
    const { ua, ub, ra, rb } = await race(page, page, 'RACE');
    expect([ra.committed, rb.committed]).toEqual([true, true]);
    // One COPY won; the other met its rows, was rolled back and merged them, adding nothing.
    expect([ra.path, rb.path].sort()).toEqual(['direct', 'fallback']);
    expect(ra.inserted + rb.inserted).toBe(200);
    expect(ra.updated + rb.updated).toBe(0);
    expect(await stored(ua.sid)).toEqual({ n: 200, distinct_ts: 200 });
    const [ca, cb] = [await unitCounts(ua.jobId), await unitCounts(ub.jobId)];
    expect(ca.pages + cb.pages).toBe(2);
    expect(ca.fetched + cb.fetched).toBe(400);
    expect(ca.inserted + cb.inserted).toBe(200);
    expect([ca.inserted, cb.inserted].sort((x: number, y: number) => x - y)).toEqual([0, 200]);
  });

  it('overlapping fresh ranges racing: each bar stored once, counted once', async () => {
    const { ua, ub, ra, rb } = await race(bars(150), bars(150, 100), 'RACEOVER');
    expect([ra.path, rb.path].sort()).toEqual(['direct', 'fallback']);
    expect(ra.inserted + rb.inserted).toBe(250);
    expect(await stored(ua.sid)).toEqual({ n: 250, distinct_ts: 250 });
    expect((await unitCounts(ua.jobId)).inserted + (await unitCounts(ub.jobId)).inserted).toBe(250);
    // The pool's connections survived the unique violation: the next page on them just works.
    const writePage = createPageWriter(db.pool);
    expect(await writePage({ jobId: ua.jobId, unitNo: 0, attemptToken: ua.token, seriesId: ua.sid, bars: columnsOf(bars(10, 300)), cursor: null })).toMatchObject({ inserted: 10, path: 'direct' });
  });
});
