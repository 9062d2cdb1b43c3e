import type { TradingCalendar } from '../calendar/index.js';
import type { BarColumns } from '../polygon/bar-columns.js';
import { DAY_MS, weekday } from '../polygon/time.js';
import { intradayBarMs, type Timeframe } from '../polygon/timeframes.js';
import type { ValidationRule } from '../../workflows/vocabulary.js';

export interface Violation {
  /** The bar's timestamp (its start, Unix ms UTC) as it came in. */
  ts: number;
  rule: ValidationRule;
  /** The offending values, for a person. */
  detail: string;
}

export interface PageValidation {
  timeframe: Timeframe;
  /** The series' calendar (calendarFor(ticker)); closed days are checked only on XNYS (equities). */
  calendar: TradingCalendar;
  /** The requested New York dates as epoch days, both inclusive (a unit's from/to). */
  fromDay: number;
  toDay: number;
  /**
   * How far VWAP may sit outside [low, high], as a fraction of the bar's high (default 0.001):
   * Polygon rounds VWAP to 4 decimals and prices to 2, so an exact bound would flag honest bars.
   */
  vwapTolerance?: number;
  /** Stop collecting after this many violations (default: all). */
  maxViolations?: number;
}

const DEFAULT_VWAP_TOLERANCE = 0.001;
const MONTHS_PER: Readonly<Record<string, number>> = { month: 1, quarter: 3, year: 12 };

function monthIndex(day: number): number {
  const d = new Date(day * DAY_MS);
  return d.getUTCFullYear() * 12 + d.getUTCMonth();
}

const firstOfMonth = (mi: number): number => Date.UTC(Math.floor(mi / 12), mi % 12, 1) / DAY_MS;

/**
 * The earliest New York day a bar of the requested range may start on: Polygon snaps a request
 * outward to whole bars, so a weekly or monthly bar may start before the first requested date.
 */
function earliestBarDay(tf: Timeframe, fromDay: number): number {
  const k = tf.multiplier;
  switch (tf.timespan) {
    case 'day':
      return fromDay - (k - 1);
    case 'week':
      return fromDay - weekday(fromDay) - 7 * (k - 1);
    case 'month':
    case 'quarter':
    case 'year': {
      const per = MONTHS_PER[tf.timespan]! * k;
      const mi = monthIndex(fromDay);
      return firstOfMonth(mi - (mi % MONTHS_PER[tf.timespan]!) - (per - MONTHS_PER[tf.timespan]!));
    }
    default:
      return fromDay;
  }
}

/** Whether a New York day is where a bar of a day-or-longer timeframe starts (weeks on Sunday). */
function isBucketStartDay(tf: Timeframe, day: number): boolean {
  switch (tf.timespan) {
    case 'week':
      return weekday(day) === 0;
    case 'month':
    case 'quarter':
    case 'year': {
      const d = new Date(day * DAY_MS);
      return d.getUTCDate() === 1 && d.getUTCMonth() % MONTHS_PER[tf.timespan]! === 0;
    }
    default:
      return true;
  }
}

/**
 * Checks one parsed page of bars in one pass (the same pass as the COPY encoder can make) and returns
 * every rule each bar breaks. Pure: the bars are not changed, nothing is dropped. The rules:
 * - prices finite and positive; low <= high, and open and close within [low, high];
 * - volume finite and non-negative; VWAP (when present) within [low, high] up to `vwapTolerance`;
 * - timestamps on the timeframe's buckets, counted from 00:00 New York (daily bars at 00:00, weeks
 *   from Sunday, months from the 1st), inside the requested dates, strictly increasing in the page;
 * - on XNYS, no bar (intraday or daily) on a day without a session.
 */
export function validatePage(bars: BarColumns, v: PageValidation): Violation[] {
  const out: Violation[] = [];
  const max = v.maxViolations ?? Number.POSITIVE_INFINITY;
  const cal = v.calendar;
  const tf = v.timeframe;
  const tol = v.vwapTolerance ?? DEFAULT_VWAP_TOLERANCE;
  const barMs = intradayBarMs(tf);
  // Closed days matter for bars stamped on one day: intraday and single days (a week starts on Sunday).
  const checkClosed = cal.name === 'XNYS' && (barMs !== null || (tf.timespan === 'day' && tf.multiplier === 1));
  const minTs = cal.dayStart(earliestBarDay(tf, v.fromDay));
  const endTs = cal.dayStart(v.toDay + 1);
  const add = (ts: number, rule: ValidationRule, detail: string): boolean => {
    out.push({ ts, rule, detail });
    return out.length >= max;
  };

  // The New York day of the previous bar, kept so that a page of one day costs one lookup.
  let dayStart = Number.POSITIVE_INFINITY;
  let dayEnd = Number.NEGATIVE_INFINITY;
  let day = 0;
  let open = true;
  let prevT = Number.NEGATIVE_INFINITY;
  const { t: ts, o: os, h: hs, l: ls, c: cs, v: vs, vw: vws } = bars;
  for (let i = 0; i < bars.count; i++) {
    const t = ts[i]!;
    const o = os[i]!;
    const h = hs[i]!;
    const l = ls[i]!;
    const c = cs[i]!;
    const vol = vs[i]!;
    // NaN: the bar has no VWAP.
    const vw = vws[i]!;
    // Fast path for a good bar on the current day: every comparison is false for NaN, and
    // 0 < l <= o, c <= h < Infinity leaves no non-finite or non-positive price.
    if (
      l > 0 && l <= h && h < Number.POSITIVE_INFINITY && o >= l && o <= h && c >= l && c <= h &&
      vol >= 0 && vol < Number.POSITIVE_INFINITY &&
      (vw !== vw || (vw >= l - h * tol && vw <= h + h * tol)) &&
      t > prevT && t >= minTs && t < endTs && t >= dayStart && t < dayEnd && open &&
      (barMs !== null ? (t - dayStart) % barMs === 0 : t === dayStart && isBucketStartDay(tf, day))
    ) {
      prevT = t;
      continue;
    }
    if (!(Number.isFinite(o) && Number.isFinite(h) && Number.isFinite(l) && Number.isFinite(c))) {
      if (add(t, 'price_not_finite', `o=${o} h=${h} l=${l} c=${c}`)) break;
    } else {
      if (!(o > 0 && h > 0 && l > 0 && c > 0) && add(t, 'price_not_positive', `o=${o} h=${h} l=${l} c=${c}`)) break;
      if (l > h) {
        if (add(t, 'high_below_low', `high ${h} is below low ${l}`)) break;
      } else {
        if ((o < l || o > h) && add(t, 'open_outside_range', `open ${o} is outside [${l}, ${h}]`)) break;
        if ((c < l || c > h) && add(t, 'close_outside_range', `close ${c} is outside [${l}, ${h}]`)) break;
        if (vw === vw) {
          const slack = Math.abs(h) * tol;
          if (!(vw >= l - slack && vw <= h + slack) && add(t, 'vwap_outside_range', `vwap ${vw} is outside [${l}, ${h}] (tolerance ${tol})`)) break;
        }
      }
    }
    if (!(Number.isFinite(vol) && vol >= 0) && add(t, 'volume_invalid', `volume ${vol} is ${Number.isFinite(vol) ? 'negative' : 'not a finite number'}`)) break;

    if (!Number.isFinite(t)) {
      if (add(t, 'ts_misaligned', `timestamp ${t} is not a number of ms`)) break;
      continue;
    }
    if (t <= prevT) {
      const rule = t === prevT ? 'ts_duplicate' : 'ts_out_of_order';
      if (add(t, rule, `t=${t} ${t === prevT ? 'repeats' : 'is before'} the previous bar's ${prevT}`)) break;
    } else {
      prevT = t;
    }
    if ((t < minTs || t >= endTs) && add(t, 'ts_out_of_range', `${new Date(t).toISOString()} is outside the requested ${cal.nyDateOf(cal.dayStart(v.fromDay))}..${cal.nyDateOf(cal.dayStart(v.toDay))}`)) break;
    if (t < dayStart || t >= dayEnd) {
      day = cal.nyDayOf(t);
      dayStart = cal.dayStart(day);
      dayEnd = cal.dayStart(day + 1);
      open = !checkClosed || cal.isSession(day);
    }
    const aligned = barMs !== null ? (t - dayStart) % barMs === 0 : t === dayStart && isBucketStartDay(tf, day);
    if (!aligned && add(t, 'ts_misaligned', `${new Date(t).toISOString()} is not on a ${tf.label} bar boundary (counted from 00:00 New York)`)) break;
    if (!open && add(t, 'closed_day', `${cal.nyDateOf(t)} has no ${cal.name} session (${cal.closure(day)})`)) break;
  }
  return out;
}
