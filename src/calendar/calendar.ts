import { DAY_MS, dayToDate, nyDayStartMs, nyLateOffsetMinutes, parseDateToDay, weekday } from '../polygon/time.js';
import { xnysClosures, xnysEarlyClose } from './xnys.js';

/** `XNYS`: US stocks, indices and options; `CRYPTO`: every day, all day; `FOREX`: Sunday 17:00 to Friday 17:00. */
export const CALENDAR_NAMES = ['XNYS', 'CRYPTO', 'FOREX'] as const;
export type CalendarName = (typeof CALENDAR_NAMES)[number];

/** A New York date as `YYYY-MM-DD` or as an epoch day (days since 1970-01-01). */
export type DateInput = string | number;

/** One trading day. Instants are UTC ms; `open..close` and `extendedOpen..extendedClose` are half-open. */
export interface Session {
  /** Epoch day of the New York date. */
  day: number;
  date: string;
  /** 00:00 New York of this date and of the next one (a daily bar's timestamp and the next one's). */
  dayStart: number;
  dayEnd: number;
  /** Regular session: 09:30 to 16:00 (13:00 on early-close days) for XNYS. */
  open: number;
  close: number;
  /** Polygon's extended hours: 04:00 to 20:00 (17:00 on early-close days) for XNYS. */
  extendedOpen: number;
  extendedClose: number;
  earlyClose: boolean;
  /** Lengths in minutes of the regular and the extended session (window packing, bar estimates). */
  minutes: number;
  extendedMinutes: number;
}

const MIN_MS = 60_000;
const PRE_MARKET = 4 * 60;
const REGULAR_OPEN = 9 * 60 + 30;
const REGULAR_CLOSE = 16 * 60;
const EARLY_CLOSE = 13 * 60;
const AFTER_HOURS = 20 * 60;
const EARLY_AFTER_HOURS = 17 * 60;
const FOREX_ROLL = 17 * 60;
// nextSession/previousSession give up after this many days without one (no calendar has such a gap).
const MAX_SEARCH_DAYS = 30;

export class CalendarInputError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = 'CalendarInputError';
  }
}

export function toEpochDay(date: DateInput): number {
  if (typeof date === 'number') {
    if (!Number.isSafeInteger(date) || Math.abs(date) > 1_000_000) throw new CalendarInputError(`not an epoch day: ${date}`);
    return date;
  }
  const day = parseDateToDay(date);
  if (day === null) throw new CalendarInputError(`not a YYYY-MM-DD date: ${JSON.stringify(date)}`);
  return day;
}

/**
 * One market's trading days and hours. Pure (no I/O, no clock); each instance memoizes the New York
 * day boundaries and sessions it has computed, because the validator asks per page and the Intl
 * time-zone lookup behind a day boundary costs microseconds. Hold one per process and pass it in.
 */
export class TradingCalendar {
  private readonly starts = new Map<number, number>();
  private readonly sessions = new Map<number, Session | null>();
  private readonly closuresByYear = new Map<number, Map<number, string>>();

  constructor(readonly name: CalendarName) {}

  /** 00:00 New York of an epoch day, as UTC ms (DST-correct). */
  dayStart(day: number): number {
    let s = this.starts.get(day);
    if (s === undefined) {
      s = nyDayStartMs(day);
      this.starts.set(day, s);
    }
    return s;
  }

  /** The New York date (epoch day) holding an instant. */
  nyDayOf(utcMs: number): number {
    // New York is 4 or 5 hours behind UTC, so the guess is the true day or the one before it.
    const guess = Math.floor((utcMs - 5 * 3_600_000) / DAY_MS);
    return utcMs >= this.dayStart(guess + 1) ? guess + 1 : guess;
  }

  /** The New York date of an instant as YYYY-MM-DD. */
  nyDateOf(utcMs: number): string {
    return dayToDate(this.nyDayOf(utcMs));
  }

  /** Why a date has no session (`weekend`, a holiday's name), or null when it has one. */
  closure(date: DateInput): string | null {
    const day = toEpochDay(date);
    const wd = weekday(day);
    if (this.name === 'CRYPTO') return null;
    if (this.name === 'FOREX') return wd === 6 ? 'weekend' : null;
    if (wd === 0 || wd === 6) return 'weekend';
    const y = new Date(day * DAY_MS).getUTCFullYear();
    let map = this.closuresByYear.get(y);
    if (map === undefined) {
      map = xnysClosures(y);
      this.closuresByYear.set(y, map);
    }
    return map.get(day) ?? null;
  }

  isSession(date: DateInput): boolean {
    return this.session(date) !== null;
  }

  session(date: DateInput): Session | null {
    const day = toEpochDay(date);
    let s = this.sessions.get(day);
    if (s === undefined) {
      s = this.build(day);
      this.sessions.set(day, s);
    }
    return s;
  }

  /** Sessions of the New York dates start..end, both inclusive, ascending. */
  sessionsBetween(start: DateInput, end: DateInput): Session[] {
    const out: Session[] = [];
    const last = toEpochDay(end);
    for (let d = toEpochDay(start); d <= last; d++) {
      const s = this.session(d);
      if (s !== null) out.push(s);
    }
    return out;
  }

  /** Number of sessions from start to end, both inclusive. */
  sessionCount(start: DateInput, end: DateInput): number {
    let n = 0;
    const last = toEpochDay(end);
    for (let d = toEpochDay(start); d <= last; d++) if (this.session(d) !== null) n++;
    return n;
  }

  /** The first session strictly after a date. */
  nextSession(date: DateInput): Session {
    return this.search(toEpochDay(date), 1);
  }

  /** The last session strictly before a date. */
  previousSession(date: DateInput): Session {
    return this.search(toEpochDay(date), -1);
  }

  /** The session whose extended hours contain an instant, or null (closed day, or outside the hours). */
  sessionAt(utcMs: number): Session | null {
    const s = this.session(this.nyDayOf(utcMs));
    return s !== null && utcMs >= s.extendedOpen && utcMs < s.extendedClose ? s : null;
  }

  private search(from: number, step: 1 | -1): Session {
    for (let d = from + step, i = 0; i < MAX_SEARCH_DAYS; d += step, i++) {
      const s = this.session(d);
      if (s !== null) return s;
    }
    throw new Error(`${this.name}: no session within ${MAX_SEARCH_DAYS} days of ${dayToDate(from)}`);
  }

  /** UTC ms of a New York wall-clock time after 03:00 on that day (past any DST switch). */
  private at(day: number, minuteOfDay: number): number {
    return day * DAY_MS + (minuteOfDay - nyLateOffsetMinutes(day)) * MIN_MS;
  }

  private build(day: number): Session | null {
    if (this.closure(day) !== null) return null;
    const dayStart = this.dayStart(day);
    const dayEnd = this.dayStart(day + 1);
    const base = { day, date: dayToDate(day), dayStart, dayEnd };
    if (this.name === 'XNYS') {
      const earlyClose = xnysEarlyClose(day);
      const open = this.at(day, REGULAR_OPEN);
      const close = this.at(day, earlyClose ? EARLY_CLOSE : REGULAR_CLOSE);
      const extendedOpen = this.at(day, PRE_MARKET);
      const extendedClose = this.at(day, earlyClose ? EARLY_AFTER_HOURS : AFTER_HOURS);
      return withMinutes({ ...base, open, close, extendedOpen, extendedClose, earlyClose });
    }
    let open = dayStart;
    let close = dayEnd;
    if (this.name === 'FOREX') {
      const wd = weekday(day);
      if (wd === 0) open = this.at(day, FOREX_ROLL);
      if (wd === 5) close = this.at(day, FOREX_ROLL);
    }
    return withMinutes({ ...base, open, close, extendedOpen: open, extendedClose: close, earlyClose: false });
  }
}

function withMinutes(s: Omit<Session, 'minutes' | 'extendedMinutes'>): Session {
  return { ...s, minutes: (s.close - s.open) / MIN_MS, extendedMinutes: (s.extendedClose - s.extendedOpen) / MIN_MS };
}
