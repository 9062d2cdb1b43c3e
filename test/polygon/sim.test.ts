import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MalformedResponseError, parseAggsBody, parseTimeframe } from '../../src/polygon/index.js';
import { BarSource, expectedBarCount, expectedBars, type PolygonSim, simSplitFor, startPolygonSim } from '../../src/polygon-sim/index.js';
import { get, getAll, iso } from './helpers.js';

let sim: PolygonSim;
const source = new BarSource();
const aggs = (ticker: string, mult: number, span: string, from: string | number, to: string | number, qs = 'limit=50000'): string =>
  `${sim.url}/v2/aggs/ticker/${encodeURIComponent(ticker)}/range/${mult}/${span}/${from}/${to}?${qs}`;

beforeAll(async () => {
  sim = await startPolygonSim({ apiKeys: ['test-key', 'other-key'] });
});
afterAll(async () => {
  await sim.close();
});

describe('simulated bars', () => {
  it('follows New York time across the March 2024 DST switch', async () => {
    const fri = (await get(aggs('AAPL', 1, 'minute', '2024-03-08', '2024-03-08'))).json.results!;
    const mon = (await get(aggs('AAPL', 1, 'minute', '2024-03-11', '2024-03-11'))).json.results!;
    // Extended hours 04:00-20:00 ET: 09:00Z-01:00Z in EST, 08:00Z-00:00Z in EDT.
    expect(fri[0]!.t).toBeGreaterThanOrEqual(Date.parse('2024-03-08T09:00:00Z'));
    expect(fri.at(-1)!.t).toBeLessThan(Date.parse('2024-03-09T01:00:00Z'));
    expect(mon[0]!.t).toBeGreaterThanOrEqual(Date.parse('2024-03-11T08:00:00Z'));
    expect(mon.at(-1)!.t).toBeLessThan(Date.parse('2024-03-12T00:00:00Z'));
    // The opening auction minute always trades: the first regular bar.
    expect(fri.some((b) => b.t === Date.parse('2024-03-08T14:30:00Z'))).toBe(true);
    expect(mon.some((b) => b.t === Date.parse('2024-03-11T13:30:00Z'))).toBe(true);
    expect(mon.some((b) => b.t === Date.parse('2024-03-11T19:59:00Z'))).toBe(true);
    expect(fri).toHaveLength(expectedBarCount('AAPL', '1m', '2024-03-08', '2024-03-08', true, source));
    // Regular minutes (390) plus a share of the 570 extended ones.
    expect(fri.length).toBeGreaterThan(700);
    expect(fri.length).toBeLessThan(960);
  });

  it('stamps daily bars at 00:00 New York: 05:00Z in winter, 04:00Z in summer', async () => {
    const d = (await get(aggs('AAPL', 1, 'day', '2024-03-06', '2024-03-13'))).json.results!;
    expect(d.map((b) => iso(b.t))).toEqual([
      '2024-03-06T05:00:00.000Z',
      '2024-03-07T05:00:00.000Z',
      '2024-03-08T05:00:00.000Z',
      '2024-03-11T04:00:00.000Z',
      '2024-03-12T04:00:00.000Z',
      '2024-03-13T04:00:00.000Z',
    ]);
  });

  it('has no stock bars on holidays and weekends, but crypto trades 24/7', async () => {
    for (const span of ['minute', 'hour', 'day']) {
      const r = await get(aggs('AAPL', 1, span, '2024-03-29', '2024-03-31'));
      expect(r.status).toBe(200);
      expect(r.json.resultsCount).toBe(0);
      expect(r.json.results).toBeUndefined();
    }
    const c = (await get(aggs('X:BTCUSD', 1, 'minute', '2024-03-29', '2024-03-29'))).json.results!;
    expect(c.length).toBeGreaterThan(1300);
    expect(c.length).toBeLessThanOrEqual(1440);
    expect(c[0]!.t).toBe(Date.parse('2024-03-29T04:00:00Z'));
    const sunday = (await get(aggs('X:BTCUSD', 1, 'hour', '2024-03-10', '2024-03-10'))).json.results!;
    expect(sunday).toHaveLength(23);
  });

  it('serves indices for the regular session only, without vw and n', async () => {
    const r = await get(aggs('I:SPX', 1, 'minute', '2024-11-29', '2024-12-02'));
    const bars = r.json.results!;
    // 2024-11-29 closes at 13:00: 210 minutes; 2024-12-02 a full 390.
    expect(bars).toHaveLength(210 + 390);
    expect(iso(bars[0]!.t)).toBe('2024-11-29T14:30:00.000Z');
    expect(iso(bars[209]!.t)).toBe('2024-11-29T17:59:00.000Z');
    expect(r.text).not.toContain('"vw"');
    expect(r.text).not.toContain('"n"');
  });

  it('serves consistent OHLC with plausible volume, VWAP and trade counts', async () => {
    const bars = (await get(aggs('MSFT', 5, 'minute', '2024-06-03', '2024-06-07'))).json.results!;
    expect(bars.length).toBeGreaterThan(800);
    for (const b of bars) {
      expect(b.l).toBeLessThanOrEqual(Math.min(b.o, b.c));
      expect(b.h).toBeGreaterThanOrEqual(Math.max(b.o, b.c));
      expect(b.vw!).toBeGreaterThanOrEqual(b.l);
      expect(b.vw!).toBeLessThanOrEqual(b.h);
      expect(b.v).toBeGreaterThan(0);
      expect(b.n!).toBeGreaterThanOrEqual(1);
      expect((b.t - Date.parse('2024-06-03T04:00:00Z')) % 300_000).toBe(0);
    }
    const regular = bars.filter((b) => new Date(b.t).getUTCHours() >= 14 && new Date(b.t).getUTCHours() < 20);
    const extended = bars.filter((b) => new Date(b.t).getUTCHours() < 13 || new Date(b.t).getUTCHours() >= 20);
    const mean = (xs: typeof bars): number => xs.reduce((a, b) => a + b.v, 0) / xs.length;
    expect(mean(regular)).toBeGreaterThan(5 * mean(extended));
  });

  it('is deterministic and equals expectedBars', async () => {
    const a = await get(aggs('NVDA', 15, 'minute', '2023-10-30', '2023-11-10'));
    const other = await startPolygonSim({ thread: false });
    try {
      const b = await get(`${other.url}/v2/aggs/ticker/NVDA/range/15/minute/2023-10-30/2023-11-10?limit=50000`);
      expect(b.json.results).toEqual(a.json.results);
    } finally {
      await other.close();
    }
    const want = expectedBars('NVDA', parseTimeframe('15m'), '2023-10-30', '2023-11-10', true);
    expect(a.json.results!.map((x) => ({ ...x, vw: x.vw ?? null, n: x.n ?? null }))).toEqual(want);
  });

  it('aggregates weeks from Sunday and months from the 1st, in New York time', async () => {
    const w = (await get(aggs('AAPL', 1, 'week', '2024-01-03', '2024-01-20'))).json.results!;
    expect(w.map((b) => iso(b.t))).toEqual(['2023-12-31T05:00:00.000Z', '2024-01-07T05:00:00.000Z', '2024-01-14T05:00:00.000Z']);
    const m = (await get(aggs('AAPL', 1, 'month', '2024-02-15', '2024-04-02'))).json.results!;
    expect(m.map((b) => iso(b.t))).toEqual(['2024-02-01T05:00:00.000Z', '2024-03-01T05:00:00.000Z', '2024-04-01T04:00:00.000Z']);
    const days = (await get(aggs('AAPL', 1, 'day', '2024-02-01', '2024-02-29'))).json.results!;
    expect(m[0]!.o).toBe(days[0]!.o);
    expect(m[0]!.c).toBe(days.at(-1)!.c);
    expect(m[0]!.h).toBe(Math.max(...days.map((d) => d.h)));
    expect(m[0]!.l).toBe(Math.min(...days.map((d) => d.l)));
    expect(m[0]!.v).toBe(days.reduce((a, d) => a + d.v, 0));
  });

  it('makes adjusted and raw different series before the split, equal after', async () => {
    const split = simSplitFor('AAPL')!;
    expect(split.ratio).toBeGreaterThan(1);
    const before = new Date(Date.parse(split.date) - 20 * 86_400_000).toISOString().slice(0, 10);
    const adj = (await get(aggs('AAPL', 1, 'day', before, before, 'adjusted=true'))).json;
    const raw = (await get(aggs('AAPL', 1, 'day', before, before, 'adjusted=false'))).json;
    expect(raw.adjusted).toBe(false);
    expect(adj.resultsCount).toBe(raw.resultsCount);
    if (adj.results) {
      const a = adj.results[0]!;
      const r = raw.results![0]!;
      expect(r.c / a.c).toBeCloseTo(split.ratio, 2);
      expect(a.v / r.v).toBeCloseTo(split.ratio, 6);
    }
    const week = (adjusted: boolean) => expectedBars('AAPL', '1d', before, split.date, adjusted, source);
    expect(week(true)).not.toEqual(week(false));
    const after = expectedBars('AAPL', '1m', '2025-07-01', '2025-07-02', true, source);
    expect(expectedBars('AAPL', '1m', '2025-07-01', '2025-07-02', false, source)).toEqual(after);
  });
});

describe('limit and pagination', () => {
  it('caps base bars per page, paginates with an opaque cursor, and loses nothing', async () => {
    const { bars, pages } = await getAll(aggs('AAPL', 1, 'minute', '2024-03-04', '2024-03-08', 'limit=1000'));
    expect(pages.length).toBeGreaterThan(3);
    for (const p of pages) {
      expect(p.json.queryCount).toBeLessThanOrEqual(1000);
      expect(p.json.resultsCount).toBe(p.json.results?.length ?? 0);
    }
    expect(pages[0]!.json.next_url).toMatch(/\/v2\/aggs\/ticker\/AAPL\/range\/1\/minute\/\d+\/\d+\?cursor=[A-Za-z0-9_-]+$/);
    expect(pages[0]!.json.next_url).not.toContain('apiKey');
    expect(bars).toEqual(expectedBars('AAPL', '1m', '2024-03-04', '2024-03-08', true, source));
  });

  it('counts base bars, not results: 5-minute bars fill a page with a fifth as many', async () => {
    const r = await get(aggs('X:ETHUSD', 5, 'minute', '2024-01-01', '2024-12-31', 'limit=5000'));
    expect(r.json.queryCount).toBeLessThanOrEqual(5000);
    expect(r.json.queryCount).toBeGreaterThan(4900);
    // About 1,000 bars: five base minutes each, fewer where a minute had no trades.
    expect(r.json.resultsCount! * 5).toBeGreaterThanOrEqual(r.json.queryCount!);
    expect(r.json.resultsCount!).toBeLessThan(1_100);
    expect(r.json.next_url).toBeDefined();
  });

  it('sorts descending too', async () => {
    const { bars } = await getAll(aggs('AAPL', 1, 'hour', '2024-03-04', '2024-03-15', 'limit=600&sort=desc'));
    expect(bars).toEqual(expectedBars('AAPL', '1h', '2024-03-04', '2024-03-15', true, source).reverse());
  });

  it('accepts Unix ms bounds and snaps them outward to whole bars', async () => {
    const from = Date.parse('2024-03-11T14:07:00Z');
    const to = Date.parse('2024-03-11T15:01:00Z');
    const r = await get(aggs('AAPL', 15, 'minute', from, to));
    expect(r.json.results!.map((b) => iso(b.t))).toEqual([
      '2024-03-11T14:00:00.000Z',
      '2024-03-11T14:15:00.000Z',
      '2024-03-11T14:30:00.000Z',
      '2024-03-11T14:45:00.000Z',
      '2024-03-11T15:00:00.000Z',
    ]);
  });
});

describe('errors and faults', () => {
  it('checks the API key: header or apiKey parameter', async () => {
    expect((await get(aggs('AAPL', 1, 'day', '2024-01-02', '2024-01-05'), null)).status).toBe(401);
    const wrong = await get(aggs('AAPL', 1, 'day', '2024-01-02', '2024-01-05'), 'nope');
    expect(wrong.status).toBe(401);
    expect(wrong.json.error).toBe('Unknown API Key');
    expect((await get(`${aggs('AAPL', 1, 'day', '2024-01-02', '2024-01-05')}&apiKey=other-key`, null)).status).toBe(200);
  });

  it('rejects bad parameters with 400 and unknown paths with 404', async () => {
    expect((await get(aggs('AAPL', 1, 'fortnight', '2024-01-02', '2024-01-05'))).status).toBe(400);
    expect((await get(aggs('AAPL', 0, 'day', '2024-01-02', '2024-01-05'))).status).toBe(400);
    const backwards = await get(aggs('AAPL', 1, 'day', '2024-01-05', '2024-01-02'));
    expect(backwards.status).toBe(400);
    expect(backwards.json.status).toBe('ERROR');
    expect((await get(aggs('AAPL', 1, 'day', '2024-13-01', '2024-01-02'))).status).toBe(400);
    expect((await get(`${aggs('AAPL', 1, 'day', '2024-01-01', '2024-01-02')}&cursor=garbage`)).status).toBe(400);
    expect((await get(`${sim.url}/v2/nope`)).status).toBe(404);
  });

  it('answers NOT_AUTHORIZED before a date and for listed tickers; unknown tickers are empty', async () => {
    sim.setOptions({ faults: { notAuthorizedBefore: '2020-01-01', notAuthorizedTickers: ['TSLA'], unknownTickers: ['ZZZZ'] } });
    try {
      const early = await get(aggs('AAPL', 1, 'day', '2019-12-01', '2020-01-31'));
      expect(early.status).toBe(403);
      expect(early.json).toMatchObject({ status: 'NOT_AUTHORIZED', message: "Your plan doesn't include this data timeframe." });
      expect(early.json.request_id).toBeTypeOf('string');
      expect((await get(aggs('AAPL', 1, 'day', '2020-01-01', '2020-01-31'))).status).toBe(200);
      expect((await get(aggs('TSLA', 1, 'day', '2024-01-01', '2024-01-31'))).status).toBe(403);
      const unknown = await get(aggs('ZZZZ', 1, 'day', '2024-01-01', '2024-01-31'));
      expect(unknown.status).toBe(200);
      expect(unknown.json).toMatchObject({ ticker: 'ZZZZ', resultsCount: 0, status: 'OK' });
      expect(unknown.json.results).toBeUndefined();
      expect((await get(`${sim.url}/v3/reference/tickers/ZZZZ`)).status).toBe(404);
      expect((await get(`${sim.url}/v3/reference/tickers/AAPL`)).status).toBe(200);
    } finally {
      sim.setOptions({ faults: { notAuthorizedBefore: undefined, notAuthorizedTickers: undefined, unknownTickers: undefined } });
    }
  });

  it('returns 429 above rpm over a sliding minute, with or without Retry-After', async () => {
    const s = await startPolygonSim({ rpm: 3 });
    try {
      const url = `${s.url}/v2/aggs/ticker/AAPL/range/1/day/2024-01-02/2024-01-05`;
      const first = Date.now();
      for (let i = 0; i < 3; i++) expect((await get(url)).status).toBe(200);
      const limited = await get(url);
      expect(limited.status).toBe(429);
      // The oldest request leaves the window 60 s after it was made (seconds spent since, on a busy machine, count).
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(59 - Math.ceil((Date.now() - first) / 1000));
      expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(60);
      // Per key: another key has its own window.
      expect((await get(url, 'second-key')).status).toBe(200);
      s.setOptions({ retryAfter: false });
      const bare = await get(url);
      expect(bare.status).toBe(429);
      expect(bare.headers.get('retry-after')).toBeNull();
      expect(s.stats()).toMatchObject({ requests: 6, status429: 2, byStatus: { 200: 4, 429: 2 } });
      s.resetStats();
      expect(s.stats().requests).toBe(0);
      expect((await get(url)).status).toBe(200);
    } finally {
      await s.close();
    }
  });

  it('injects each fault on demand', async () => {
    const s = await startPolygonSim({ faults: { seed: 7 } });
    const url = `${s.url}/v2/aggs/ticker/AAPL/range/1/day/2024-01-02/2024-01-31`;
    try {
      s.setOptions({ faults: { errorRate: 1 } });
      for (let i = 0; i < 8; i++) expect([500, 502, 503, 504]).toContain((await get(url)).status);
      s.setOptions({ faults: { errorRate: 0, malformedRate: 1 } });
      // Every malformed reply is one the product's parser rejects as not bars (a bad bar would be stored).
      for (let i = 0; i < 6; i++) {
        const r = await get(url);
        expect(r.status).toBe(200);
        expect(() => parseAggsBody(r.text, -Infinity)).toThrow(MalformedResponseError);
      }
      s.setOptions({ faults: { malformedRate: 0, truncatedRate: 1 } });
      const cut = await get(url);
      expect(cut.status).toBe(200);
      expect(() => JSON.parse(cut.text)).toThrow();
      s.setOptions({ faults: { truncatedRate: 0, resetRate: 1 } });
      for (let i = 0; i < 4; i++) await expect(get(url)).rejects.toThrow();
      s.setOptions({ faults: { resetRate: 0, slowRate: 1, slowMs: 300 } });
      const t0 = performance.now();
      expect((await get(url)).status).toBe(200);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
      s.setOptions({ faults: { slowRate: 0 }, latencyMs: 0 });
      expect((await get(url)).status).toBe(200);
      expect(s.stats().byStatus[0]).toBe(4);
    } finally {
      await s.close();
    }
  });

  it('serves health and admin endpoints', async () => {
    expect((await get(`${sim.url}/healthz`, null)).status).toBe(200);
    const r = await fetch(`${sim.url}/_sim/options`, { method: 'POST', body: JSON.stringify({ latencyMs: 1 }) });
    expect(r.status).toBe(200);
    expect(sim.options().latencyMs).toBe(1);
    sim.setOptions({ latencyMs: 0 });
    const st = await get(`${sim.url}/_sim/stats`, null);
    expect(st.json.requests).toBe(sim.stats().requests);
  });
});
