// The shared bar set of the ceiling runs: exactly the pages the product fetches for its job (same
// windows, same bars), read once from the simulator through the product's own Polygon client before
// anything is timed, which also warms the simulator's page cache. Kept columnar (Float64Arrays, about
// 64 bytes a bar) so that millions of bars fit without millions of objects; a page is turned into
// the product's BarRow objects only when it is written, inside the timed region (as JSON.parse does
// in the product).
import { PolygonClient, parseTimeframe } from '../src/polygon/index.js';
import type { BarRow } from '../src/db/copy-binary.js';
import { hrMs } from './stats.js';

export interface ColumnPage {
  series: number;
  length: number;
  t: Float64Array;
  o: Float64Array;
  h: Float64Array;
  l: Float64Array;
  c: Float64Array;
  v: Float64Array;
  /** NaN encodes a missing vw / n. */
  vw: Float64Array;
  n: Float64Array;
}

export interface SeriesKey {
  symbol: string;
  timeframe: string;
}

export interface Dataset {
  series: SeriesKey[];
  pages: ColumnPage[];
  totalBars: number;
  /** The warm-up pass: HTTP + JSON.parse + validation on one thread, through the product's client. */
  fetch: { ms: number; requests: number; bytes: number; barsPerSec: number };
}

function toColumns(series: number, bars: readonly BarRow[]): ColumnPage {
  const n = bars.length;
  const p: ColumnPage = {
    series,
    length: n,
    t: new Float64Array(n),
    o: new Float64Array(n),
    h: new Float64Array(n),
    l: new Float64Array(n),
    c: new Float64Array(n),
    v: new Float64Array(n),
    vw: new Float64Array(n),
    n: new Float64Array(n),
  };
  for (let i = 0; i < n; i++) {
    const b = bars[i]!;
    p.t[i] = b.t;
    p.o[i] = b.o;
    p.h[i] = b.h;
    p.l[i] = b.l;
    p.c[i] = b.c;
    p.v[i] = b.v;
    p.vw[i] = b.vw ?? NaN;
    p.n[i] = b.n ?? NaN;
  }
  return p;
}

/** The page as the product's parser would hand it over: one object per bar, one hidden class. */
export function pageRows(p: ColumnPage): BarRow[] {
  const out: BarRow[] = new Array(p.length);
  for (let i = 0; i < p.length; i++) {
    const vw = p.vw[i]!;
    const n = p.n[i]!;
    out[i] = { t: p.t[i]!, o: p.o[i]!, h: p.h[i]!, l: p.l[i]!, c: p.c[i]!, v: p.v[i]!, vw: vw === vw ? vw : null, n: n === n ? n : null };
  }
  return out;
}

export interface FetchSpec {
  baseUrl: string;
  apiKey: string;
  symbols: readonly string[];
  timeframes: readonly string[];
  from: string;
  to: string;
  adjusted: boolean;
  /** Parallel fetches (the warm-up is not a figure, only a reference). */
  parallel?: number;
}

/** Reads every page of the job from the simulator, in job order (symbol-major, like unit numbers). */
export async function loadDataset(spec: FetchSpec): Promise<Dataset> {
  let requests = 0;
  let bytes = 0;
  const client = new PolygonClient({ baseUrl: spec.baseUrl, apiKey: spec.apiKey, verifyEmptyTicker: false, onRequest: (i) => ((requests += 1), (bytes += i.bytes)) });
  const series: SeriesKey[] = [];
  for (const symbol of spec.symbols) for (const timeframe of spec.timeframes) series.push({ symbol, timeframe });
  const perSeries: ColumnPage[][] = new Array(series.length);
  let next = 0;
  let totalBars = 0;
  const t0 = hrMs();
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= series.length) return;
      const s = series[i]!;
      const pages: ColumnPage[] = [];
      for await (const page of client.pages({ ticker: s.symbol, timeframe: parseTimeframe(s.timeframe), from: spec.from, to: spec.to, adjusted: spec.adjusted })) {
        if (page.bars.length === 0) continue;
        pages.push(toColumns(i, page.bars));
        totalBars += page.bars.length;
      }
      perSeries[i] = pages;
    }
  };
  try {
    await Promise.all(Array.from({ length: spec.parallel ?? 1 }, worker));
  } finally {
    client.close();
  }
  const ms = hrMs() - t0;
  return { series, pages: perSeries.flat(), totalBars, fetch: { ms, requests, bytes, barsPerSec: (totalBars / ms) * 1000 } };
}

/**
 * Requests every page of a job once and throws the bars away, so that the simulator has them in its
 * cache before the job is timed. (Daily and weekly bars cost the simulator about 90 ms per new
 * ticker-year on first request: it builds the year from minute days.)
 */
export async function warmSimulator(spec: FetchSpec): Promise<{ ms: number; requests: number; series: number }> {
  let requests = 0;
  const client = new PolygonClient({ baseUrl: spec.baseUrl, apiKey: spec.apiKey, verifyEmptyTicker: false, onRequest: () => (requests += 1) });
  const series: SeriesKey[] = [];
  for (const symbol of spec.symbols) for (const timeframe of spec.timeframes) series.push({ symbol, timeframe });
  let next = 0;
  const t0 = hrMs();
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= series.length) return;
      const s = series[i]!;
      for await (const page of client.pages({ ticker: s.symbol, timeframe: parseTimeframe(s.timeframe), from: spec.from, to: spec.to, adjusted: spec.adjusted })) {
        void page;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: spec.parallel ?? 4 }, worker));
  } finally {
    client.close();
  }
  return { ms: hrMs() - t0, requests, series: series.length };
}
