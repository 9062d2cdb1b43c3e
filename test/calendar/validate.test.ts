import { describe, expect, it } from 'vitest';
import { CalendarSet } from '../../src/calendar/index.js';
import { pageValidationFor } from '../../src/ingest/validate-context.js';
import { validatePage, type PageValidation, type Violation } from '../../src/ingest/validate.js';
import { columnsOf, type Bar } from '../../src/polygon/index.js';
import { BarSource, expectedBars } from '../../src/polygon-sim/index.js';
import { VALIDATION_RULES } from '../../workflows/vocabulary.js';

const calendars = new CalendarSet();
const at = (iso: string): number => Date.parse(iso);
const bar = (t: number, over: Partial<Bar> = {}): Bar => ({ t, o: 10, h: 11, l: 9, c: 10.5, v: 100, vw: 10.2, n: 5, ...over });
const ctx = (ticker: string, timeframe: string, from: string, to: string) => pageValidationFor(calendars, { ticker, timeframe, from, to });
const rules = (vs: Violation[]): string[] => vs.map((v) => v.rule);
/** The validator reads columns; these cases are easiest to write as bars. */
const check = (bars: readonly Bar[], v: PageValidation): Violation[] => validatePage(columnsOf(bars), v);

// 2024-07-03 is a 13:00 early close, 2024-07-04 a holiday, 2024-07-05 a full session (EDT: 09:30 = 13:30Z).
const MIN = ctx('AAPL', '1m', '2024-07-03', '2024-07-05');
const T0 = at('2024-07-05T13:30:00Z');

describe('validatePage: each rule with a bar that breaks it and one that passes', () => {
  it.each<[string, Partial<Bar>, Partial<Bar>]>([
    ['price_not_finite', { o: Number.POSITIVE_INFINITY }, { o: 10 }],
    ['price_not_finite', { c: Number.NaN }, { c: 9 }],
    ['price_not_positive', { l: 0 }, { l: 0.01 }],
    ['price_not_positive', { o: -1, l: -2 }, { o: 9, l: 9 }],
    ['high_below_low', { h: 8.5, l: 9 }, { h: 9, l: 9, o: 9, c: 9, vw: 9 }],
    ['open_outside_range', { o: 11.01 }, { o: 11 }],
    ['close_outside_range', { c: 8.99 }, { c: 9 }],
    ['volume_invalid', { v: -1 }, { v: 0 }],
    ['volume_invalid', { v: Number.POSITIVE_INFINITY }, { v: 1e12 }],
    ['vwap_outside_range', { vw: 11.2 }, { vw: 11.005 }],
    ['vwap_outside_range', { vw: 8.9 }, { vw: null }],
  ])('%s: %o breaks it, %o passes', (rule, broken, fine) => {
    expect(rules(check([bar(T0, broken)], MIN))).toEqual([rule]);
    expect(check([bar(T0, fine)], MIN)).toEqual([]);
  });

  it('ts_misaligned: minute bars on whole minutes, hour buckets from New York midnight', () => {
    expect(rules(check([bar(T0 + 1_000)], MIN))).toEqual(['ts_misaligned']);
    expect(check([bar(T0 + 60_000)], MIN)).toEqual([]);
    const hours = ctx('X:BTCUSD', '4h', '2024-03-10', '2024-03-10');
    // 2024-03-10 starts at 05:00Z (EST); buckets count elapsed time from there, across the DST switch.
    expect(check([bar(at('2024-03-10T05:00:00Z')), bar(at('2024-03-10T09:00:00Z'))], hours)).toEqual([]);
    expect(rules(check([bar(at('2024-03-10T08:00:00Z'))], hours))).toEqual(['ts_misaligned']);
  });

  it('ts_misaligned: daily bars at 00:00 New York, weeks on Sunday, months on the 1st', () => {
    const daily = ctx('AAPL', '1d', '2024-07-01', '2024-07-31');
    expect(check([bar(at('2024-07-05T04:00:00Z'))], daily)).toEqual([]);
    expect(rules(check([bar(at('2024-07-05T05:00:00Z'))], daily))).toEqual(['ts_misaligned']);
    expect(rules(check([bar(at('2024-07-05T12:00:00Z'))], daily))).toEqual(['ts_misaligned']);
    const weekly = ctx('AAPL', '1w', '2024-07-01', '2024-07-31');
    expect(check([bar(at('2024-06-30T04:00:00Z')), bar(at('2024-07-07T04:00:00Z'))], weekly)).toEqual([]);
    expect(rules(check([bar(at('2024-07-08T04:00:00Z'))], weekly))).toEqual(['ts_misaligned']);
    const monthly = ctx('AAPL', '1mo', '2024-01-15', '2024-03-31');
    expect(check([bar(at('2024-01-01T05:00:00Z')), bar(at('2024-03-01T05:00:00Z'))], monthly)).toEqual([]);
    expect(rules(check([bar(at('2024-02-02T05:00:00Z'))], monthly))).toEqual(['ts_misaligned']);
  });

  it('ts_out_of_range: inside the requested New York dates, a snapped-out week allowed', () => {
    const first = at('2024-07-03T04:00:00Z'); // 00:00 New York on the first date
    const last = at('2024-07-06T03:59:00Z'); // 23:59 New York on the last date (crypto: no session hours)
    expect(check([bar(first)], MIN)).toEqual([]);
    expect(rules(check([bar(first - 60_000)], MIN))).toEqual(['ts_out_of_range']);
    const crypto = ctx('X:BTCUSD', '1m', '2024-07-03', '2024-07-05');
    expect(check([bar(last)], crypto)).toEqual([]);
    expect(rules(check([bar(last + 60_000)], crypto))).toEqual(['ts_out_of_range']);
    const weekly = ctx('AAPL', '1w', '2024-07-03', '2024-07-05');
    expect(rules(check([bar(at('2024-06-23T04:00:00Z'))], weekly))).toEqual(['ts_out_of_range']);
  });

  it('ts_duplicate and ts_out_of_order: strictly increasing in the page', () => {
    expect(rules(check([bar(T0), bar(T0)], MIN))).toEqual(['ts_duplicate']);
    expect(rules(check([bar(T0 + 60_000), bar(T0)], MIN))).toEqual(['ts_out_of_order']);
    expect(check([bar(T0), bar(T0 + 60_000), bar(T0 + 120_000)], MIN)).toEqual([]);
    // The bar after an out-of-order one is compared with the highest timestamp seen.
    expect(rules(check([bar(T0 + 120_000), bar(T0), bar(T0 + 60_000), bar(T0 + 180_000)], MIN))).toEqual(['ts_out_of_order', 'ts_out_of_order']);
  });

  it('closed_day: no equity bar on a holiday or a weekend; crypto trades through them', () => {
    const holiday = at('2024-07-04T14:00:00Z');
    const vs = check([bar(holiday)], MIN);
    expect(rules(vs)).toEqual(['closed_day']);
    expect(vs[0]!.detail).toMatch(/2024-07-04 has no XNYS session \(Independence Day\)/);
    expect(check([bar(holiday)], ctx('X:BTCUSD', '1m', '2024-07-03', '2024-07-05'))).toEqual([]);
    const daily = ctx('AAPL', '1d', '2024-07-01', '2024-07-31');
    expect(rules(check([bar(at('2024-07-06T04:00:00Z'))], daily))).toEqual(['closed_day']);
    expect(check([bar(at('2024-07-06T04:00:00Z'))], ctx('X:BTCUSD', '1d', '2024-07-01', '2024-07-31'))).toEqual([]);
  });

  it('reports every rule a bar breaks, with its timestamp, and stops at maxViolations', () => {
    const vs = check([bar(at('2024-07-04T14:00:30Z'), { v: -5, o: 12 })], MIN);
    expect(rules(vs)).toEqual(['open_outside_range', 'volume_invalid', 'ts_misaligned', 'closed_day']);
    expect(vs.every((v) => v.ts === at('2024-07-04T14:00:30Z'))).toBe(true);
    const many = Array.from({ length: 10 }, (_, i) => bar(T0 + i * 60_000, { v: -1 }));
    expect(check(many, { ...MIN, maxViolations: 3 })).toHaveLength(3);
  });

  it('covers every rule of the vocabulary in this file', () => {
    // A rule added to VALIDATION_RULES without a check here would go untested.
    const tested = new Set(['price_not_finite', 'price_not_positive', 'high_below_low', 'open_outside_range', 'close_outside_range', 'volume_invalid', 'vwap_outside_range', 'ts_misaligned', 'ts_out_of_range', 'ts_duplicate', 'ts_out_of_order', 'closed_day']);
    expect([...VALIDATION_RULES].sort()).toEqual([...tested].sort());
  });
});

describe('validatePage on the simulator\'s own series', () => {
  const source = new BarSource({ cacheBytes: 64 * 1024 * 1024 });
  it.each([
    ['AAPL', '1m', '2024-06-28', '2024-07-09'],
    ['AAPL', '5m', '2024-03-08', '2024-03-12'],
    ['AAPL', '1h', '2024-10-30', '2024-11-06'],
    ['AAPL', '1d', '2023-12-01', '2025-01-31'],
    ['AAPL', '1w', '2024-01-03', '2024-12-31'],
    ['AAPL', '1mo', '2023-02-15', '2024-12-31'],
    ['I:SPX', '1m', '2024-11-27', '2024-12-02'],
    ['X:BTCUSD', '1h', '2024-03-08', '2024-03-12'],
    ['C:EURUSD', '1m', '2024-03-08', '2024-03-12'],
    ['C:EURUSD', '1d', '2024-01-01', '2024-03-31'],
  ])('%s %s %s..%s breaks no rule', (ticker, tf, from, to) => {
    const bars = expectedBars(ticker, tf, from, to, true, source);
    expect(bars.length).toBeGreaterThan(0);
    expect(check(bars, ctx(ticker, tf, from, to))).toEqual([]);
  });
});
