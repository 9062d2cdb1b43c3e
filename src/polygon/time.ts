/**
 * Calendar arithmetic on "epoch days" (days since 1970-01-01) and America/New_York day
 * boundaries. Polygon stamps daily bars at 00:00 New York time and reads YYYY-MM-DD as New York
 * dates, so every date in this project is a New York date.
 */
export const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Parses a strict YYYY-MM-DD into an epoch day; null when malformed or not a real date. */
export function parseDateToDay(s: string): number | null {
  const m = typeof s === 'string' ? DATE_RE.exec(s) : null;
  if (!m) return null;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return null;
  return ms / DAY_MS;
}

export function dayToDate(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** Day of week of an epoch day, 0 = Sunday. */
export function weekday(day: number): number {
  return (((day + 4) % 7) + 7) % 7;
}

// A formatter is immutable and costly to build, so one shared constant is the sane choice.
const NY_PARTS = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/New_York',
  hourCycle: 'h23',
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hour: 'numeric',
  minute: 'numeric',
  second: 'numeric',
});

/** UTC offset of New York at an instant, in minutes (-300 in winter, -240 in summer). */
export function nyOffsetMinutes(utcMs: number): number {
  let y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  for (const p of NY_PARTS.formatToParts(utcMs)) {
    switch (p.type) {
      case 'year': y = Number(p.value); break;
      case 'month': mo = Number(p.value); break;
      case 'day': d = Number(p.value); break;
      case 'hour': h = Number(p.value); break;
      case 'minute': mi = Number(p.value); break;
      case 'second': s = Number(p.value); break;
      default: break;
    }
  }
  const local = Date.UTC(y, mo - 1, d, h, mi, s);
  return Math.round((local - Math.floor(utcMs / 1000) * 1000) / 60_000);
}

// formatToParts costs microseconds and the ingest path asks for a day's start at every date of
// every page (the ledger's day facts, the validator, nyDayOf): it was 4 % of the worker's CPU in the
// bench's profile. A day's start never changes, so it is remembered; bounded at 550 years of dates.
const DAY_STARTS = new Map<number, number>();
const DAY_STARTS_MAX = 200_000;

/**
 * 00:00 New York time of an epoch day, as UTC ms. At 05:00Z it is 00:00 EST or 01:00 EDT of the same
 * date, before the 02:00 local DST switch, so the offset sampled there is the one in force at midnight.
 */
export function nyDayStartMs(day: number): number {
  let start = DAY_STARTS.get(day);
  if (start === undefined) {
    start = day * DAY_MS - nyOffsetMinutes(day * DAY_MS + 5 * HOUR_MS) * 60_000;
    if (DAY_STARTS.size < DAY_STARTS_MAX) DAY_STARTS.set(day, start);
  }
  return start;
}

/** Offset in force after 03:00 local on that day (sampled at 12:00Z, past any DST switch). */
export function nyLateOffsetMinutes(day: number): number {
  return nyOffsetMinutes(day * DAY_MS + 12 * HOUR_MS);
}

/** The New York date (epoch day) containing an instant. */
export function nyDayOf(utcMs: number): number {
  const guess = Math.floor((utcMs - 5 * HOUR_MS) / DAY_MS);
  // The guess is the true day or one before it; check the next day's start.
  return utcMs >= nyDayStartMs(guess + 1) ? guess + 1 : guess;
}
