import { describe, expect, it } from 'vitest';
import { CalendarSet, type TradingCalendar } from '../../src/calendar/index.js';
import { planWindows, sessionBaseBars, windowCapacity, windowDays, type RequestWindow } from '../../src/planner/index.js';
import { BadRequestError, dayToDate, nyDayStartMs, parseDateToDay, parseTimeframe, type Timeframe } from '../../src/polygon/index.js';
import { baseTimespan } from '../../src/polygon/timeframes.js';

const calendars = new CalendarSet();
const day = (s: string): number => parseDateToDay(s)!;
const plan = (ticker: string, tf: string, from: string, to: string, limit: number, afterTs: number | null = null): RequestWindow[] => [
  ...planWindows(calendars.forTicker(ticker), parseTimeframe(tf), day(from), day(to), limit, afterTs),
];

/** Base bars a window can hold at most: whole dates by the calendar, ms windows by the clock (plus the partial first day on resume). */
function windowBaseBars(cal: TradingCalendar, tf: Timeframe, w: RequestWindow): number {
  const whole = parseDateToDay(w.from) !== null && parseDateToDay(w.to) !== null;
  if (!whole && parseDateToDay(w.to) === null) {
    const unit = baseTimespan(tf) === 'second' ? 1_000 : 60_000;
    return Math.ceil((Number(w.to) - Number(w.from) + 1) / unit);
  }
  const { fromDay, lastWholeDay } = windowDays(w);
  let n = 0;
  for (let d = fromDay; d <= lastWholeDay; d++) n += sessionBaseBars(cal, tf, d)!;
  return n;
}

// A small deterministic PRNG (mulberry32), so a failing case can be replayed from its seed.
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('planWindows', () => {
  it('packs a year of US-stock minute bars into 5 requests (the floor; the 24 h-a-day windows took 11)', () => {
    const w = plan('AAPL', '1m', '2023-01-01', '2023-12-31', 50_000);
    expect(w).toHaveLength(5);
    expect(w[0]!.from).toBe('2023-01-01');
    expect(w.at(-1)!.to).toBe('2023-12-31');
    for (let i = 1; i < w.length; i++) expect(day(w[i]!.from)).toBe(day(w[i - 1]!.to) + 1);
    const cal = calendars.forTicker('AAPL');
    const base = cal.sessionsBetween('2023-01-01', '2023-12-31').reduce((a, s) => a + s.extendedMinutes, 0);
    expect(Math.ceil(base / 50_000)).toBe(5);
    for (const x of w) expect(windowBaseBars(cal, parseTimeframe('1m'), x)).toBeLessThanOrEqual(50_000);
  });

  it('packs 52 full sessions (49,920 minutes) but not 53, and counts closed days and early closes as the calendar says', () => {
    const cal = calendars.forTicker('AAPL');
    expect(sessionBaseBars(cal, parseTimeframe('1m'), day('2023-07-04'))).toBe(0);
    expect(sessionBaseBars(cal, parseTimeframe('1m'), day('2023-07-03'))).toBe(13 * 60);
    expect(sessionBaseBars(cal, parseTimeframe('5m'), day('2023-07-05'))).toBe(960);
    // Feb 1 to Apr 30 2024: no early close; 52 sessions end on Apr 16 (Good Friday Mar 29 closed).
    const w = plan('AAPL', '1m', '2024-02-01', '2024-04-30', 50_000);
    expect(cal.sessionCount(w[0]!.from, w[0]!.to)).toBe(52);
    expect(w).toHaveLength(2);
  });

  it('plans crypto by its 24 h (and 23 h / 25 h DST) days, every day of the week', () => {
    const cal = calendars.forTicker('X:BTCUSD');
    expect(sessionBaseBars(cal, parseTimeframe('1m'), day('2024-11-03'))).toBe(25 * 60);
    expect(sessionBaseBars(cal, parseTimeframe('1m'), day('2024-03-10'))).toBe(23 * 60);
    // 366 days x 1,440 minutes = 527,040 base bars: floor 11; 34 days (48,960) fit in a window.
    expect(plan('X:BTCUSD', '1m', '2024-01-01', '2024-12-31', 50_000)).toHaveLength(11);
    // Forex trades weekdays; Saturday is free.
    expect(sessionBaseBars(calendars.forTicker('C:EURUSD'), parseTimeframe('1m'), day('2024-06-01'))).toBe(0);
  });

  it('never exceeds limit base bars in a window, over random ranges, timeframes, tickers and limits (seed 1313)', () => {
    const next = rng(1313);
    const tickers = ['AAPL', 'X:BTCUSD', 'C:EURUSD', 'I:SPX'];
    const tfs = ['1m', '5m', '15m', '1h', '4h', '1d', '1w', '1mo', '1s'];
    const limits = [50_000, 20_000, 5_000, 1_500, 1_000, 700];
    let windows = 0;
    for (let i = 0; i < 400; i++) {
      const ticker = tickers[Math.floor(next() * tickers.length)]!;
      const label = tfs[Math.floor(next() * tfs.length)]!;
      const limit = limits[Math.floor(next() * limits.length)]!;
      const tf = parseTimeframe(label);
      const from = day('2015-01-01') + Math.floor(next() * 3_650);
      const span = label === '1s' ? Math.floor(next() * 3) : Math.floor(next() * (next() < 0.5 ? 40 : 700));
      let capacity: number;
      try {
        capacity = windowCapacity(tf, limit);
      } catch {
        continue;
      }
      const cal = calendars.forTicker(ticker);
      const w = [...planWindows(cal, tf, from, from + span, limit)];
      windows += w.length;
      const where = `${ticker} ${label} ${dayToDate(from)}+${span} limit ${limit}`;
      expect(w.length, where).toBeGreaterThan(0);
      for (const x of w) expect(windowBaseBars(cal, tf, x), where).toBeLessThanOrEqual(capacity);
      // Contiguous and exactly covering the range.
      const edge = (s: string, end: boolean): number => (parseDateToDay(s) === null ? Number(s) : nyDayStartMs(day(s) + (end ? 1 : 0)) - (end ? 1 : 0));
      expect(edge(w[0]!.from, false), where).toBe(nyDayStartMs(from));
      expect(edge(w.at(-1)!.to, true), where).toBe(nyDayStartMs(from + span + 1) - 1);
      for (let k = 1; k < w.length; k++) expect(edge(w[k]!.from, false), where).toBe(edge(w[k - 1]!.to, true) + 1);
    }
    expect(windows).toBeGreaterThan(1_000);
  });

  it('keeps room for bars snapped outward at both ends', () => {
    expect(windowCapacity(parseTimeframe('1m'), 50_000)).toBe(50_000);
    expect(windowCapacity(parseTimeframe('4h'), 50_000)).toBe(50_000 - 2 * 239);
    expect(windowCapacity(parseTimeframe('1w'), 100)).toBe(100 - 12);
    expect(() => windowCapacity(parseTimeframe('1mo'), 50)).toThrow(BadRequestError);
  });

  it('uses one window for a decade of daily bars', () => {
    expect(plan('MSFT', '1d', '2010-01-01', '2019-12-31', 50_000)).toEqual([{ from: '2010-01-01', to: '2019-12-31' }]);
  });

  it('uses ms windows shorter than a day for second bars, covering the range exactly', () => {
    const w = plan('AAPL', '1s', '2024-03-11', '2024-03-11', 50_000);
    const start = nyDayStartMs(day('2024-03-11'));
    const end = nyDayStartMs(day('2024-03-12')) - 1;
    expect(Number(w[0]!.from)).toBe(start);
    expect(Number(w.at(-1)!.to)).toBe(end);
    for (let i = 1; i < w.length; i++) expect(Number(w[i]!.from)).toBe(Number(w[i - 1]!.to) + 1);
    for (const x of w) expect(Number(x.to) - Number(x.from) + 1).toBeLessThanOrEqual(50_000 * 1000);
  });

  it('resumes strictly after the cursor, with ms for the first window only', () => {
    const after = Date.parse('2023-03-15T15:00:00Z');
    const w = plan('AAPL', '1m', '2023-01-01', '2023-12-31', 50_000, after);
    expect(w[0]!.from).toBe(String(after + 1));
    expect(calendars.forTicker('AAPL').sessionCount('2023-03-15', w[0]!.to)).toBe(52);
    expect(day(w[1]!.from)).toBe(day(w[0]!.to) + 1);
    expect(w.at(-1)!.to).toBe('2023-12-31');
  });

  it('yields nothing when the cursor is past the range', () => {
    expect(plan('AAPL', '1m', '2023-01-01', '2023-01-31', 50_000, Date.parse('2023-02-01T05:00:00Z'))).toEqual([]);
  });
});
