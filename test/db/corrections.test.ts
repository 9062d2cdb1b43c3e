// Corrections land: a re-fetched bar that differs from the stored one replaces it in the page's
// transaction and is counted (bars_updated); an identical bar writes nothing, not even a new row
// version (its xmin and ctid stay), so a plain re-run costs what it did.
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../helpers/env.js';
import { createPageWriter } from '../../src/db/write-page.js';
import { claimedUnit, minuteBars as bars } from './page-units.js';
import { claimUnit, completeUnit } from '../../src/db/unit-attempt.js';
import { columnsOf } from '../../src/polygon/index.js';

describe('corrections', () => {
  const db = useTestDatabase('corrections');

  const unitOf = (symbol: string) => claimedUnit(db.pool, symbol);
  /** Every stored row's values and its row version (xmin, ctid): a rewrite of the row changes both. */
  const stored = async (sid: number) =>
    (await db.pool.query(
      `SELECT (extract(epoch FROM ts) * 1000)::float8 AS t, open AS o, high AS h, low AS l, close AS c, volume AS v, vwap AS vw, trades AS n,
              xmin::text AS xmin, ctid::text AS ctid
         FROM bars WHERE series_id = $1 ORDER BY ts`,
      [sid],
    )).rows;
  const values = (rows: Awaited<ReturnType<typeof stored>>) => rows.map(({ xmin: _x, ctid: _c, ...b }) => b);

  it('an identical re-fetch writes no row version; a revised bar replaces the stored one and is counted', async () => {
    const writePage = createPageWriter(db.pool);
    const u = await unitOf('CORR');
    const first = bars(40);
    expect(await writePage({ jobId: u.jobId, unitNo: 0, attemptToken: u.token, seriesId: u.sid, bars: columnsOf(first), cursor: null })).toEqual({ committed: true, inserted: 40, updated: 0, path: 'direct' });
    const before = await stored(u.sid);

    // Identical bars (nulls included): nothing changes, not even the row versions.
    expect(await writePage({ jobId: u.jobId, unitNo: 0, attemptToken: u.token, seriesId: u.sid, bars: columnsOf(first), cursor: null })).toEqual({ committed: true, inserted: 0, updated: 0, path: 'staged' });
    expect(await stored(u.sid)).toEqual(before);

    // Polygon revised three bars after the close (a price, a VWAP that was missing, a trade
    // count) and the page now also carries two bars that were not there.
    const revised = bars(42).map((b, i) =>
      i === 5 ? { ...b, c: b.c + 0.25 } : i === 8 ? { ...b, vw: 108.7 } : i === 10 ? { ...b, n: 999 } : b,
    );
    expect(await writePage({ jobId: u.jobId, unitNo: 0, attemptToken: u.token, seriesId: u.sid, bars: columnsOf(revised), cursor: null })).toEqual({ committed: true, inserted: 2, updated: 3, path: 'staged' });
    const after = await stored(u.sid);
    expect(values(after)).toEqual(revised);
    // Only the revised rows got new versions.
    const rewritten = after.filter((r, i) => i < 40 && (r.xmin !== before[i]!.xmin || r.ctid !== before[i]!.ctid)).map((r) => after.indexOf(r));
    expect(rewritten).toEqual([5, 8, 10]);

    expect(await completeUnit(db.pool, u.jobId, 0, u.token)).toEqual({ pages: 3, barsFetched: 40 + 40 + 42, barsInserted: 42, barsUpdated: 3 });
  });

  it("today's partial bar is replaced by its completed version", async () => {
    const writePage = createPageWriter(db.pool);
    const u = await unitOf('PART');
    const partial = { ...bars(1, 7)[0]!, h: 107.5, c: 107.1, v: 12, n: 3 };
    await writePage({ jobId: u.jobId, unitNo: 0, attemptToken: u.token, seriesId: u.sid, bars: columnsOf([partial]), cursor: null });
    const complete = bars(1, 7);
    expect(await writePage({ jobId: u.jobId, unitNo: 0, attemptToken: u.token, seriesId: u.sid, bars: columnsOf(complete), cursor: null })).toMatchObject({ inserted: 0, updated: 1 });
    expect(values(await stored(u.sid))).toEqual(complete);
  });

  it('a superseded attempt changes no bar, revised or not', async () => {
    const writePage = createPageWriter(db.pool);
    const u = await unitOf('FENCE');
    await writePage({ jobId: u.jobId, unitNo: 0, attemptToken: u.token, seriesId: u.sid, bars: columnsOf(bars(10)), cursor: null });
    const before = await stored(u.sid);
    const next = await claimUnit(db.pool, u.jobId, 0);
    expect(next.state).toBe('claimed');
    const revised = bars(12).map((b) => ({ ...b, c: b.c + 1 }));
    expect(await writePage({ jobId: u.jobId, unitNo: 0, attemptToken: u.token, seriesId: u.sid, bars: columnsOf(revised), cursor: null })).toEqual({ committed: false, inserted: 0, updated: 0, path: 'staged' });
    expect(await stored(u.sid)).toEqual(before);
  });
});
