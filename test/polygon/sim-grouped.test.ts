import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PolygonSim, simSplitFor, startPolygonSim } from '../../src/polygon-sim/index.js';
import { DEFAULT_UNIVERSE } from '../../src/polygon-sim/server.js';
import { dayToDate, nyDayStartMs, parseDateToDay } from '../../src/polygon/index.js';
import { get, iso } from './helpers.js';

// A ticker whose simulated split falls in a range we can ask for, so adjusted and raw differ.
const SPLIT = ['SPLT', ...Array.from({ length: 400 }, (_, i) => `S${i}`)].find((t) => {
  const s = simSplitFor(t);
  return s !== null && s.date > '2021-01-01' && s.date < '2039-01-01';
})!;
const UNIVERSE = ['AAPL', 'MSFT', 'ZZZQ', SPLIT, 'X:BTCUSD'];

let sim: PolygonSim;
const grouped = (date: string, qs = 'adjusted=true'): string => `${sim.url}/v2/aggs/grouped/locale/us/market/stocks/${date}?${qs}`;
const daily = (ticker: string, from: string, to: string, adjusted = true): string =>
  `${sim.url}/v2/aggs/ticker/${encodeURIComponent(ticker)}/range/1/day/${from}/${to}?adjusted=${adjusted}&limit=50000`;

beforeAll(async () => {
  sim = await startPolygonSim({
    apiKeys: ['test-key'],
    universe: UNIVERSE,
    tickers: { NEWCO: { listed: '2024-03-12' }, GAPPY: { missingSessions: ['2024-03-11'] } },
    faults: { unknownTickers: ['ZZZQ'] },
  });
});
afterAll(async () => {
  await sim.close();
});

type Row = { T: string; t: number; o: number; h: number; l: number; c: number; v: number; vw?: number; n?: number };

describe('simulated grouped daily', () => {
  it('answers one bar per known US stock with exactly the per-ticker daily numbers, stamped at the close', async () => {
    const r = await get(grouped('2024-03-11'));
    expect(r.status).toBe(200);
    const rows = r.json.results as unknown as Row[];
    // Crypto is not a US stock, the unknown ticker is absent, GAPPY has no bar that day, NEWCO is not listed yet.
    expect(rows.map((x) => x.T).sort()).toEqual(['AAPL', 'MSFT', SPLIT].sort());
    expect(r.json.resultsCount).toBe(3);
    for (const row of rows) {
      // 16:00 New York on a summer-time Monday.
      expect(iso(row.t)).toBe('2024-03-11T20:00:00.000Z');
      const per = (await get(daily(row.T, '2024-03-11', '2024-03-11'))).json.results![0]!;
      expect(iso(per.t)).toBe('2024-03-11T04:00:00.000Z');
      const { T: _t, t: _ts, ...numbers } = row;
      const { t: _pt, ...perNumbers } = per;
      expect(numbers).toEqual(perNumbers);
    }
  });

  it('matches per-ticker daily bars over weeks, adjusted and raw, early closes and listings included', async () => {
    const from = parseDateToDay('2024-03-08')!;
    const to = parseDateToDay('2024-03-15')!;
    const split = simSplitFor(SPLIT)!;
    const splitDay = parseDateToDay(split.date)!;
    for (const adjusted of [true, false]) {
      for (const ticker of ['AAPL', 'NEWCO', 'GAPPY']) {
        const per = (await get(daily(ticker, dayToDate(from), dayToDate(to), adjusted))).json.results ?? [];
        const fromGrouped: unknown[] = [];
        for (let d = from; d <= to; d++) {
          const rows = ((await get(grouped(dayToDate(d), `adjusted=${adjusted}`))).json.results ?? []) as unknown as Row[];
          const row = rows.find((x) => x.T === ticker);
          if (row) {
            const { T: _t, ...bar } = row;
            fromGrouped.push({ ...bar, t: nyDayStartMs(d) });
          }
        }
        expect(fromGrouped, `${ticker} adjusted=${adjusted}`).toEqual(per);
        expect(per.length, ticker).toBeGreaterThan(3);
      }
      // The split ticker, the week before its split: adjusted differs from raw.
      const before = dayToDate(splitDay - 7);
      const a = ((await get(grouped(before, 'adjusted=true'))).json.results as unknown as Row[] | undefined)?.find((x) => x.T === SPLIT);
      const raw = ((await get(grouped(before, 'adjusted=false'))).json.results as unknown as Row[] | undefined)?.find((x) => x.T === SPLIT);
      if (a && raw) expect(a.c).not.toBe(raw.c);
    }
    // NEWCO appears from its listing day; the 2024-11-29 early close is stamped at 13:00.
    const early = (await get(grouped('2024-11-29'))).json.results as unknown as Row[];
    expect(iso(early[0]!.t)).toBe('2024-11-29T18:00:00.000Z');
  });

  it('has no results on a holiday or a weekend, and rejects a bad date', async () => {
    for (const date of ['2024-03-29', '2024-03-30']) {
      const r = await get(grouped(date));
      expect(r.status).toBe(200);
      expect(r.json.results).toBeUndefined();
      expect(r.json.resultsCount).toBe(0);
    }
    expect((await get(grouped('2024-13-01'))).status).toBe(400);
    expect((await get(grouped('2024-03-11', 'adjusted=maybe'))).status).toBe(400);
    expect((await get(grouped('2024-03-11'), null)).status).toBe(401);
  });

  it('lists a default universe when none is configured', async () => {
    const other = await startPolygonSim({});
    try {
      const r = await get(`${other.url}/v2/aggs/grouped/locale/us/market/stocks/2024-03-11`);
      expect((r.json.results as unknown as Row[]).map((x) => x.T).sort()).toEqual([...DEFAULT_UNIVERSE].sort());
    } finally {
      await other.close();
    }
  });
});
