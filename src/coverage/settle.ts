// When a fetched day is final: Polygon revises a day's bars after the close (late prints, corrections)
// and publishes its own files for the day the next morning, so a day fetched too early must be
// fetched again. Pure: the ledger query (src/db/coverage-held.ts) compares fetched_at to this.
import type { TradingCalendar } from '../calendar/calendar.js';
import { DAY_MS, nyLateOffsetMinutes } from '../polygon/time.js';

const MIN_MS = 60_000;
/** The default: 11:00 New York on the calendar date after the session's date. */
export const DEFAULT_SETTLE_MINUTE_OF_DAY = 11 * 60;

/**
 * The instant (UTC ms) from which a fetch of the session day `day` is final.
 *
 * - `settleMinutes` null (COVERAGE_SETTLE_MINUTES unset): 11:00 New York wall-clock time on the
 *   next calendar date (day + 1), whatever its session; DST-correct (11:00 is past the 02:00 switch).
 * - `settleMinutes` = N: the session's extended close (20:00 New York for XNYS, 17:00 on an early
 *   close, midnight for crypto, 17:00 Friday for forex) plus N minutes. The extended close, because
 *   Polygon's aggregates hold after-hours bars: a fetch at 18:00 misses the day's last two hours.
 *
 * A date with no session is never fetched for its own sake, so it has no settle time: null.
 */
export function settleAt(cal: TradingCalendar, day: number, settleMinutes: number | null): number | null {
  const s = cal.session(day);
  if (s === null) return null;
  if (settleMinutes !== null) return s.extendedClose + settleMinutes * MIN_MS;
  const next = day + 1;
  return next * DAY_MS + (DEFAULT_SETTLE_MINUTE_OF_DAY - nyLateOffsetMinutes(next)) * MIN_MS;
}

/** The sessions of [fromDay, toDay] with their settle instants, as parallel arrays (the ledger query's input). */
export function sessionSettles(cal: TradingCalendar, fromDay: number, toDay: number, settleMinutes: number | null): { days: number[]; settleMs: number[] } {
  const days: number[] = [];
  const settleMs: number[] = [];
  for (let d = fromDay; d <= toDay; d++) {
    const at = settleAt(cal, d, settleMinutes);
    if (at === null) continue;
    days.push(d);
    settleMs.push(at);
  }
  return { days, settleMs };
}
