import type { TradingCalendar } from '../calendar/calendar.js';
import { DAY_MS } from '../polygon/time.js';
import { intradayBarMs, type Timeframe } from '../polygon/timeframes.js';

/**
 * Bars the calendar allows for one series over the New York dates [fromDay, toDay]: intraday bars
 * overlapping each session's extended hours (bars aligned to the epoch, as Polygon aligns them), one
 * bar per session for day bars, one per week / month / quarter / year holding a session for longer
 * bars (a `k`-multiple groups k of those). An upper bound: a thin ticker has minutes without trades.
 */
export function expectedBars(cal: TradingCalendar, tf: Timeframe, fromDay: number, toDay: number): number {
  const barMs = intradayBarMs(tf);
  const buckets = new Set<number>();
  let n = 0;
  for (let d = fromDay; d <= toDay; d++) {
    const s = cal.session(d);
    if (s === null) continue;
    if (barMs !== null) {
      const first = Math.floor(s.extendedOpen / barMs) * barMs;
      n += Math.ceil((s.extendedClose - first) / barMs);
    } else {
      buckets.add(Math.floor(periodOf(tf, d) / tf.multiplier));
    }
  }
  return barMs !== null ? n : buckets.size;
}

/** A running number of the calendar period (day, Monday-started week, month, quarter, year) holding a date. */
function periodOf(tf: Timeframe, day: number): number {
  const date = new Date(day * DAY_MS);
  const months = date.getUTCFullYear() * 12 + date.getUTCMonth();
  switch (tf.timespan) {
    case 'week':
      // Epoch day 4 (1970-01-05) is a Monday.
      return Math.floor((day - 4) / 7);
    case 'month':
      return months;
    case 'quarter':
      return Math.floor(months / 3);
    case 'year':
      return date.getUTCFullYear();
    default:
      return day;
  }
}
