import { describe, expect, it } from 'vitest';
import { BadRequestError, dayToDate, nyDayStartMs, parseDateToDay, parseTimeframe, planWindows, windowCapacity } from '../../src/polygon/index.js';

const day = (s: string): number => parseDateToDay(s)!;
const plan = (tf: string, from: string, to: string, limit: number, afterTs: number | null = null) =>
  [...planWindows(parseTimeframe(tf), day(from), day(to), limit, afterTs)];

describe('planWindows', () => {
  it('splits a year of minute bars into contiguous 33-day windows (33 days x 25 h x 60 <= 50,000)', () => {
    const w = plan('1m', '2023-01-01', '2023-12-31', 50_000);
    expect(w[0]).toEqual({ from: '2023-01-01', to: '2023-02-02' });
    expect(w).toHaveLength(Math.ceil(365 / 33));
    expect(w.at(-1)!.to).toBe('2023-12-31');
    for (let i = 1; i < w.length; i++) expect(day(w[i]!.from)).toBe(day(w[i - 1]!.to) + 1);
    for (const x of w) expect((day(x.to) - day(x.from) + 1) * 25 * 60).toBeLessThanOrEqual(50_000);
  });

  it('keeps room for bars snapped outward at both ends', () => {
    expect(windowCapacity(parseTimeframe('1m'), 50_000)).toBe(50_000);
    expect(windowCapacity(parseTimeframe('4h'), 50_000)).toBe(50_000 - 2 * 239);
    expect(windowCapacity(parseTimeframe('1w'), 100)).toBe(100 - 12);
    expect(() => windowCapacity(parseTimeframe('1mo'), 50)).toThrow(BadRequestError);
  });

  it('uses one window for a decade of daily bars', () => {
    expect(plan('1d', '2010-01-01', '2019-12-31', 50_000)).toEqual([{ from: '2010-01-01', to: '2019-12-31' }]);
  });

  it('uses ms windows shorter than a day for second bars, covering the range exactly', () => {
    const w = plan('1s', '2024-03-11', '2024-03-11', 50_000);
    const start = nyDayStartMs(day('2024-03-11'));
    const end = nyDayStartMs(day('2024-03-12')) - 1;
    expect(Number(w[0]!.from)).toBe(start);
    expect(Number(w.at(-1)!.to)).toBe(end);
    for (let i = 1; i < w.length; i++) expect(Number(w[i]!.from)).toBe(Number(w[i - 1]!.to) + 1);
    for (const x of w) expect(Number(x.to) - Number(x.from) + 1).toBeLessThanOrEqual(50_000 * 1000);
  });

  it('resumes strictly after the cursor, with ms for the first window only', () => {
    const after = Date.parse('2023-03-15T15:00:00Z');
    const w = plan('1m', '2023-01-01', '2023-12-31', 50_000, after);
    expect(w[0]).toEqual({ from: String(after + 1), to: '2023-04-16' });
    expect(w[1]!.from).toBe('2023-04-17');
    expect(w.at(-1)!.to).toBe('2023-12-31');
  });

  it('yields nothing when the cursor is past the range', () => {
    expect(plan('1m', '2023-01-01', '2023-01-31', 50_000, Date.parse('2023-02-01T05:00:00Z'))).toEqual([]);
    expect(dayToDate(day('2023-02-01'))).toBe('2023-02-01');
  });
});
