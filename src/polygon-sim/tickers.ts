import { parseDateToDay } from '../polygon/time.js';
import { VALIDATION_RULES, type ValidationRule } from '../../workflows/vocabulary.js';
import { barStart, type Chunk } from './chunk.js';

/**
 * A bar the simulator serves wrong on purpose, one per validation rule: the `index`-th bar (default 0)
 * of `date` in the requested timeframe (intraday timeframes and 1d; longer bars are left alone).
 * - value kinds (`price_not_finite`, `price_not_positive`, `high_below_low`, `open_outside_range`,
 *   `close_outside_range`, `volume_invalid`, `vwap_outside_range`) change that bar's numbers;
 * - `ts_misaligned` moves it 1 ms off its bucket; `ts_duplicate` gives it the previous bar's time (the
 *   next bar's for index 0); `ts_out_of_order` swaps its time with the next bar's;
 * - `ts_out_of_range` appends a copy of it, stamped at the end of the request (the first bucket after
 *   it), to the last page of every request covering `date`: use it on a unit of one request window;
 * - `closed_day`: `date` must be a day without a session: it gets one bar, a copy of the previous
 *   session's `index`-th bar moved to the same time of day.
 */
export interface SimBadBar {
  date: string;
  kind: ValidationRule;
  index?: number;
}

/** What Polygon would have for one ticker beyond the generated series. */
export interface SimTickerConfig {
  /** First New York date with bars (a listing or IPO date): nothing before it. */
  listed?: string;
  /** Sessions with no bar at all (a gap in Polygon's data). */
  missingSessions?: string[];
  badBars?: SimBadBar[];
}

export type SimTickers = Record<string, SimTickerConfig>;

export class SimTickersError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SimTickersError';
  }
}

function dayOf(what: string, s: unknown): number {
  const d = typeof s === 'string' ? parseDateToDay(s) : null;
  if (d === null) throw new SimTickersError(`${what} must be YYYY-MM-DD (got ${JSON.stringify(s)})`);
  return d;
}

export function checkTickers(t: unknown): void {
  if (t === undefined) return;
  if (typeof t !== 'object' || t === null || Array.isArray(t)) throw new SimTickersError('tickers must be an object of ticker -> settings');
  for (const [ticker, cfg] of Object.entries(t as Record<string, SimTickerConfig>)) {
    const at = `tickers.${ticker}`;
    if (typeof cfg !== 'object' || cfg === null) throw new SimTickersError(`${at} must be an object`);
    if (cfg.listed !== undefined) dayOf(`${at}.listed`, cfg.listed);
    if (cfg.missingSessions !== undefined) {
      if (!Array.isArray(cfg.missingSessions)) throw new SimTickersError(`${at}.missingSessions must be an array of dates`);
      cfg.missingSessions.forEach((d, i) => dayOf(`${at}.missingSessions[${i}]`, d));
    }
    if (cfg.badBars !== undefined) {
      if (!Array.isArray(cfg.badBars)) throw new SimTickersError(`${at}.badBars must be an array`);
      cfg.badBars.forEach((b, i) => {
        dayOf(`${at}.badBars[${i}].date`, b?.date);
        if (!(VALIDATION_RULES as readonly string[]).includes(b.kind)) {
          throw new SimTickersError(`${at}.badBars[${i}].kind must be one of ${VALIDATION_RULES.join(', ')}`);
        }
        if (b.index !== undefined && !(Number.isInteger(b.index) && b.index >= 0)) throw new SimTickersError(`${at}.badBars[${i}].index must be a non-negative integer`);
      });
    }
  }
}

export interface BadBarAt {
  kind: ValidationRule;
  index: number;
}

/** One ticker's settings, indexed by epoch day. */
export class TickerOverlay {
  readonly listedDay: number;
  private readonly missing: ReadonlySet<number>;
  private readonly bad = new Map<number, BadBarAt[]>();

  constructor(cfg: SimTickerConfig) {
    this.listedDay = cfg.listed === undefined ? Number.NEGATIVE_INFINITY : parseDateToDay(cfg.listed)!;
    this.missing = new Set((cfg.missingSessions ?? []).map((d) => parseDateToDay(d)!));
    for (const b of cfg.badBars ?? []) {
      const day = parseDateToDay(b.date)!;
      const list = this.bad.get(day) ?? [];
      list.push({ kind: b.kind, index: b.index ?? 0 });
      this.bad.set(day, list);
    }
  }

  /** No bars on this day at all (before the listing, or a configured gap). */
  empty(day: number): boolean {
    return day < this.listedDay || this.missing.has(day);
  }

  badBars(day: number): readonly BadBarAt[] {
    return this.bad.get(day) ?? [];
  }

  /** The `closed_day` bar configured on a day, if any. */
  closedDayBar(day: number): BadBarAt | undefined {
    return this.badBars(day).find((b) => b.kind === 'closed_day');
  }

  /** Configured `ts_out_of_range` bars on the days first..last. */
  outOfRange(first: number, last: number): Array<{ day: number; index: number }> {
    const out: Array<{ day: number; index: number }> = [];
    for (const [day, list] of this.bad) {
      if (day < first || day > last) continue;
      for (const b of list) if (b.kind === 'ts_out_of_range') out.push({ day, index: b.index });
    }
    return out.sort((a, b) => a.day - b.day);
  }
}

type BarJson = Record<string, number>;

/** The JSON object of bar i of a chunk. */
export function barJson(c: Chunk, i: number): BarJson {
  return JSON.parse(c.buf.toString('latin1', barStart(c, i), c.ends[i]!)) as BarJson;
}

// JSON has no Infinity; 1e999 is valid JSON that every parser reads as Infinity.
const num = (x: number): string => (Number.isFinite(x) ? String(x) : x > 0 ? '1e999' : '-1e999');

export function serializeBar(b: BarJson): string {
  return `{${Object.entries(b).map(([k, v]) => `"${k}":${num(v)}`).join(',')}}`;
}

function breakValues(b: BarJson, kind: ValidationRule): void {
  const h = b.h!;
  const l = b.l!;
  const span = Math.max(h - l, 0.01);
  switch (kind) {
    case 'price_not_finite':
      b.h = Number.POSITIVE_INFINITY;
      break;
    case 'price_not_positive':
      b.l = 0;
      break;
    case 'high_below_low':
      b.h = l;
      b.l = h + span;
      break;
    case 'open_outside_range':
      b.o = h + span;
      break;
    case 'close_outside_range':
      b.c = l / 2;
      break;
    case 'volume_invalid':
      b.v = -(b.v || 1);
      break;
    case 'vwap_outside_range':
      b.vw = h * 1.01 + span;
      break;
    case 'ts_misaligned':
      b.t = b.t! + 1;
      break;
    default:
      break;
  }
}

/**
 * The chunk with the given bars rewritten as the bad-bar kinds say. The index arrays (`t`, `ends` of
 * untouched bars) keep describing the true slots so slicing pages works as before; only the JSON
 * served for those bars changes.
 */
export function corruptChunk(c: Chunk, bad: readonly BadBarAt[]): Chunk {
  if (c.count === 0 || bad.length === 0) return c;
  const objs = new Map<number, BarJson>();
  const get = (i: number): BarJson => {
    let o = objs.get(i);
    if (o === undefined) {
      o = barJson(c, i);
      objs.set(i, o);
    }
    return o;
  };
  for (const b of bad) {
    const i = Math.min(b.index, c.count - 1);
    if (b.kind === 'ts_duplicate' && c.count > 1) {
      if (i > 0) get(i).t = c.t[i - 1]!;
      else get(0).t = c.t[1]!;
    } else if (b.kind === 'ts_out_of_order' && c.count > 1) {
      const j = i + 1 < c.count ? i + 1 : i - 1;
      get(i).t = c.t[j]!;
      get(j).t = c.t[i]!;
    } else {
      breakValues(get(i), b.kind);
    }
  }
  const pieces: Buffer[] = [];
  const ends = new Uint32Array(c.count);
  let len = 0;
  for (let i = 0; i < c.count; i++) {
    const o = objs.get(i);
    const piece = o === undefined ? c.buf.subarray(barStart(c, i), c.ends[i]!) : Buffer.from(serializeBar(o), 'latin1');
    if (i > 0) {
      pieces.push(COMMA);
      len += 1;
    }
    pieces.push(piece);
    len += piece.length;
    ends[i] = len;
  }
  return { ...c, buf: Buffer.concat(pieces, len), ends };
}

const COMMA = Buffer.from(',');

/** A bar's JSON moved to another time (the out-of-range and closed-day copies). */
export function movedBar(c: Chunk, i: number, t: number): string {
  const o = barJson(c, Math.min(i, c.count - 1));
  o.t = t;
  return serializeBar(o);
}
