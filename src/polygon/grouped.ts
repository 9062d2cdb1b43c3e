import { MalformedResponseError, type PolygonErrorInit } from './errors.js';
import { checkStatus } from './parse.js';
import { nyDayOf, nyDayStartMs } from './time.js';
import type { Bar } from './types.js';

/** One grouped-daily answer: every US stock's bar for one session day. */
export interface GroupedDay {
  /** The New York date asked for (epoch day). */
  day: number;
  /**
   * One bar per ticker (`T`), `t` moved to 00:00 New York of the bar's own day, the per-ticker daily
   * convention, so both strategies fill one series with the same timestamps. The first row of a
   * ticker named twice wins (as a repeated timestamp is stored once).
   */
  bars: Map<string, Bar>;
  /** Rows the answer carried (tickers repeated included). */
  received: number;
  requestMs: number;
  bytes: number;
}

/**
 * Parses a 2xx grouped-daily body. Rows that are not bars (no ticker, a missing or non-number field,
 * a non-integer `t`) make the payload malformed; numbers that break a rule pass on to the validator.
 */
export function parseGroupedBody(text: string, init: PolygonErrorInit = {}, scrub: (s: string) => string = (s) => s): { bars: Map<string, Bar>; received: number } {
  const body = checkStatus(text, init, scrub);
  const withId: PolygonErrorInit = { ...init, requestId: typeof body.request_id === 'string' ? body.request_id : (init.requestId ?? null) };
  const results = body.results;
  const bars = new Map<string, Bar>();
  if (results === undefined || results === null) return { bars, received: 0 };
  if (!Array.isArray(results)) throw new MalformedResponseError('results is not an array', withId);
  for (let i = 0; i < results.length; i++) {
    const r = results[i] as Record<string, unknown> | null;
    const fail = (what: string): never => {
      throw new MalformedResponseError(`row ${i}: ${what}`, withId);
    };
    if (typeof r !== 'object' || r === null) fail('not an object');
    const ticker = r!.T;
    if (typeof ticker !== 'string' || ticker.length === 0) fail('T is not a ticker');
    const t = r!.t as number;
    if (!Number.isSafeInteger(t)) fail(`${String(ticker)}: t is not an integer timestamp`);
    const { o, h, l, c, v, vw, n } = r!;
    if (!(typeof o === 'number' && typeof h === 'number' && typeof l === 'number' && typeof c === 'number' && typeof v === 'number')) {
      fail(`${String(ticker)}: o/h/l/c/v must be numbers`);
    }
    if (vw !== undefined && vw !== null && typeof vw !== 'number') fail(`${String(ticker)}: vw must be a number or null`);
    if (n !== undefined && n !== null && !Number.isFinite(n)) fail(`${String(ticker)}: n must be a finite number`);
    if (bars.has(ticker as string)) continue;
    bars.set(ticker as string, {
      t: nyDayStartMs(nyDayOf(t)),
      o: o as number,
      h: h as number,
      l: l as number,
      c: c as number,
      v: v as number,
      vw: (vw as number | null | undefined) ?? null,
      n: (n as number | null | undefined) ?? null,
    });
  }
  return { bars, received: results.length };
}
