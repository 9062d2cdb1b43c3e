import { type Bar } from '../polygon/types.js';
import { DAY_MS, nyDayOf } from '../polygon/time.js';
import { intradayBarMs, type Timeframe } from '../polygon/timeframes.js';
import { aggregate, aggregateIntraday, identity } from './aggregate.js';
import { allocBars, type BarArrays, barsBytes, copyBar } from './bars.js';
import { MarketCalendar } from './calendar.js';
import { barStart, type Chunk, chunkBytes, EMPTY_CHUNK, firstEndingAfter, firstStartingAfter, toChunk } from './chunk.js';
import { adjustBars, generateMinuteDay, secondsFromMinutes, vwDecimals } from './generate.js';
import { ByteLru } from './lru.js';
import { closeLevels, type TickerProfile, tickerProfile } from './profile.js';
import { type BadBarAt, corruptChunk, movedBar, type SimTickers, TickerOverlay } from './tickers.js';

/** A range of bars in the simulator's terms: ms bounds, both inclusive, snapped outward to whole bars. */
export interface RangeQuery {
  ticker: string;
  tf: Timeframe;
  startMs: number;
  endMs: number;
  adjusted: boolean;
}

export interface PageQuery extends RangeQuery {
  /** Base bars (seconds, minutes or days) a page may use. */
  limit: number;
  /** Cap on results per page regardless of `limit` (server-side pagination). */
  maxResults: number;
  sort: 'asc' | 'desc';
}

export interface PageSlice {
  /** The bars' JSON objects in the requested order; join them with commas. */
  parts: Buffer[];
  count: number;
  baseUsed: number;
  /** For asc, the `startMs` of the next page; for desc, its `endMs`; null when this is the last page. */
  next: number | null;
}

interface TickerState {
  profile: TickerProfile;
  levels: Float64Array;
}

const EMPTY_DAY = allocBars(0, false, false);

/**
 * Generates, caches and slices the simulated series. All caches live in this instance (bounded by
 * `cacheBytes`), so each simulator, and each `expectedBars` call, owns its memory.
 */
export class BarSource {
  private readonly cal = new MarketCalendar();
  private readonly cache: ByteLru<unknown>;
  private overlays = new Map<string, TickerOverlay>();

  constructor(opts: { cacheBytes?: number; tickers?: SimTickers } = {}) {
    this.cache = new ByteLru(opts.cacheBytes ?? 256 * 1024 * 1024);
    this.setTickers(opts.tickers);
  }

  /** Per-ticker listing dates, gaps and bad bars; everything cached so far is dropped. */
  setTickers(tickers: SimTickers | undefined): void {
    this.overlays = new Map(Object.entries(tickers ?? {}).map(([t, cfg]) => [t, new TickerOverlay(cfg)]));
    this.cache.clear();
  }

  get cacheBytes(): number {
    return this.cache.bytes;
  }

  calendar(): MarketCalendar {
    return this.cal;
  }

  private ticker(ticker: string): TickerState {
    const key = `T|${ticker}`;
    let st = this.cache.get(key) as TickerState | undefined;
    if (st === undefined) {
      const profile = tickerProfile(ticker);
      st = { profile, levels: closeLevels(profile) };
      this.cache.set(key, st, st.levels.byteLength + 256);
    }
    return st;
  }

  /**
   * Minute (or second) bars of one New York day, adjusted or raw; empty when the market is shut. Not
   * cached: generating them costs a fraction of serializing them, and the chunk cache answers repeats.
   */
  private baseDay(st: TickerState, day: number, adjusted: boolean, unit: 'minute' | 'second'): BarArrays {
    const ov = this.overlays.get(st.profile.ticker);
    if (ov !== undefined) {
      if (ov.empty(day)) return EMPTY_DAY;
      const bad = ov.closedDayBar(day);
      if (bad !== undefined && this.cal.session(st.profile.market, day) === null) return this.closedDayBar(st, day, adjusted, unit, bad.index);
    }
    const split = st.profile.split;
    if (adjusted && split !== null && day < split.day) return adjustBars(this.baseDay(st, day, false, unit), split.ratio);
    if (unit === 'second') return secondsFromMinutes(this.baseDay(st, day, false, 'minute'), st.profile, day);
    const session = this.cal.session(st.profile.market, day);
    return session === null ? EMPTY_DAY : generateMinuteDay(st.profile, st.levels, session);
  }

  /** One bar on a day without a session: the previous session's `index`-th bar at the same time of day. */
  private closedDayBar(st: TickerState, day: number, adjusted: boolean, unit: 'minute' | 'second', index: number): BarArrays {
    let prev = day - 1;
    while (prev > day - 30 && this.cal.session(st.profile.market, prev) === null) prev--;
    const src = this.baseDay(st, prev, adjusted, unit);
    if (src.count === 0) return EMPTY_DAY;
    const i = Math.min(index, src.count - 1);
    const out = allocBars(1, src.vw !== null, src.n !== null);
    out.count = 1;
    copyBar(out, 0, src, i);
    out.t[0] = src.t[i]! + this.cal.dayStart(day) - this.cal.dayStart(prev);
    return out;
  }

  /** Daily bars of a calendar year, slot = day of year; `has[i]` is 0 for days without trading. */
  private dailyYear(st: TickerState, year: number, adjusted: boolean): { bars: BarArrays; has: Uint8Array; first: number } {
    const key = `D|${adjusted ? 1 : 0}|${st.profile.ticker}|${year}`;
    const hit = this.cache.get(key) as { bars: BarArrays; has: Uint8Array; first: number } | undefined;
    if (hit !== undefined) return hit;
    const first = Date.UTC(year, 0, 1) / DAY_MS;
    const len = Date.UTC(year + 1, 0, 1) / DAY_MS - first;
    const bars = allocBars(len, st.profile.market !== 'index', st.profile.market !== 'index');
    bars.count = len;
    const has = new Uint8Array(len);
    for (let i = 0; i < len; i++) if (this.dailyBarInto(st, first + i, adjusted, bars, i)) has[i] = 1;
    const entry = { bars, has, first };
    this.cache.set(key, entry, barsBytes(bars) + len);
    return entry;
  }

  /** One day's daily bar written into slot `i` of `bars` (from that day's minutes); false when the day has none. */
  private dailyBarInto(st: TickerState, day: number, adjusted: boolean, bars: BarArrays, i: number): boolean {
    const m = this.baseDay(st, day, adjusted, 'minute');
    if (m.count === 0) return false;
    const start = this.cal.dayStart(day);
    const keys = new Float64Array(m.count).fill(start);
    const a = aggregate(m, keys, () => start, vwDecimals(st.profile.market, m.o[0]!), st.profile.market === 'crypto' ? 4 : 0).bars;
    bars.t[i] = start;
    bars.o[i] = a.o[0]!;
    bars.h[i] = a.h[0]!;
    bars.l[i] = a.l[0]!;
    bars.c[i] = a.c[0]!;
    bars.v[i] = a.v[0]!;
    if (bars.vw && a.vw) bars.vw[i] = a.vw[0]!;
    if (bars.n && a.n) bars.n[i] = a.n[0]!;
    return true;
  }

  /**
   * The JSON of `ticker`'s daily bar on `day`, exactly as the per-ticker `1/day` endpoint serves it
   * (same numbers, bad bars included, stamped 00:00 New York), or null when it has none that day.
   * Grouped daily asks one day of many tickers: a cached year is reused, otherwise only that day's
   * minutes are generated (a whole year per ticker would cost 50 ms x thousands of tickers).
   */
  dailyBarJson(ticker: string, day: number, adjusted: boolean): string | null {
    const st = this.ticker(ticker);
    const year = new Date(day * DAY_MS).getUTCFullYear();
    const cached = this.cache.get(`D|${adjusted ? 1 : 0}|${ticker}|${year}`) as { bars: BarArrays; has: Uint8Array; first: number } | undefined;
    const daily = allocBars(1, st.profile.market !== 'index', st.profile.market !== 'index');
    if (cached !== undefined) {
      if (cached.has[day - cached.first] === 0) return null;
      copyBar(daily, 0, cached.bars, day - cached.first);
    } else if (!this.dailyBarInto(st, day, adjusted, daily, 0)) {
      return null;
    }
    daily.count = 1;
    // The same aggregation calendarChunk applies to a one-day bucket, so the numbers cannot drift.
    const start = this.cal.dayStart(day);
    const end = this.cal.dayStart(day + 1);
    let chunk = toChunk(aggregate(daily, new Float64Array(1).fill(start), () => end, vwDecimals(st.profile.market, daily.o[0]!), st.profile.market === 'crypto' ? 4 : 0));
    const ov = this.overlays.get(ticker);
    if (ov !== undefined) {
      const bad = ov.badBars(day).filter((b) => b.kind !== 'closed_day' && b.kind !== 'ts_out_of_range').map((b) => ({ kind: b.kind, index: 0 }));
      chunk = corruptChunk(chunk, bad);
    }
    return chunk.buf.toString('latin1', barStart(chunk, 0), chunk.ends[0]!);
  }

  /** Serialized bars of one New York day for an intraday timeframe (cached). */
  private intradayChunk(st: TickerState, tf: Timeframe, sizeMs: number, day: number, adjusted: boolean): Chunk {
    const split = st.profile.split;
    const adj = adjusted && split !== null && day < split.day ? 1 : 0;
    const key = `C|${adj}|${tf.label}|${st.profile.ticker}|${day}`;
    const hit = this.cache.get(key) as Chunk | undefined;
    if (hit !== undefined) return hit;
    const unit = tf.timespan === 'second' ? 'second' : 'minute';
    const base = this.baseDay(st, day, adjusted, unit);
    let chunk: Chunk;
    if (base.count === 0) {
      chunk = EMPTY_CHUNK;
    } else {
      const baseMs = unit === 'second' ? 1_000 : 60_000;
      const agg =
        sizeMs === baseMs
          ? identity(base, sizeMs)
          : aggregateIntraday(base, this.cal.dayStart(day), this.cal.dayStart(day + 1), sizeMs, vwDecimals(st.profile.market, base.o[0]!), st.profile.market === 'crypto' ? 4 : 0);
      chunk = toChunk(agg);
    }
    const ov = this.overlays.get(st.profile.ticker);
    if (ov !== undefined) chunk = corruptChunk(chunk, ov.badBars(day).filter((b) => b.kind !== 'closed_day' && b.kind !== 'ts_out_of_range'));
    this.cache.set(key, chunk, chunkBytes(chunk));
    return chunk;
  }

  /** First epoch day of the calendar bucket holding `day`, and the first day after it. */
  private bucketOf(tf: Timeframe, day: number): [number, number] {
    const k = tf.multiplier;
    switch (tf.timespan) {
      case 'day': {
        const s = Math.floor(day / k) * k;
        return [s, s + k];
      }
      case 'week': {
        // Weeks start on Sunday; 1970-01-04 (epoch day 3) was one.
        const s = 3 + Math.floor((day - 3) / (7 * k)) * 7 * k;
        return [s, s + 7 * k];
      }
      default: {
        const months = tf.timespan === 'month' ? k : tf.timespan === 'quarter' ? 3 * k : 12 * k;
        const d = new Date(day * DAY_MS);
        const mi = (d.getUTCFullYear() - 1970) * 12 + d.getUTCMonth();
        const s = Math.floor(mi / months) * months;
        const dayOfMonthIndex = (m: number): number => Date.UTC(1970 + Math.floor(m / 12), m % 12, 1) / DAY_MS;
        return [dayOfMonthIndex(s), dayOfMonthIndex(s + months)];
      }
    }
  }

  /** Day-or-longer bars for every bucket overlapping [startMs, endMs], built from daily bars. */
  private calendarChunk(st: TickerState, q: RangeQuery): Chunk {
    const firstDay = nyDayOf(q.startMs);
    const lastDay = nyDayOf(q.endMs);
    const buckets: Array<[number, number]> = [];
    for (let b = this.bucketOf(q.tf, firstDay); b[0] <= lastDay; b = this.bucketOf(q.tf, b[1])) buckets.push(b);
    if (buckets.length === 0) return EMPTY_CHUNK;
    const from = buckets[0]![0];
    const to = buckets[buckets.length - 1]![1];
    const daily = allocBars(to - from, st.profile.market !== 'index', st.profile.market !== 'index');
    const keys = new Float64Array(to - from);
    const ends = new Map<number, number>();
    let k = 0;
    let bi = 0;
    for (let day = from; day < to; day++) {
      while (day >= buckets[bi]![1]) bi++;
      const year = new Date(day * DAY_MS).getUTCFullYear();
      const y = this.dailyYear(st, year, q.adjusted);
      const i = day - y.first;
      if (y.has[i] === 0) continue;
      copyBar(daily, k, y.bars, i);
      const [bs, be] = buckets[bi]!;
      const startMs = this.cal.dayStart(bs);
      keys[k] = startMs;
      ends.set(startMs, this.cal.dayStart(be));
      k++;
    }
    daily.count = k;
    const agg = aggregate(daily, keys, (s) => ends.get(s)!, vwDecimals(st.profile.market, k > 0 ? daily.o[0]! : 1), st.profile.market === 'crypto' ? 4 : 0);
    const chunk = toChunk(agg);
    const ov = this.overlays.get(st.profile.ticker);
    if (ov === undefined || q.tf.timespan !== 'day' || q.tf.multiplier !== 1) return chunk;
    // Daily bars: the bad bars of each day apply to its one bar.
    const bad: BadBarAt[] = [];
    for (let i = 0; i < chunk.count; i++) {
      for (const b of ov.badBars(nyDayOf(chunk.t[i]!))) {
        if (b.kind !== 'closed_day' && b.kind !== 'ts_out_of_range') bad.push({ kind: b.kind, index: i });
      }
    }
    return corruptChunk(chunk, bad);
  }

  /**
   * The configured out-of-range bar of a request (the first `ts_out_of_range` bar on its days), as
   * JSON stamped at the first bucket after the request's end; null when there is none.
   */
  private outOfRangeBar(q: RangeQuery): string | null {
    const ov = this.overlays.get(q.ticker);
    const hit = ov?.outOfRange(nyDayOf(q.startMs), nyDayOf(q.endMs))[0];
    if (hit === undefined) return null;
    const st = this.ticker(q.ticker);
    const sizeMs = intradayBarMs(q.tf);
    const dayQ = { ...q, startMs: this.cal.dayStart(hit.day), endMs: this.cal.dayStart(hit.day + 1) - 1 };
    const chunk = sizeMs === null ? this.calendarChunk(st, dayQ) : this.intradayChunk(st, q.tf, sizeMs, hit.day, q.adjusted);
    return chunk.count === 0 ? null : movedBar(chunk, hit.index, q.endMs + 1);
  }

  /** Chunks covering the query, in time order (or reverse). */
  private *segments(q: RangeQuery, reverse: boolean): Generator<Chunk> {
    const st = this.ticker(q.ticker);
    const sizeMs = intradayBarMs(q.tf);
    if (sizeMs === null) {
      yield this.calendarChunk(st, q);
      return;
    }
    const first = nyDayOf(q.startMs);
    const last = nyDayOf(q.endMs);
    if (reverse) {
      for (let d = last; d >= first; d--) yield this.intradayChunk(st, q.tf, sizeMs, d, q.adjusted);
    } else {
      for (let d = first; d <= last; d++) yield this.intradayChunk(st, q.tf, sizeMs, d, q.adjusted);
    }
  }

  /**
   * One response's worth of bars with Polygon's `limit` semantics: bars are added while the base bars
   * they use fit in `limit` (at least one bar per page, so a page always makes progress).
   */
  /**
   * Builds (and caches) the chunk of one day ahead of need, so a client walking forward through a
   * range finds its next window ready. Returns false for timeframes that are not per-day.
   */
  prefetchDay(q: { ticker: string; tf: Timeframe; adjusted: boolean }, day: number): boolean {
    const sizeMs = intradayBarMs(q.tf);
    if (sizeMs === null) return false;
    this.intradayChunk(this.ticker(q.ticker), q.tf, sizeMs, day, q.adjusted);
    return true;
  }

  page(q: PageQuery): PageSlice {
    const parts: Buffer[] = [];
    let count = 0;
    let baseUsed = 0;
    let next: number | null = null;
    const full = (b: number): boolean => count > 0 && (baseUsed + b > q.limit || count >= q.maxResults);
    if (q.sort === 'asc') {
      outer: for (const ch of this.segments(q, false)) {
        const i0 = firstEndingAfter(ch, q.startMs);
        const iEnd = firstStartingAfter(ch, q.endMs);
        let i = i0;
        for (; i < iEnd; i++) {
          const b = ch.base[i]!;
          if (full(b)) {
            next = ch.t[i]!;
            break;
          }
          baseUsed += b;
          count++;
        }
        if (i > i0) parts.push(ch.buf.subarray(barStart(ch, i0), ch.ends[i - 1]!));
        if (next !== null) break outer;
      }
      const extra = next === null ? this.outOfRangeBar(q) : null;
      if (extra !== null) {
        parts.push(Buffer.from(extra, 'latin1'));
        count++;
      }
    } else {
      outer: for (const ch of this.segments(q, true)) {
        const i0 = firstEndingAfter(ch, q.startMs);
        for (let i = firstStartingAfter(ch, q.endMs) - 1; i >= i0; i--) {
          const b = ch.base[i]!;
          if (full(b)) {
            next = ch.t[i]!;
            break outer;
          }
          baseUsed += b;
          count++;
          parts.push(ch.buf.subarray(barStart(ch, i), ch.ends[i]!));
        }
      }
    }
    return { parts, count, baseUsed, next };
  }

  /** Every bar of the range, ascending, parsed from the very JSON the server sends. */
  bars(q: RangeQuery): Bar[] {
    const parts: string[] = [];
    for (const ch of this.segments(q, false)) {
      const i0 = firstEndingAfter(ch, q.startMs);
      const iEnd = firstStartingAfter(ch, q.endMs);
      if (iEnd > i0) parts.push(ch.buf.toString('latin1', barStart(ch, i0), ch.ends[iEnd - 1]!));
    }
    const extra = this.outOfRangeBar(q);
    if (extra !== null) parts.push(extra);
    const raw = JSON.parse(`[${parts.join(',')}]`) as Array<Record<string, number | undefined>>;
    return raw.map((r) => ({ t: r.t!, o: r.o!, h: r.h!, l: r.l!, c: r.c!, v: r.v!, vw: r.vw ?? null, n: r.n ?? null }));
  }

  count(q: RangeQuery): number {
    let n = 0;
    for (const ch of this.segments(q, false)) {
      n += Math.max(0, firstStartingAfter(ch, q.endMs) - firstEndingAfter(ch, q.startMs));
    }
    return n + (this.outOfRangeBar(q) === null ? 0 : 1);
  }
}
