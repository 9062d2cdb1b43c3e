// Figure "grouped-daily" (issue 13): what grouped daily saves. A universe of US stocks' daily bars
// over a range, read through the product's client from a simulator of its own (whose grouped answer
// lists that universe) once per ticker and once per session day, requests counted at the client's
// request hook, and the two bar sets compared value for value. Beside it the planner's count for the
// issue's example (5,000 symbols over two years) and what either takes at the free plan's 5/min.
import { CalendarSet } from '../src/calendar/index.js';
import { planBackfill } from '../src/planner/index.js';
import { barsOf, DEFAULT_LIMIT, parseTimeframe, PolygonClient, type Bar } from '../src/polygon/index.js';
import { startPolygonSim } from '../src/polygon-sim/index.js';
import type { ResultRow } from './report.js';

const KEY = 'bench-grouped';

/** `n` distinct tickers: GAAA, GAAB, ... */
const universe = (n: number): string[] => Array.from({ length: n }, (_, i) => `G${[2, 1, 0].map((k) => String.fromCharCode(65 + (Math.floor(i / 26 ** k) % 26))).join('')}`);

export async function groupedDailySaving(opts: { symbols?: number; from?: string; to?: string } = {}): Promise<{ rows: ResultRow[]; details: unknown }> {
  const symbols = universe(opts.symbols ?? 500);
  const [from, to] = [opts.from ?? '2024-05-01', opts.to ?? '2024-05-29'];
  const calendars = new CalendarSet();
  const sessions = calendars.get('XNYS').sessionsBetween(from, to);
  const sim = await startPolygonSim({ apiKeys: [KEY], universe: symbols });
  const count = { aggs: 0, grouped: 0, other: 0 };
  const client = new PolygonClient({
    baseUrl: sim.url,
    apiKey: KEY,
    calendars,
    verifyEmptyTicker: false,
    onRequest: (i) => void (i.kind === 'aggs' ? count.aggs++ : i.kind === 'grouped' ? count.grouped++ : count.other++),
  });
  const key = (s: string, b: Bar) => `${s}|${b.t}`;
  // Field by field: the parsed objects keep each endpoint's own key order.
  const values = (b: Bar) => JSON.stringify([b.t, b.o, b.h, b.l, b.c, b.v, b.vw, b.n]);
  try {
    const perTicker = new Map<string, string>();
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let i = next++; i < symbols.length; i = next++) {
          const s = symbols[i]!;
          for await (const p of client.pages({ ticker: s, timeframe: parseTimeframe('1d'), from, to, adjusted: true })) for (const b of barsOf(p.bars)) perTicker.set(key(s, b), values(b));
        }
      }),
    );
    const perTickerMs = performance.now() - t0;
    const grouped = new Map<string, string>();
    const t1 = performance.now();
    for (const s of sessions) {
      const g = await client.groupedDaily({ date: s.date, adjusted: true });
      for (const [ticker, b] of g.bars) grouped.set(key(ticker, b), values(b));
    }
    const groupedMs = performance.now() - t1;
    let differ = perTicker.size === grouped.size ? 0 : Math.abs(perTicker.size - grouped.size);
    for (const [k, v] of perTicker) if (grouped.get(k) !== v) differ++;

    // The example, planned: 5,000 symbols of daily bars over two years.
    const big = { symbols: universe(5_000), timeframes: ['1d'], start_date: '2023-01-02', end_date: '2024-12-31', limit: DEFAULT_LIMIT, rpm: 5 };
    const planPer = planBackfill({ ...big, strategy: 'per_ticker' }, calendars);
    const planAuto = planBackfill(big, calendars);
    const label = `${symbols.length} US stocks x ${sessions.length} sessions of 1d bars`;
    const rows: ResultRow[] = [
      { fig: 'grouped-daily', metric: `${label}: requests one symbol at a time (per_ticker)`, value: count.aggs, unit: 'requests', runs: [count.aggs] },
      {
        fig: 'grouped-daily',
        metric: `${label}: requests with grouped daily (auto picks it), same bars (${differ} of ${perTicker.size} differ)`,
        value: count.grouped,
        unit: 'requests',
        ratio: count.grouped / count.aggs,
        ratioOf: 'per_ticker',
        aim: '<= 25 requests, identical bars',
        met: count.grouped <= 25 && differ === 0,
        runs: [count.grouped],
      },
      {
        fig: 'grouped-daily',
        metric: `planned, 5,000 symbols x 2 years of 1d (${planAuto.grouped?.sessions ?? '?'} sessions): per_ticker ${planPer.total.requests.toLocaleString('en-US')} requests (${Math.round(planPer.duration_seconds! / 60)} min at 5/min) vs ${planAuto.strategy}`,
        value: planAuto.total.requests,
        unit: 'requests',
        ratio: planAuto.total.requests / planPer.total.requests,
        ratioOf: 'per_ticker',
        note: `${Math.round(planAuto.duration_seconds! / 60)} min at 5/min`,
        runs: [planAuto.total.requests],
      },
    ];
    return {
      rows,
      details: { symbols: symbols.length, sessions: sessions.length, from, to, requests: { ...count }, bars: perTicker.size, differ, perTickerMs, groupedMs, planned5000: { per_ticker: planPer.total.requests, auto: planAuto.total.requests, strategy: planAuto.strategy } },
    };
  } finally {
    client.close();
    await sim.close();
  }
}
