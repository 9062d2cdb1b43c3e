import { BadRequestError } from './errors.js';
import { dayToDate, nyDayOf, nyDayStartMs, parseDateToDay } from './time.js';
import { baseBarMs, baseTimespan, maxBaseBarsPerBar, type Timeframe } from './timeframes.js';

/** One request's range, as the path segments Polygon takes: YYYY-MM-DD or Unix ms. */
export interface RequestWindow {
  from: string;
  to: string;
}

const LONGEST_DAY_MS = 25 * 3_600_000;

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
 * Splits the New York dates [fromDay, toDay] into request windows whose worst-case base-bar count
 * (24 h trading every day, 25 h DST days) is within `limit`, so Polygon never truncates one silently.
 *
 * Windows of one day or more use whole New York dates, which keeps consecutive windows contiguous
 * whatever time zone the server reads dates in; shorter windows (second bars, tiny limits) use ms.
 * On resume the first window starts at `afterTs + 1` ms: the server snaps that to the bar holding
 * it, which the client then drops as already delivered.
 */
export function* planWindows(
  tf: Timeframe,
  fromDay: number,
  toDay: number,
  limit: number,
  afterTs: number | null = null,
): Generator<RequestWindow> {
  const capacity = windowCapacity(tf, limit);
  const startMs = nyDayStartMs(fromDay);
  const endMs = nyDayStartMs(toDay + 1) - 1;
  const resumeMs = afterTs === null ? null : afterTs + 1;
  if (resumeMs !== null && resumeMs > endMs) return;

  const base = baseTimespan(tf);
  const spanMs = base === 'day' ? capacity * LONGEST_DAY_MS : capacity * baseBarMs(base);
  if (spanMs >= LONGEST_DAY_MS) {
    const days = Math.floor(spanMs / LONGEST_DAY_MS);
    let d = fromDay;
    let firstFrom: string | null = null;
    if (resumeMs !== null && resumeMs > startMs) {
      d = nyDayOf(resumeMs);
      firstFrom = String(resumeMs);
    }
    while (d <= toDay) {
      const e = Math.min(d + days - 1, toDay);
      yield { from: firstFrom ?? dayToDate(d), to: dayToDate(e) };
      firstFrom = null;
      d = e + 1;
    }
    return;
  }

  let s = resumeMs !== null && resumeMs > startMs ? resumeMs : startMs;
  while (s <= endMs) {
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
