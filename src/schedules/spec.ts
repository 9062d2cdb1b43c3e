// A schedule's timing as the API takes it (a cron line, a preset, or a calendar object, plus an
// IANA time zone) and as Temporal takes it (ScheduleSpec). Checked here before anything is created,
// so a bad spec is a 400 naming the field rather than an error from the server after the fact.
import type { CalendarSpec, DayOfWeek, Month, ScheduleSpec } from '@temporalio/client';

/**
 * Named specs. `after_close`: 20:30 New York, Monday to Friday: after XNYS's extended close
 * (20:00) plus the settle time, so the evening's session is completed and a run fetches it.
 */
export const SCHEDULE_PRESETS = { after_close: '30 20 * * 1-5' } as const;
export type SchedulePreset = keyof typeof SCHEDULE_PRESETS;
export const isPreset = (s: string): s is SchedulePreset => Object.hasOwn(SCHEDULE_PRESETS, s);

export const DEFAULT_TIME_ZONE = 'America/New_York';

const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DOW_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const CRON_FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTH_NAMES },
  { name: 'day of week', min: 0, max: 7, names: DOW_NAMES },
] as const;

/** Why a five-field cron line is not one (null when it is): `*`, numbers, names, ranges, steps, lists. */
export function cronProblem(expr: string): string | null {
  const fields = expr.trim().split(/\s+/);
  if (fields.length !== 5) return `'${expr.slice(0, 60)}' is not a cron expression: it needs 5 fields (minute hour day-of-month month day-of-week), got ${fields.length}`;
  for (const [i, text] of fields.entries()) {
    const f = CRON_FIELDS[i]!;
    const value = (s: string): number | null => {
      const named = 'names' in f ? f.names.indexOf(s.toUpperCase() as never) : -1;
      if (named >= 0) return named + (f.name === 'month' ? 1 : 0);
      if (!/^\d{1,2}$/.test(s)) return null;
      const n = Number(s);
      return n >= f.min && n <= f.max ? n : null;
    };
    for (const item of text.split(',')) {
      const m = /^([^/]+)(?:\/(\d{1,2}))?$/.exec(item);
      const bad = `'${text}' is not a valid ${f.name} (${f.min}-${f.max}${'names' in f ? ' or a name' : ''}, *, a-b, /step, lists)`;
      if (!m) return bad;
      const [, base, step] = m;
      if (step !== undefined && Number(step) < 1) return bad;
      if (base === '*') continue;
      const [a, b, ...rest] = base!.split('-');
      const lo = value(a!);
      const hi = b === undefined ? lo : value(b);
      if (rest.length || lo === null || hi === null || hi < lo) return bad;
    }
  }
  return null;
}

/** True for an IANA zone name this runtime (and so Temporal's tz database) knows. */
export function isTimeZone(tz: string): boolean {
  if (!/^[A-Za-z_]+(?:\/[A-Za-z0-9_+-]+)*$/.test(tz) && tz !== 'UTC') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** A Temporal calendar spec in the API's snake_case: each field a number, a list of numbers or `*`. */
export interface CalendarInput {
  second?: number | number[] | '*';
  minute?: number | number[] | '*';
  hour?: number | number[] | '*';
  day_of_month?: number | number[] | '*';
  /** 1-12. */
  month?: number | number[] | '*';
  /** 0 (Sunday) - 6. */
  day_of_week?: number | number[] | '*';
}

export type SpecInput = string | { calendar: CalendarInput };

const list = <T>(v: number | number[] | '*' | undefined, map: (n: number) => T): T[] | '*' | undefined =>
  v === undefined ? undefined : v === '*' ? '*' : (Array.isArray(v) ? v : [v]).map(map);

export function toTemporalCalendar(c: CalendarInput): CalendarSpec {
  const months = ['JANUARY', 'FEBRUARY', 'MARCH', 'APRIL', 'MAY', 'JUNE', 'JULY', 'AUGUST', 'SEPTEMBER', 'OCTOBER', 'NOVEMBER', 'DECEMBER'] as const;
  const days = ['SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY'] as const;
  const out: CalendarSpec = {};
  // Temporal's defaults for an absent field: second and minute and hour 0, every day otherwise.
  const second = list(c.second, (n) => n);
  const minute = list(c.minute, (n) => n);
  const hour = list(c.hour, (n) => n);
  const dom = list(c.day_of_month, (n) => n);
  const month = list(c.month, (n) => months[n - 1] as Month);
  const dow = list(c.day_of_week, (n) => days[n] as DayOfWeek);
  if (second !== undefined) out.second = second;
  if (minute !== undefined) out.minute = minute;
  if (hour !== undefined) out.hour = hour;
  if (dom !== undefined) out.dayOfMonth = dom;
  if (month !== undefined) out.month = month;
  if (dow !== undefined) out.dayOfWeek = dow;
  return out;
}

/** The ScheduleSpec of a validated spec and time zone. */
export function toScheduleSpec(spec: SpecInput, timeZone: string): ScheduleSpec {
  if (typeof spec === 'string') return { cronExpressions: [isPreset(spec) ? SCHEDULE_PRESETS[spec] : spec.trim()], timezone: timeZone };
  return { calendars: [toTemporalCalendar(spec.calendar)], timezone: timeZone };
}

/** How the API shows a spec it was given: the text itself, or the calendar object as JSON. */
export const specLabel = (spec: SpecInput): string => (typeof spec === 'string' ? spec : JSON.stringify(spec.calendar));
