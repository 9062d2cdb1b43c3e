import type { TradingCalendar } from '../calendar/calendar.js';
import { BadRequestError } from '../polygon/errors.js';
import { dayToDate, nyDayOf, parseDateToDay } from '../polygon/time.js';
import { baseBarMs, baseTimespan, maxBaseBarsPerBar, type Timeframe } from '../polygon/timeframes.js';

/** One request's range, as the path segments Polygon takes: YYYY-MM-DD or Unix ms. */
export interface RequestWindow {
  from: string;
  to: string;
}

/**
 * How many base bars one window may span. Polygon snaps `from`/`to` outward to whole bars, which can
 * add up to one bar's worth of base bars at each end, so that margin is kept free.
 */
export function windowCapacity(tf: Timeframe, limit: number): number {
  const per = maxBaseBarsPerBar(tf);
  const capacity = limit - 2 * (per - 1);
  if (!Number.isInteger(limit) || limit < 1 || capacity < per) {
    throw new BadRequestError(
      `limit ${limit} is too small for ${tf.label} bars: one bar can use ${per} base bars and each request needs room for ${3 * per - 2}`,
    );
  }
  return capacity;
}

/**
 * Base bars (what Polygon's `limit` counts) the calendar lets one New York date hold: the minutes of
 * its extended session for minute and hour bars, one for day and longer bars, zero on a closed day.
 * Null for second bars, which never fit a whole session in one page and are planned by the clock.
 */
export function sessionBaseBars(cal: TradingCalendar, tf: Timeframe, day: number): number | null {
  const base = baseTimespan(tf);
  if (base === 'second') return null;
  const s = cal.session(day);
  if (s === null) return 0;
  return base === 'minute' ? s.extendedMinutes : 1;
}

/**
 * Splits the New York dates [fromDay, toDay] into request windows, each holding as many whole dates
 * as fit in `limit` base bars at the session lengths the calendar gives (closed days cost nothing, so
 * they ride along with a neighbour). A day denser than its session (a bar outside extended hours)
 * cannot be truncated silently: the client still follows next_url.
 *
 * When one session alone exceeds the capacity (second bars, tiny limits, a 25 h crypto day under a
 * 1,440-bar limit) the range is cut by the clock into ms windows of `capacity` base bars instead.
 * On resume the first window starts at `afterTs + 1` ms: the server snaps that to the bar holding
 * it, which the client then drops as already delivered.
 */
export function* planWindows(
  cal: TradingCalendar,
  tf: Timeframe,
  fromDay: number,
  toDay: number,
  limit: number,
  afterTs: number | null = null,
): Generator<RequestWindow> {
  const capacity = windowCapacity(tf, limit);
  const startMs = cal.dayStart(fromDay);
  const endMs = cal.dayStart(toDay + 1) - 1;
  const resumeMs = afterTs === null ? null : afterTs + 1;
  if (resumeMs !== null && resumeMs > endMs) return;
  const resumed = resumeMs !== null && resumeMs > startMs;
  const firstDay = resumed ? cal.nyDayOf(resumeMs) : fromDay;

  const costs: number[] = [];
  for (let d = firstDay; d <= toDay; d++) {
    const c = sessionBaseBars(cal, tf, d);
    if (c === null || c > capacity) {
      yield* clockWindows(resumed ? resumeMs : startMs, endMs, capacity * baseBarMs(baseTimespan(tf)));
      return;
    }
    costs.push(c);
  }

  let firstFrom = resumed ? String(resumeMs) : null;
  let i = 0;
  while (i < costs.length) {
    let used = costs[i]!;
    let j = i;
    while (j + 1 < costs.length && used + costs[j + 1]! <= capacity) used += costs[++j]!;
    yield { from: firstFrom ?? dayToDate(firstDay + i), to: dayToDate(firstDay + j) };
    firstFrom = null;
    i = j + 1;
  }
}

function* clockWindows(fromMs: number, endMs: number, spanMs: number): Generator<RequestWindow> {
  for (let s = fromMs; s <= endMs; ) {
    const e = Math.min(s + spanMs - 1, endMs);
    yield { from: String(s), to: String(e) };
    s = e + 1;
  }
}

/**
 * The New York dates a window spans: its first (possibly partial, on resume) day and its last whole
 * day. A millisecond window ending mid-day leaves that day to the next window.
 */
export function windowDays(w: RequestWindow): { fromDay: number; lastWholeDay: number } {
  const fromDay = parseDateToDay(w.from) ?? nyDayOf(Number(w.from));
  const toDate = parseDateToDay(w.to);
  return { fromDay, lastWholeDay: toDate ?? nyDayOf(Number(w.to) + 1) - 1 };
}
