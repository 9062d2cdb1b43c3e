import { dayToDate, nyDayStartMs, nyLateOffsetMinutes, parseDateToDay, weekday } from '../polygon/time.js';

/**
 * NYSE trading calendar: full-day holidays with the exchange's observed-date rules, special closures,
 * and the 13:00 early closes. Valid for 2000-2030 (and the rules extend naturally beyond).
 */

/** Closures outside the regular rules. */
const SPECIAL_CLOSURES: readonly string[] = [
  '2001-09-11', '2001-09-12', '2001-09-13', '2001-09-14', // September 11
  '2004-06-11', // President Reagan's funeral
  '2007-01-02', // President Ford's day of mourning
  '2012-10-29', '2012-10-30', // Hurricane Sandy
  '2018-12-05', // President G. H. W. Bush's day of mourning
  '2025-01-09', // President Carter's day of mourning
];

function ymd(y: number, m: number, d: number): number {
  return Date.UTC(y, m - 1, d) / 86_400_000;
}

/** The n-th (1-based) given weekday of a month; n = -1 for the last. */
function nthWeekday(y: number, m: number, wd: number, n: number): number {
  if (n > 0) {
    const first = ymd(y, m, 1);
    return first + ((wd - weekday(first) + 7) % 7) + 7 * (n - 1);
  }
  const last = ymd(y, m + 1, 1) - 1;
  return last - ((weekday(last) - wd + 7) % 7);
}

/** Easter Sunday, anonymous Gregorian algorithm. */
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

/** Saturday holidays move to Friday, Sunday ones to Monday. */
function observed(day: number): number {
  const wd = weekday(day);
  return wd === 6 ? day - 1 : wd === 0 ? day + 1 : day;
}

/** Full-day NYSE holidays of a year, epoch day -> name. */
export function nyseHolidayMap(y: number): Map<number, string> {
  const out = new Map<number, string>();
  const add = (day: number, name: string): void => {
    if (new Date(day * 86_400_000).getUTCFullYear() === y) out.set(day, name);
  };
  // New Year's Day on a Saturday is not observed on the Friday before (NYSE rule 7.2).
  const ny = ymd(y, 1, 1);
  if (weekday(ny) !== 6) add(observed(ny), "New Year's Day");
  if (y >= 1998) add(nthWeekday(y, 1, 1, 3), 'Martin Luther King Jr. Day');
  add(nthWeekday(y, 2, 1, 3), "Washington's Birthday");
  add(easterDay(y) - 2, 'Good Friday');
  add(nthWeekday(y, 5, 1, -1), 'Memorial Day');
  if (y >= 2022) add(observed(ymd(y, 6, 19)), 'Juneteenth');
  add(observed(ymd(y, 7, 4)), 'Independence Day');
  add(nthWeekday(y, 9, 1, 1), 'Labor Day');
  add(nthWeekday(y, 11, 4, 4), 'Thanksgiving Day');
  add(observed(ymd(y, 12, 25)), 'Christmas Day');
  for (const s of SPECIAL_CLOSURES) {
    const d = parseDateToDay(s)!;
    if (s.startsWith(`${y}-`)) out.set(d, 'Special closure');
  }
  return out;
}

/** Full-day NYSE holidays of a year as YYYY-MM-DD, ascending. */
export function nyseHolidays(year: number): string[] {
  return [...nyseHolidayMap(year).keys()].sort((a, b) => a - b).map(dayToDate);
}

export type Market = 'stock' | 'crypto' | 'forex' | 'index';

/** Crypto `X:` trades 24/7, forex `C:` Sunday 17:00 to Friday 17:00 ET, indices `I:` the regular session only. */
export function marketOf(ticker: string): Market {
  if (ticker.startsWith('X:')) return 'crypto';
  if (ticker.startsWith('C:')) return 'forex';
  if (ticker.startsWith('I:')) return 'index';
  return 'stock';
}

/** One day's trading, as UTC ms; `open..close` holds every minute that can have a bar. */
export interface DaySession {
  day: number;
  dayStart: number;
  dayEnd: number;
  open: number;
  close: number;
  regOpen: number;
  regClose: number;
}

/** Calendar with per-instance memo tables (no module-level state). */
export class MarketCalendar {
  private readonly holidaysByYear = new Map<number, Map<number, string>>();
  private readonly starts = new Map<number, number>();
  private readonly lateOffsets = new Map<number, number>();

  holidayName(day: number): string | null {
    const y = new Date(day * 86_400_000).getUTCFullYear();
    let map = this.holidaysByYear.get(y);
    if (!map) {
      map = nyseHolidayMap(y);
      this.holidaysByYear.set(y, map);
    }
    return map.get(day) ?? null;
  }

  isTradingDay(day: number): boolean {
    const wd = weekday(day);
    return wd !== 0 && wd !== 6 && this.holidayName(day) === null;
  }

  /** 13:00 close: the day after Thanksgiving, and July 3 / December 24 when they are trading days. */
  isEarlyClose(day: number): boolean {
    if (!this.isTradingDay(day)) return false;
    const d = new Date(day * 86_400_000);
    const y = d.getUTCFullYear();
    const m = d.getUTCMonth() + 1;
    const dd = d.getUTCDate();
    if (m === 7 && dd === 3) return true;
    if (m === 12 && dd === 24) return true;
    return day === nthWeekday(y, 11, 4, 4) + 1;
  }

  dayStart(day: number): number {
    let s = this.starts.get(day);
    if (s === undefined) {
      s = nyDayStartMs(day);
      this.starts.set(day, s);
    }
    return s;
  }

  /** UTC ms of a New York wall-clock time on that day, for times after 03:00. */
  localMs(day: number, minuteOfDay: number): number {
    let off = this.lateOffsets.get(day);
    if (off === undefined) {
      off = nyLateOffsetMinutes(day);
      this.lateOffsets.set(day, off);
    }
    return day * 86_400_000 + (minuteOfDay - off) * 60_000;
  }

  session(market: Market, day: number): DaySession | null {
    const dayStart = this.dayStart(day);
    const dayEnd = this.dayStart(day + 1);
    if (market === 'crypto') {
      return { day, dayStart, dayEnd, open: dayStart, close: dayEnd, regOpen: dayStart, regClose: dayEnd };
    }
    if (market === 'forex') {
      const wd = weekday(day);
      if (wd === 6) return null;
      const five = this.localMs(day, 17 * 60);
      const open = wd === 0 ? five : dayStart;
      const close = wd === 5 ? five : dayEnd;
      return { day, dayStart, dayEnd, open, close, regOpen: open, regClose: close };
    }
    if (!this.isTradingDay(day)) return null;
    const early = this.isEarlyClose(day);
    const regOpen = this.localMs(day, 9 * 60 + 30);
    const regClose = this.localMs(day, early ? 13 * 60 : 16 * 60);
    if (market === 'index') return { day, dayStart, dayEnd, open: regOpen, close: regClose, regOpen, regClose };
    return {
      day,
      dayStart,
      dayEnd,
      open: this.localMs(day, 4 * 60),
      close: this.localMs(day, early ? 17 * 60 : 20 * 60),
      regOpen,
      regClose,
    };
  }
}
