import { describe, expect, it } from 'vitest';
import { CalendarSet, calendarFor, TradingCalendar } from '../../src/calendar/index.js';

const iso = (ms: number): string => new Date(ms).toISOString();

describe('calendarFor', () => {
  it.each([
    ['AAPL', 'XNYS', /stock/],
    ['BRK.B', 'XNYS', /stock/],
    ['I:SPX', 'XNYS', /index/],
    ['O:AAPL250117C00150000', 'XNYS', /option/],
    ['X:BTCUSD', 'CRYPTO', /every day/],
    ['C:EURUSD', 'FOREX', /Sunday 17:00 to Friday 17:00/],
  ])('%s trades on %s and says why', (ticker, calendar, reason) => {
    const c = calendarFor(ticker);
    expect(c.calendar).toBe(calendar);
    expect(c.reason).toMatch(reason);
  });

  it('hands out one memoizing calendar per name', () => {
    const set = new CalendarSet();
    expect(set.forTicker('AAPL')).toBe(set.forTicker('MSFT'));
    expect(set.forTicker('X:ETHUSD').name).toBe('CRYPTO');
    expect(set.forTicker('AAPL')).not.toBe(new CalendarSet().forTicker('AAPL'));
  });
});

describe('forex week', () => {
  const fx = new TradingCalendar('FOREX');

  it('opens Sunday 17:00 and closes Friday 17:00 New York, ignoring exchange holidays', () => {
    const sun = fx.session('2024-03-10')!;
    const fri = fx.session('2024-03-15')!;
    expect([iso(sun.open), iso(sun.close)]).toEqual(['2024-03-10T21:00:00.000Z', '2024-03-11T04:00:00.000Z']);
    expect([iso(fri.open), iso(fri.close)]).toEqual(['2024-03-15T04:00:00.000Z', '2024-03-15T21:00:00.000Z']);
    expect(fx.session('2024-03-16')).toBeNull();
    expect(fx.closure('2024-03-16')).toBe('weekend');
    expect(fx.isSession('2024-12-25')).toBe(true);
    expect(fx.session('2024-03-12')!.minutes).toBe(24 * 60);
  });
});
