import { DAY_MS, nyDayOf, nyDayStartMs, type Timeframe } from '../polygon/index.js';
import type { TradingCalendar } from '../calendar/index.js';
import type { BarColumns } from '../polygon/bar-columns.js';
import type { Violation } from '../ingest/validate.js';

/** The part of a calendar the ledger reads: is a date a session, and its (extended) hours. */
export type SessionCalendar = Pick<TradingCalendar, 'session'>;

export type { Violation } from '../ingest/validate.js';

/** Per New York date of one page, as parallel arrays (the shape the ledger's unnest statement takes). */
export interface DayFacts {
  day: number[];
  session: boolean[];
  bars: number[];
  first: (number | null)[];
  last: (number | null)[];
  outside: number[];
  violations: number[];
}

export const noDays = (): DayFacts => ({ day: [], session: [], bars: [], first: [], last: [], outside: [], violations: [] });

export interface PageCoverage {
  /** Only the timestamps are read. */
  bars: Pick<BarColumns, 'count' | 't'>;
  /** Dates the page proves fetched (from the client's Page.covers); dates of its bars are added. */
  covers: { fromDay: number; toDay: number } | null;
  violations: readonly Violation[];
}

const INTRADAY = new Set(['second', 'minute', 'hour']);

/** How many dates one bar of a timeframe coarser than a day spans from its first date. */
function spanDays(tf: Timeframe, day: number): number {
  const k = tf.multiplier;
  if (tf.timespan === 'day') return k;
  if (tf.timespan === 'week') return 7 * k;
  const months = tf.timespan === 'month' ? k : tf.timespan === 'quarter' ? 3 * k : 12 * k;
  const d = new Date(day * DAY_MS);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, d.getUTCDate()) / DAY_MS - day;
}

/**
 * Folds one page into per-date facts in a single pass over its bars: bar count, first and last bar,
 * bars outside the session (intraday only) and violations. Dates of the covered range without a
 * bar get a row with none, which the ledger reads as `no_bars` on a session and `closed` otherwise.
 * A bar coarser than a day (weekly, monthly) counts on every session it spans, so a week's sessions
 * are covered by its one bar instead of showing as gaps.
 */
export function pageDayFacts(page: PageCoverage, tf: Timeframe, calendar: SessionCalendar): DayFacts {
  const facts = noDays();
  const index = new Map<number, number>();
  const sessionOf = (day: number) => calendar.session(day);
  const row = (day: number): number => {
    let i = index.get(day);
    if (i === undefined) {
      i = facts.day.length;
      index.set(day, i);
      facts.day.push(day);
      facts.session.push(sessionOf(day) !== null);
      facts.bars.push(0);
      facts.first.push(null);
      facts.last.push(null);
      facts.outside.push(0);
      facts.violations.push(0);
    }
    return i;
  };
  if (page.covers) for (let d = page.covers.fromDay; d <= page.covers.toDay; d++) row(d);

  const intraday = INTRADAY.has(tf.timespan);
  const coarse = !intraday && !(tf.timespan === 'day' && tf.multiplier === 1);
  // The current date's bounds: bars arrive in order, so the time zone is consulted once per date.
  let start = Infinity;
  let end = -Infinity;
  let day = 0;
  let i = 0;
  let open = 0;
  let close = 0;
  const count = (at: number, t: number) => {
    facts.bars[at]! += 1;
    if (facts.first[at] === null || t < facts.first[at]!) facts.first[at] = t;
    if (facts.last[at] === null || t > facts.last[at]!) facts.last[at] = t;
  };
  const ts = page.bars.t;
  for (let k = 0; k < page.bars.count; k++) {
    const t = ts[k]!;
    if (t < start || t >= end) {
      day = nyDayOf(t);
      start = nyDayStartMs(day);
      end = nyDayStartMs(day + 1);
      i = row(day);
      const s = sessionOf(day);
      // Polygon's minute bars span extended hours: only bars outside those count as outside.
      open = s ? s.extendedOpen : Infinity;
      close = s ? s.extendedClose : -Infinity;
    }
    if (!coarse || open !== Infinity) count(i, t);
    if (intraday && (t < open || t >= close)) facts.outside[i]! += 1;
    if (coarse) for (let d = day + 1, n = spanDays(tf, day); d < day + n; d++) if (sessionOf(d)) count(row(d), t);
  }
  for (const v of page.violations) facts.violations[row(nyDayOf(v.ts))]! += 1;
  return facts;
}
