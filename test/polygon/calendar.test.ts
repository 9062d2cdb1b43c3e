import { describe, expect, it } from 'vitest';
import { nyDayOf, nyDayStartMs, parseDateToDay } from '../../src/polygon/index.js';
import { MarketCalendar, nyseHolidays } from '../../src/polygon-sim/index.js';

const day = (s: string): number => parseDateToDay(s)!;
const iso = (ms: number): string => new Date(ms).toISOString();

describe('NYSE holidays', () => {
  it.each([
    [2000, ['2000-01-17', '2000-02-21', '2000-04-21', '2000-05-29', '2000-07-04', '2000-09-04', '2000-11-23', '2000-12-25']],
    [2001, ['2001-01-01', '2001-01-15', '2001-02-19', '2001-04-13', '2001-05-28', '2001-07-04', '2001-09-03', '2001-09-11', '2001-09-12', '2001-09-13', '2001-09-14', '2001-11-22', '2001-12-25']],
    [2004, ['2004-01-01', '2004-01-19', '2004-02-16', '2004-04-09', '2004-05-31', '2004-06-11', '2004-07-05', '2004-09-06', '2004-11-25', '2004-12-24']],
    [2012, ['2012-01-02', '2012-01-16', '2012-02-20', '2012-04-06', '2012-05-28', '2012-07-04', '2012-09-03', '2012-10-29', '2012-10-30', '2012-11-22', '2012-12-25']],
    [2021, ['2021-01-01', '2021-01-18', '2021-02-15', '2021-04-02', '2021-05-31', '2021-07-05', '2021-09-06', '2021-11-25', '2021-12-24']],
    [2022, ['2022-01-17', '2022-02-21', '2022-04-15', '2022-05-30', '2022-06-20', '2022-07-04', '2022-09-05', '2022-11-24', '2022-12-26']],
    [2024, ['2024-01-01', '2024-01-15', '2024-02-19', '2024-03-29', '2024-05-27', '2024-06-19', '2024-07-04', '2024-09-02', '2024-11-28', '2024-12-25']],
    [2025, ['2025-01-01', '2025-01-09', '2025-01-20', '2025-02-17', '2025-04-18', '2025-05-26', '2025-06-19', '2025-07-04', '2025-09-01', '2025-11-27', '2025-12-25']],
    [2026, ['2026-01-01', '2026-01-19', '2026-02-16', '2026-04-03', '2026-05-25', '2026-06-19', '2026-07-03', '2026-09-07', '2026-11-26', '2026-12-25']],
    [2027, ['2027-01-01', '2027-01-18', '2027-02-15', '2027-03-26', '2027-05-31', '2027-06-18', '2027-07-05', '2027-09-06', '2027-11-25', '2027-12-24']],
    [2030, ['2030-01-01', '2030-01-21', '2030-02-18', '2030-04-19', '2030-05-27', '2030-06-19', '2030-07-04', '2030-09-02', '2030-11-28', '2030-12-25']],
  ])('%i', (year, want) => {
    expect(nyseHolidays(year)).toEqual(want);
  });

  it('does not observe a Saturday New Year on the Friday before', () => {
    const cal = new MarketCalendar();
    expect(cal.isTradingDay(day('2021-12-31'))).toBe(true);
    expect(cal.isTradingDay(day('2022-01-03'))).toBe(true);
  });

  it('knows the 13:00 early closes', () => {
    const cal = new MarketCalendar();
    for (const d of ['2024-07-03', '2024-11-29', '2024-12-24', '2023-07-03', '2019-07-03']) expect(cal.isEarlyClose(day(d))).toBe(true);
    for (const d of ['2024-07-02', '2020-07-03', '2022-12-23', '2024-12-25']) expect(cal.isEarlyClose(day(d))).toBe(false);
    const s = cal.session('stock', day('2024-11-29'))!;
    expect(iso(s.regClose)).toBe('2024-11-29T18:00:00.000Z');
    expect(iso(s.close)).toBe('2024-11-29T22:00:00.000Z');
  });
});

describe('sessions across DST', () => {
  const cal = new MarketCalendar();
  it('moves with New York time', () => {
    const fri = cal.session('stock', day('2024-03-08'))!;
    const mon = cal.session('stock', day('2024-03-11'))!;
    expect([iso(fri.open), iso(fri.regOpen), iso(fri.regClose), iso(fri.close)]).toEqual([
      '2024-03-08T09:00:00.000Z', '2024-03-08T14:30:00.000Z', '2024-03-08T21:00:00.000Z', '2024-03-09T01:00:00.000Z',
    ]);
    expect([iso(mon.open), iso(mon.regOpen), iso(mon.regClose), iso(mon.close)]).toEqual([
      '2024-03-11T08:00:00.000Z', '2024-03-11T13:30:00.000Z', '2024-03-11T20:00:00.000Z', '2024-03-12T00:00:00.000Z',
    ]);
    expect(cal.session('stock', day('2024-03-09'))).toBeNull();
    expect(cal.session('stock', day('2024-03-29'))).toBeNull();
  });

  it('gives crypto 23, 24 and 25 hour days', () => {
    const len = (d: string): number => {
      const s = cal.session('crypto', day(d))!;
      return (s.close - s.open) / 3_600_000;
    };
    expect([len('2024-03-10'), len('2024-03-11'), len('2024-11-03')]).toEqual([23, 24, 25]);
  });

  it('maps instants to New York dates', () => {
    expect(iso(nyDayStartMs(day('2024-01-15')))).toBe('2024-01-15T05:00:00.000Z');
    expect(iso(nyDayStartMs(day('2024-07-15')))).toBe('2024-07-15T04:00:00.000Z');
    expect(iso(nyDayStartMs(day('2024-11-03')))).toBe('2024-11-03T04:00:00.000Z');
    expect(iso(nyDayStartMs(day('2024-11-04')))).toBe('2024-11-04T05:00:00.000Z');
    expect(nyDayOf(Date.parse('2024-01-16T04:59:59.999Z'))).toBe(day('2024-01-15'));
    expect(nyDayOf(Date.parse('2024-01-16T05:00:00Z'))).toBe(day('2024-01-16'));
    expect(nyDayOf(Date.parse('2024-07-16T03:59:59.999Z'))).toBe(day('2024-07-15'));
  });
});
