// Folding a page into per-date facts: dates of the covered range and of the bars, extended-hours
// bounds for "outside the session", and coarse bars counted on every session they span.
import { describe, expect, it } from 'vitest';
import { pageDayFacts } from '../../src/coverage/day-facts.js';
import { CalendarSet } from '../../src/calendar/index.js';
import { parseDateToDay, parseTimeframe } from '../../src/polygon/index.js';

const cals = new CalendarSet();
const d = (s: string) => parseDateToDay(s)!;
const at = (iso: string) => ({ t: Date.parse(iso) });
/** The fold reads only the timestamp column. */
const ts = (bars: { t: number }[]) => ({ count: bars.length, t: Float64Array.from(bars, (b) => b.t) });

describe('pageDayFacts', () => {
  it('counts minute bars per New York date and those outside 04:00-20:00 (17:00 on an early close)', () => {
    const bars = [at('2024-07-03T03:59:00-04:00'), at('2024-07-03T04:00:00-04:00'), at('2024-07-03T16:59:00-04:00'), at('2024-07-03T17:00:00-04:00'), at('2024-07-05T19:59:00-04:00'), at('2024-07-05T20:00:00-04:00')];
    const f = pageDayFacts({ bars: ts(bars), covers: { fromDay: d('2024-07-03'), toDay: d('2024-07-05') }, violations: [{ ts: bars[2]!.t, rule: 'volume_invalid', detail: '' }] }, parseTimeframe('1m'), cals.forTicker('AAPL'));
    expect(f).toEqual({
      day: [d('2024-07-03'), d('2024-07-04'), d('2024-07-05')],
      session: [true, false, true],
      bars: [4, 0, 2],
      first: [bars[0]!.t, null, bars[4]!.t],
      last: [bars[3]!.t, null, bars[5]!.t],
      outside: [2, 0, 1],
      violations: [1, 0, 0],
    });
  });

  it('never counts daily bars as outside the session, and adds the dates of bars beyond the covered range', () => {
    const f = pageDayFacts({ bars: ts([at('2024-07-08T00:00:00-04:00')]), covers: null, violations: [] }, parseTimeframe('1d'), cals.forTicker('AAPL'));
    expect(f).toMatchObject({ day: [d('2024-07-08')], bars: [1], outside: [0] });
  });

  it('counts a weekly bar on each session of its week, not on the weekend or the holiday', () => {
    // Polygon's week bar of 2024-07-01..05 starts on Sunday 2024-06-30.
    const f = pageDayFacts({ bars: ts([at('2024-06-30T00:00:00-04:00')]), covers: { fromDay: d('2024-06-30'), toDay: d('2024-07-06') }, violations: [] }, parseTimeframe('1w'), cals.forTicker('AAPL'));
    expect(f.bars).toEqual([0, 1, 1, 1, 0, 1, 0]);
    expect(f.session).toEqual([false, true, true, true, false, true, false]);
  });
});
