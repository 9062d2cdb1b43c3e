// Figure "requests-per-unit": Polygon requests one unit (one symbol x timeframe, one year) costs
// through the product's client against the simulator, counted at the client's request hook, against
// the floor ceil(base bars / limit) no windowing can beat (base bars from the calendar: extended-hours
// minutes for stocks, 24 h for crypto). Issue 13's goal for US stocks: at most 1.1x the floor.
import { CalendarSet } from '../src/calendar/index.js';
import { planBackfill } from '../src/planner/index.js';
import { DEFAULT_LIMIT, parseTimeframe, PolygonClient } from '../src/polygon/index.js';
import type { ResultRow } from './report.js';

const CASES = [
  { ticker: 'AAPL', market: 'US stock', aim: 1.1 },
  { ticker: 'X:BTCUSD', market: 'crypto', aim: undefined },
] as const;
const TIMEFRAMES = ['1m', '5m', '1h'] as const;

export async function requestsPerUnit(simUrl: string, apiKey: string, year = '2023'): Promise<{ rows: ResultRow[]; details: unknown[] }> {
  const calendars = new CalendarSet();
  const rows: ResultRow[] = [];
  const details: unknown[] = [];
  const [from, to] = [`${year}-01-01`, `${year}-12-31`];
  for (const c of CASES) {
    for (const tf of TIMEFRAMES) {
      let requests = 0;
      let bars = 0;
      const client = new PolygonClient({ baseUrl: simUrl, apiKey, calendars, verifyEmptyTicker: false, onRequest: (i) => void (i.kind === 'aggs' && requests++) });
      try {
        for await (const p of client.pages({ ticker: c.ticker, timeframe: parseTimeframe(tf), from, to, adjusted: true })) bars += p.bars.count;
      } finally {
        client.close();
      }
      const unit = planBackfill({ symbols: [c.ticker], timeframes: [tf], start_date: from, end_date: to, limit: DEFAULT_LIMIT, rpm: 0 }, calendars).units[0]!;
      const ratio = requests / unit.min_requests;
      rows.push({
        fig: 'requests-per-unit',
        metric: `${c.market} ${c.ticker} ${tf}, ${year}: requests made (planned ${unit.requests}, floor ${unit.min_requests})`,
        value: requests,
        unit: 'requests',
        ratio,
        ratioOf: 'floor',
        ...(c.aim === undefined ? {} : { aim: `<= ${c.aim}x floor`, met: ratio <= c.aim }),
        runs: [requests],
      });
      details.push({ ticker: c.ticker, timeframe: tf, from, to, requests, planned: unit.requests, floor: unit.min_requests, bars, expectedBars: unit.expected_bars });
    }
  }
  return { rows, details };
}
