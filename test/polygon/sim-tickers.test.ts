import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CalendarSet } from '../../src/calendar/index.js';
import { pageValidationFor } from '../../src/ingest/validate-context.js';
import { validatePage } from '../../src/ingest/validate.js';
import { columnsOf } from '../../src/polygon/index.js';
import { BarSource, expectedBars, mergeOptions, type PolygonSim, type SimBadBar, startPolygonSim } from '../../src/polygon-sim/index.js';
import { VALIDATION_RULES, type ValidationRule } from '../../workflows/vocabulary.js';
import { get, getAll } from './helpers.js';

// Mon 2024-07-01 .. Thu 2024-07-04: an early close (07-03) and a holiday (07-04) in the range, and
// the day after it (Friday 07-05) is a session, so a bar stamped just past the end is only out of range.
const FROM = '2024-07-01';
const TO = '2024-07-04';
const calendars = new CalendarSet();
const days = (bars: ReadonlyArray<{ t: number }>): string[] => [...new Set(bars.map((b) => calendars.get('XNYS').nyDateOf(b.t)))];

let sim: PolygonSim;
const aggs = (ticker: string, span: string, from: string, to: string): string =>
  `${sim.url}/v2/aggs/ticker/${encodeURIComponent(ticker)}/range/1/${span}/${from}/${to}?limit=50000`;

// One ticker per bad-bar kind, so each page breaks exactly one rule.
const tickerOf = (kind: ValidationRule): string => `BAD${VALIDATION_RULES.indexOf(kind)}`;
const badBar = (kind: ValidationRule): SimBadBar => ({ date: kind === 'closed_day' ? '2024-07-04' : '2024-07-02', kind, index: 3 });
const tickers = {
  ...Object.fromEntries(VALIDATION_RULES.map((k) => [tickerOf(k), { badBars: [badBar(k)] }])),
  NEWCO: { listed: '2024-07-02' },
  GAPPY: { missingSessions: ['2024-07-02'] },
};

beforeAll(async () => {
  sim = await startPolygonSim({ apiKeys: ['test-key'], tickers });
});
afterAll(async () => {
  await sim.close();
});

describe('per-ticker listing dates and missing sessions', () => {
  it('serves nothing before the listing date and the same bars as an unlisted ticker after it', async () => {
    const { bars } = await getAll(aggs('NEWCO', 'minute', FROM, TO));
    expect(days(bars)).toEqual(['2024-07-02', '2024-07-03']);
    const plain = expectedBars('NEWCO', '1m', '2024-07-02', TO, true);
    expect(bars).toEqual(plain);
    const daily = (await get(aggs('NEWCO', 'day', FROM, TO))).json.results!;
    expect(daily.map((b) => calendars.get('XNYS').nyDateOf(b.t))).toEqual(['2024-07-02', '2024-07-03']);
  });

  it('leaves a configured session without bars, and no other', async () => {
    const { bars } = await getAll(aggs('GAPPY', 'minute', FROM, TO));
    expect(days(bars)).toEqual(['2024-07-01', '2024-07-03']);
    expect(bars).toEqual(expectedBars('GAPPY', '1m', FROM, TO, true).filter((b) => days([b])[0] !== '2024-07-02'));
    expect(bars).toEqual(expectedBars('GAPPY', '1m', FROM, TO, true, new BarSource({ tickers })));
  });
});

describe('settings changed at run time', () => {
  it('takes a tickers patch on the next request and drops what it had cached', async () => {
    const before = await getAll(aggs('LATER', 'minute', FROM, TO));
    expect(days(before.bars)).toEqual(['2024-07-01', '2024-07-02', '2024-07-03']);
    sim.setOptions({ tickers: { ...tickers, LATER: { listed: '2024-07-03' } } });
    try {
      const after = await getAll(aggs('LATER', 'minute', FROM, TO));
      expect(days(after.bars)).toEqual(['2024-07-03']);
    } finally {
      sim.setOptions({ tickers });
    }
    expect(days((await getAll(aggs('LATER', 'minute', FROM, TO))).bars)).toEqual(['2024-07-01', '2024-07-02', '2024-07-03']);
  });
});

describe('bad bars: each kind breaks exactly its validation rule', () => {
  it.each(VALIDATION_RULES.map((k) => [k]))('%s', async (kind) => {
    for (const [span, tf] of [['minute', '1m'], ['day', '1d']] as const) {
      const ticker = tickerOf(kind);
      const res = await get(aggs(ticker, span, FROM, TO));
      expect(res.status).toBe(200);
      const bars = res.json.results!.map((b) => ({ ...b, vw: b.vw ?? null, n: b.n ?? null }));
      const violations = validatePage(columnsOf(bars), pageValidationFor(calendars, { ticker, timeframe: tf, from: FROM, to: TO }));
      expect(violations.map((v) => v.rule), `${tf}`).toEqual([kind]);
      // Out of range: stamped past the end; a daily duplicate carries the previous session's time.
      const day = kind === 'ts_out_of_range' ? '2024-07-05' : kind === 'ts_duplicate' && tf === '1d' ? '2024-07-01' : badBar(kind).date;
      expect(calendars.get('XNYS').nyDateOf(violations[0]!.ts)).toBe(day);
      // The same ticker without its bad bar breaks nothing: the kind is all that changed.
      const clean = expectedBars(ticker, tf, FROM, TO, true);
      expect(validatePage(columnsOf(clean), pageValidationFor(calendars, { ticker, timeframe: tf, from: FROM, to: TO }))).toEqual([]);
    }
  });

  it('changes nothing else in the series', async () => {
    const ticker = tickerOf('open_outside_range');
    const served = (await get(aggs(ticker, 'minute', FROM, TO))).json.results!;
    const clean = expectedBars(ticker, '1m', FROM, TO, true);
    expect(served).toHaveLength(clean.length);
    const differing = served.map((b, i) => ({ b, i })).filter(({ b, i }) => b.o !== clean[i]!.o || b.t !== clean[i]!.t || b.h !== clean[i]!.h);
    expect(differing.map(({ i }) => i)).toEqual([clean.findIndex((b) => days([b])[0] === '2024-07-02') + 3]);
  });

  it('rejects settings that name no rule or no date', () => {
    expect(() => mergeOptions({}, { tickers: { A: { badBars: [{ date: '2024-07-02', kind: 'nope' as ValidationRule }] } } })).toThrow(/kind must be one of/);
    expect(() => mergeOptions({}, { tickers: { A: { listed: '2024-13-01' } } })).toThrow(/tickers.A.listed must be YYYY-MM-DD/);
    expect(() => mergeOptions({}, { tickers: { A: { missingSessions: ['x'] } } })).toThrow(/missingSessions\[0\]/);
  });
});

describe('the simulator clock', () => {
  it('serves no bar that starts after "now" (11:00 New York on 2024-07-02)', async () => {
    const now = Date.parse('2024-07-02T15:00:00Z');
    const clocked = await startPolygonSim({ apiKeys: ['test-key'], nowMs: now, thread: false });
    try {
      const url = (from: string, to: string): string => `${clocked.url}/v2/aggs/ticker/AAPL/range/1/minute/${from}/${to}?limit=50000`;
      const { bars } = await getAll(url('2024-07-02', '2024-07-02'));
      const all = expectedBars('AAPL', '1m', '2024-07-02', '2024-07-02', true);
      expect(bars).toEqual(all.filter((b) => b.t <= now));
      expect(bars.at(-1)!.t).toBeGreaterThan(now - 5 * 60_000);
      expect(all.length).toBeGreaterThan(bars.length + 300);
      expect((await get(url('2024-07-03', '2024-07-05'))).json.resultsCount).toBe(0);
    } finally {
      await clocked.close();
    }
  });
});
