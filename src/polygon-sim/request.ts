import { nyDayStartMs, parseDateToDay } from '../polygon/time.js';
import { isTimespan, MAX_MULTIPLIER, type Timeframe, timeframeOf } from '../polygon/timeframes.js';

/** A parsed aggregates request, in the simulator's ms terms. */
export interface AggsRequest {
  ticker: string;
  tf: Timeframe;
  startMs: number;
  endMs: number;
  adjusted: boolean;
  sort: 'asc' | 'desc';
  limit: number;
}

export class RequestError extends Error {}

export const AGGS_PATH = /^\/v2\/aggs\/ticker\/([^/]+)\/range\/([^/]+)\/([^/]+)\/([^/]+)\/([^/]+)\/?$/;
export const TICKER_PATH = /^\/v3\/reference\/tickers\/([^/]+)\/?$/;
export const GROUPED_PATH = /^\/v2\/aggs\/grouped\/locale\/us\/market\/stocks\/([^/]+)\/?$/;

/** A parsed grouped-daily request: one New York session day, adjusted or raw. */
export interface GroupedRequest {
  day: number;
  adjusted: boolean;
}

export function parseGroupedRequest(m: RegExpExecArray, q: URLSearchParams): GroupedRequest {
  const day = parseDateToDay(m[1]!);
  if (day === null) throw new RequestError(`Could not parse '${m[1]}': use YYYY-MM-DD`);
  const adj = q.get('adjusted') ?? 'true';
  if (adj !== 'true' && adj !== 'false') throw new RequestError("adjusted must be 'true' or 'false'");
  return { day, adjusted: adj === 'true' };
}

/** YYYY-MM-DD (a New York date: its first or last ms) or Unix ms. */
function bound(s: string, end: boolean): number {
  if (/^\d+$/.test(s)) return Number(s);
  const day = parseDateToDay(s);
  if (day === null) throw new RequestError(`Could not parse '${s}': use YYYY-MM-DD or a Unix millisecond timestamp`);
  return end ? nyDayStartMs(day + 1) - 1 : nyDayStartMs(day);
}

interface CursorState {
  s: number;
  e: number;
  l: number;
  o: 'asc' | 'desc';
  a: boolean;
}

export function encodeCursor(c: CursorState): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

function decodeCursor(s: string): CursorState {
  try {
    const c = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as CursorState;
    if (Number.isSafeInteger(c.s) && Number.isSafeInteger(c.e) && Number.isInteger(c.l) && (c.o === 'asc' || c.o === 'desc') && typeof c.a === 'boolean') {
      return c;
    }
  } catch {
    // Reported below.
  }
  throw new RequestError('Invalid cursor');
}

export function parseAggsRequest(m: RegExpExecArray, q: URLSearchParams): AggsRequest {
  let ticker: string;
  try {
    ticker = decodeURIComponent(m[1]!);
  } catch {
    throw new RequestError('Invalid ticker');
  }
  const mult = m[2]!;
  if (!/^[1-9]\d*$/.test(mult) || Number(mult) > MAX_MULTIPLIER) throw new RequestError(`Invalid multiplier '${mult}'`);
  const timespan = m[3]!;
  if (!isTimespan(timespan)) throw new RequestError(`Invalid timespan '${timespan}'`);
  const tf = timeframeOf(Number(mult), timespan);

  const cursor = q.get('cursor');
  if (cursor !== null) {
    const c = decodeCursor(cursor);
    return { ticker, tf, startMs: c.s, endMs: c.e, adjusted: c.a, sort: c.o, limit: c.l };
  }
  const startMs = bound(m[4]!, false);
  const endMs = bound(m[5]!, true);
  if (endMs < startMs) throw new RequestError('The from date must not be after the to date');
  const adj = q.get('adjusted') ?? 'true';
  if (adj !== 'true' && adj !== 'false') throw new RequestError("adjusted must be 'true' or 'false'");
  const sort = q.get('sort') ?? 'asc';
  if (sort !== 'asc' && sort !== 'desc') throw new RequestError("sort must be 'asc' or 'desc'");
  const limitRaw = q.get('limit');
  let limit = 5_000;
  if (limitRaw !== null) {
    if (!/^\d+$/.test(limitRaw) || Number(limitRaw) < 1) throw new RequestError('limit must be a positive integer');
    limit = Math.min(Number(limitRaw), 50_000);
  }
  return { ticker, tf, startMs, endMs, adjusted: adj === 'true', sort, limit };
}
