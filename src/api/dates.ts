import { dayToDate, nyDayOf } from '../polygon/index.js';

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar date written as YYYY-MM-DD (rejects 2023-02-29, 2024-13-01). */
export function isCalendarDate(s: string): boolean {
  const m = ISO_DATE.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const dt = new Date(Date.UTC(y, mo - 1, d));
  return dt.getUTCFullYear() === y && dt.getUTCMonth() === mo - 1 && dt.getUTCDate() === d;
}

export const isoDateOf = (d: Date): string => d.toISOString().slice(0, 10);

/** The New York date of an instant: Polygon's day, so "today" ends at New York midnight, not UTC's. */
export const nyDateOf = (d: Date): string => dayToDate(nyDayOf(d.getTime()));
