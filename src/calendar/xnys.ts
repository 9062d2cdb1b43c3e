import { parseDateToDay, weekday } from '../polygon/time.js';

// NYSE (XNYS) full-day closures and 13:00 early closes, as rules over epoch days (days since
// 1970-01-01, read as New York dates). Verified against the exchange's published schedules for
// 2000-2026 (test/fixtures/calendar/xnys-2000-2026.csv); earlier years follow the same rules plus the
// known one-off closures below, with early closes only from 1993 (the 13:00 rules started then).

const DAY_MS = 86_400_000;

/** Closures outside the regular rules: mourning days, weather, outages, and the election days. */
const SPECIAL_CLOSURES: ReadonlyArray<readonly [string, string]> = [
  ['1972-11-07', 'Election Day'],
  ['1972-12-28', 'President Truman day of mourning'],
  ['1973-01-25', 'President Johnson day of mourning'],
  ['1976-11-02', 'Election Day'],
  ['1977-07-14', 'New York City blackout'],
  ['1980-11-04', 'Election Day'],
  ['1985-09-27', 'Hurricane Gloria'],
  ['1994-04-27', 'President Nixon day of mourning'],
  ['2001-09-11', 'September 11 attacks'],
  ['2001-09-12', 'September 11 attacks'],
  ['2001-09-13', 'September 11 attacks'],
  ['2001-09-14', 'September 11 attacks'],
  ['2004-06-11', 'President Reagan day of mourning'],
  ['2007-01-02', 'President Ford day of mourning'],
  ['2012-10-29', 'Hurricane Sandy'],
  ['2012-10-30', 'Hurricane Sandy'],
  ['2018-12-05', 'President George H. W. Bush day of mourning'],
  ['2025-01-09', 'President Carter day of mourning'],
];

/** 13:00 closes no rule produces (the Friday after a Thursday Christmas). */
const SPECIAL_EARLY_CLOSES: readonly string[] = ['1997-12-26', '2003-12-26'];

const toDay = (s: string): number => parseDateToDay(s)!;
const SPECIAL_BY_DAY: ReadonlyMap<number, string> = new Map(SPECIAL_CLOSURES.map(([d, name]) => [toDay(d), name]));
const SPECIAL_EARLY: ReadonlySet<number> = new Set(SPECIAL_EARLY_CLOSES.map(toDay));

export function ymd(y: number, m: number, d: number): number {
  return Date.UTC(y, m - 1, d) / DAY_MS;
}

/** The n-th (1-based) weekday `wd` (0 = Sunday) of a month; n = -1 for the last. */
function nthWeekday(y: number, m: number, wd: number, n: number): number {
  if (n > 0) {
    const first = ymd(y, m, 1);
    return first + ((wd - weekday(first) + 7) % 7) + 7 * (n - 1);
  }
  const last = ymd(y, m + 1, 1) - 1;
  return last - ((weekday(last) - wd + 7) % 7);
}

/** Easter Sunday (anonymous Gregorian algorithm). */
export function easterDay(y: number): number {
  const a = y % 19;
  const b = Math.floor(y / 100);
  const c = y % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return ymd(y, month, day);
}

/** NYSE Rule 7.2: a Saturday holiday closes the Friday before, a Sunday one the Monday after. */
function observed(day: number): number {
  const wd = weekday(day);
  return wd === 6 ? day - 1 : wd === 0 ? day + 1 : day;
}

const thanksgiving = (y: number): number => nthWeekday(y, 11, 4, 4);

/** Full-day closures of a year (weekends aside), epoch day -> name. */
export function xnysClosures(y: number): Map<number, string> {
  const out = new Map<number, string>();
  const add = (day: number, name: string): void => {
    if (new Date(day * DAY_MS).getUTCFullYear() === y) out.set(day, name);
  };
  // A Saturday New Year's Day closes nothing: the Friday before ends the previous year's books.
  const jan1 = ymd(y, 1, 1);
  if (weekday(jan1) !== 6) add(observed(jan1), "New Year's Day");
  if (y >= 1998) add(nthWeekday(y, 1, 1, 3), 'Martin Luther King Jr. Day');
  if (y >= 1971) add(nthWeekday(y, 2, 1, 3), "Washington's Birthday");
  else add(observed(ymd(y, 2, 22)), "Washington's Birthday");
  add(easterDay(y) - 2, 'Good Friday');
  if (y >= 1971) add(nthWeekday(y, 5, 1, -1), 'Memorial Day');
  else add(observed(ymd(y, 5, 30)), 'Memorial Day');
  if (y >= 2022) add(observed(ymd(y, 6, 19)), 'Juneteenth National Independence Day');
  add(observed(ymd(y, 7, 4)), 'Independence Day');
  add(nthWeekday(y, 9, 1, 1), 'Labor Day');
  add(thanksgiving(y), 'Thanksgiving Day');
  add(observed(ymd(y, 12, 25)), 'Christmas Day');
  for (const [day, name] of SPECIAL_BY_DAY) add(day, name);
  return out;
}

/**
 * Whether a trading day closes at 13:00 (call only for trading days). The rules as they changed:
 * - the day before Independence Day (July 3, Monday to Thursday), except a Wednesday July 3 before
 *   2013: until 2012 a Thursday July 4 made the Friday after (July 5) the short day instead;
 * - the day after Thanksgiving (from 1993);
 * - Christmas Eve, Monday to Thursday (a Friday December 24 is the observed Christmas);
 * - one-off: the Friday after a Thursday Christmas in 1997 and 2003.
 */
export function xnysEarlyClose(day: number): boolean {
  if (SPECIAL_EARLY.has(day)) return true;
  const d = new Date(day * DAY_MS);
  const y = d.getUTCFullYear();
  if (y < 1993) return false;
  const m = d.getUTCMonth() + 1;
  const dd = d.getUTCDate();
  const wd = weekday(day);
  if (m === 7 && dd === 3) return wd >= 1 && wd <= 4 && (wd !== 3 || y >= 2013);
  if (m === 7 && dd === 5) return wd === 5 && y < 2013;
  if (m === 12 && dd === 24) return wd >= 1 && wd <= 4;
  return day === thanksgiving(y) + 1;
}
