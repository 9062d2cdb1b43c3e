import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Bar,
  MalformedResponseError,
  NotEntitledError,
  parseGroupedBody,
  parseTimeframe,
  PolygonClient,
  RateLimitedError,
  type RequestInfo,
  barsOf,
} from '../../src/polygon/index.js';
import { type PolygonSim, startPolygonSim } from '../../src/polygon-sim/index.js';

const KEY = 'sk_test_grouped_SECRET';
const UNIVERSE = ['AAPL', 'MSFT', 'NVDA'];
let sim: PolygonSim;

beforeAll(async () => {
  sim = await startPolygonSim({ apiKeys: [KEY], universe: UNIVERSE });
});
afterAll(async () => {
  await sim.close();
});

async function perTicker(c: PolygonClient, ticker: string, from: string, to: string, adjusted: boolean): Promise<Bar[]> {
  const out: Bar[] = [];
  for await (const p of c.pages({ ticker, timeframe: parseTimeframe('1d'), from, to, adjusted })) out.push(...barsOf(p.bars));
  return out;
}

describe('PolygonClient.groupedDaily', () => {
  it('returns one bar per ticker stamped at 00:00 New York: the very bars per-ticker daily requests return', async () => {
    const seen: RequestInfo[] = [];
    let limiterCalls = 0;
    const c = new PolygonClient({
      baseUrl: sim.url,
      apiKey: KEY,
      onRequest: (i) => seen.push(i),
      beforeRequest: async () => void limiterCalls++,
    });
    try {
      for (const adjusted of [true, false]) {
        const days = ['2024-03-08', '2024-03-11', '2024-07-03'];
        const got = new Map<string, Bar[]>();
        for (const date of days) {
          const g = await c.groupedDaily({ date, adjusted });
          expect([...g.bars.keys()].sort()).toEqual(UNIVERSE);
          for (const [t, b] of g.bars) got.set(t, [...(got.get(t) ?? []), b]);
        }
        for (const t of UNIVERSE) {
          const per = (await perTicker(c, t, '2024-03-08', '2024-07-03', adjusted)).filter((b) =>
            days.includes(new Date(b.t + 12 * 3_600_000).toISOString().slice(0, 10)),
          );
          expect(got.get(t), `${t} adjusted=${adjusted}`).toEqual(per);
        }
      }
      // 2024-03-08 is in winter time (05:00Z), 2024-03-11 in summer time (04:00Z).
      const w = await c.groupedDaily({ date: '2024-03-08', adjusted: true });
      expect(new Date(w.bars.get('AAPL')!.t).toISOString()).toBe('2024-03-08T05:00:00.000Z');
      const grouped = seen.filter((i) => i.kind === 'grouped');
      expect(grouped).toHaveLength(7);
      // Every request, grouped ones included, went through the limiter hook; the key never in the path.
      expect(limiterCalls).toBe(seen.length);
      for (const i of seen) expect(i.path).not.toContain(KEY);
      expect(grouped[0]!.path).toContain('/v2/aggs/grouped/locale/us/market/stocks/2024-03-08?adjusted=true');
    } finally {
      c.close();
    }
  });

  it('answers a holiday with no bars, and maps errors as aggregates do', async () => {
    const c = new PolygonClient({ baseUrl: sim.url, apiKey: KEY });
    try {
      const h = await c.groupedDaily({ date: '2024-12-25', adjusted: true });
      expect(h.bars.size).toBe(0);
      expect(h.received).toBe(0);
      sim.setOptions({ faults: { notAuthorizedBefore: '2020-01-01' } });
      await expect(c.groupedDaily({ date: '2019-06-03', adjusted: true })).rejects.toBeInstanceOf(NotEntitledError);
      sim.setOptions({ faults: { notAuthorizedBefore: undefined }, rpm: 1, rateWindowMs: 60_000 });
      await c.groupedDaily({ date: '2024-03-11', adjusted: true }).catch(() => undefined);
      await expect(c.groupedDaily({ date: '2024-03-11', adjusted: true })).rejects.toBeInstanceOf(RateLimitedError);
    } finally {
      sim.setOptions({ rpm: 0 });
      c.close();
    }
  });

  it('rejects rows that are not bars and keeps the first row of a repeated ticker', () => {
    expect(() => parseGroupedBody('{"results":[{"o":1,"h":1,"l":1,"c":1,"v":1,"t":1}]}')).toThrow(MalformedResponseError);
    expect(() => parseGroupedBody('{"results":[{"T":"A","o":"1","h":1,"l":1,"c":1,"v":1,"t":1}]}')).toThrow(MalformedResponseError);
    expect(() => parseGroupedBody('{"results":[{"T":"A","o":1,"h":1,"l":1,"c":1,"v":1,"t":1.5}]}')).toThrow(MalformedResponseError);
    expect(() => parseGroupedBody('<html>')).toThrow(MalformedResponseError);
    const t = Date.parse('2024-03-11T20:00:00Z');
    const r = parseGroupedBody(
      JSON.stringify({ results: [{ T: 'A', o: 1, h: 2, l: 0.5, c: 1.5, v: 10, t }, { T: 'A', o: 9, h: 9, l: 9, c: 9, v: 9, t }, { T: 'B', o: 3, h: 1, l: 2, c: 3, v: -1, t }] }),
    );
    expect(r.received).toBe(3);
    expect(r.bars.get('A')).toEqual({ t: Date.parse('2024-03-11T04:00:00Z'), o: 1, h: 2, l: 0.5, c: 1.5, v: 10, vw: null, n: null });
    // A bar that breaks a rule (h < l, negative volume) is a bar: the validator flags it.
    expect(r.bars.get('B')!.v).toBe(-1);
  });
});
