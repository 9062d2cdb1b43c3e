// The run's range and the spec checks, pure: no server.
import { describe, expect, it } from 'vitest';
import { CalendarSet } from '../../src/calendar/index.js';
import { lastCompletedSession, lookbackSessions, seriesKey, topUpRange } from '../../src/schedules/range.js';
import { cronProblem, isTimeZone, toScheduleSpec } from '../../src/schedules/spec.js';

const cals = new CalendarSet();
const xnys = cals.get('XNYS');
const at = (iso: string) => Date.parse(iso);

describe('the sessions a run looks at, from its scheduled time', () => {
  it('a session counts as completed from its extended close', () => {
    // Monday 2024-07-08: extended close 20:00 New York = 00:00 UTC on the 9th.
    expect(lastCompletedSession(xnys, at('2024-07-08T23:59:59Z')).date).toBe('2024-07-05');
    expect(lastCompletedSession(xnys, at('2024-07-09T00:00:00Z')).date).toBe('2024-07-08');
    // Saturday: Friday's session.
    expect(lastCompletedSession(xnys, at('2024-07-06T15:00:00Z')).date).toBe('2024-07-05');
    // The early close of 2024-07-03 ends extended hours at 17:00 New York.
    expect(lastCompletedSession(xnys, at('2024-07-03T21:00:00Z')).date).toBe('2024-07-03');
  });

  it('looks back over sessions, skipping the holiday and the weekend', () => {
    expect(lookbackSessions(xnys, at('2024-07-09T00:30:00Z'), 3).map((s) => s.date)).toEqual(['2024-07-03', '2024-07-05', '2024-07-08']);
    expect(lookbackSessions(cals.get('CRYPTO'), at('2024-07-09T04:30:00Z'), 2).map((s) => s.date)).toEqual(['2024-07-07', '2024-07-08']);
  });
});

describe('topUpRange', () => {
  // Default settle (COVERAGE_SETTLE_MINUTES unset): final once fetched from 11:00 New York the next day.
  const p = { symbols: ['AAPL', 'MSFT'], timeframes: ['1d'], lookbackSessions: 3, atMs: at('2024-07-09T00:30:00Z'), settleMinutes: null };
  const fetched = (entries: [string, string, string][]) => {
    const m = new Map<string, Map<string, number>>();
    for (const [sym, day, when] of entries) {
      const k = seriesKey(sym, '1d');
      if (!m.has(k)) m.set(k, new Map());
      m.get(k)!.set(day, at(when));
    }
    return m;
  };

  it('nothing fetched: the whole lookback window', () => {
    expect(topUpRange(cals, p, new Map())).toEqual({ window: { start: '2024-07-03', end: '2024-07-08' }, range: { start: '2024-07-03', end: '2024-07-08' } });
  });

  it('starts at the oldest session any series still needs; a fetch before the settle time is not final', () => {
    const late = '2024-07-20T00:00:00Z';
    const all = (sym: string): [string, string, string][] => ['2024-07-03', '2024-07-05', '2024-07-08'].map((d) => [sym, d, late]);
    expect(topUpRange(cals, p, fetched([...all('AAPL'), ...all('MSFT')])).range).toBeNull();
    // MSFT's 07-05 was fetched that evening, before 11:00 New York on the 6th: not final, the range starts there.
    const early = fetched([...all('AAPL'), ['MSFT', '2024-07-03', late], ['MSFT', '2024-07-05', '2024-07-06T01:00:00Z'], ['MSFT', '2024-07-08', late]]);
    expect(topUpRange(cals, p, early).range).toEqual({ start: '2024-07-05', end: '2024-07-08' });
    // Fetched exactly at 11:00 New York the next day (15:00 UTC in summer): final.
    const edge = fetched([...all('AAPL'), ['MSFT', '2024-07-03', late], ['MSFT', '2024-07-05', '2024-07-06T15:00:00Z'], ['MSFT', '2024-07-08', late]]);
    expect(topUpRange(cals, p, edge).range).toBeNull();
    // COVERAGE_SETTLE_MINUTES=15: 15 minutes after the extended close is enough.
    const quick = fetched([...all('AAPL'), ['MSFT', '2024-07-03', late], ['MSFT', '2024-07-05', '2024-07-06T00:15:00Z'], ['MSFT', '2024-07-08', late]]);
    expect(topUpRange(cals, { ...p, settleMinutes: 15 }, quick).range).toBeNull();
    expect(topUpRange(cals, { ...p, settleMinutes: 16 }, quick).range).toEqual({ start: '2024-07-05', end: '2024-07-08' });
  });

  it('a crypto symbol beside a stock: the range ends at the later calendar', () => {
    const r = topUpRange(cals, { ...p, symbols: ['AAPL', 'X:BTCUSD'], atMs: at('2024-07-07T12:00:00Z') }, new Map());
    // AAPL: 07-02, 07-03, 07-05 (the 4th a holiday); BTC: 07-04..07-06 (Sunday not over at 08:00 New York).
    expect(r.range).toEqual({ start: '2024-07-02', end: '2024-07-06' });
  });
});

describe('spec checks', () => {
  it('accepts five-field cron lines with ranges, steps, lists and names', () => {
    for (const ok of ['0 18 * * 1-5', '*/15 9-16 * * MON-FRI', '30 20 1,15 JAN-JUN 0', '0 0 * * 7']) expect(cronProblem(ok), ok).toBeNull();
  });
  it('names what is wrong in a bad one', () => {
    expect(cronProblem('0 18 * *')).toMatch(/5 fields/);
    expect(cronProblem('60 18 * * 1-5')).toMatch(/minute/);
    expect(cronProblem('0 24 * * *')).toMatch(/hour/);
    expect(cronProblem('0 1 * * 5-1')).toMatch(/day of week/);
    expect(cronProblem('0 1 * 13 *')).toMatch(/month/);
    expect(cronProblem('0 1 */0 * *')).toMatch(/day of month/);
  });
  it('knows IANA zones and refuses others', () => {
    expect([isTimeZone('America/New_York'), isTimeZone('UTC'), isTimeZone('Europe/Paris')]).toEqual([true, true, true]);
    expect([isTimeZone('Mars/Olympus'), isTimeZone('EST5EDT; rm'), isTimeZone('')]).toEqual([false, false, false]);
  });
  it('turns a preset, a cron line and a calendar into Temporal specs in the time zone', () => {
    expect(toScheduleSpec('after_close', 'America/New_York')).toEqual({ cronExpressions: ['30 20 * * 1-5'], timezone: 'America/New_York' });
    expect(toScheduleSpec({ calendar: { hour: 18, minute: [0, 30], day_of_week: [1, 2, 3, 4, 5] } }, 'UTC')).toEqual({
      calendars: [{ hour: [18], minute: [0, 30], dayOfWeek: ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY'] }],
      timezone: 'UTC',
    });
  });
});
