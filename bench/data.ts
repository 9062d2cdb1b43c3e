// The shared bar set of the ceiling runs: exactly the pages the product fetches for its job (same
// windows, same bars), read once from the simulator through the product's own Polygon client before
// anything is timed, which also warms the simulator's page cache. Kept as the product's columns
// (Float64Arrays, about 64 bytes a bar), which is also what its page writer takes.
import { allocColumns, BAR_FIELDS, type BarColumns } from '../src/polygon/bar-columns.js';
import { PolygonClient, parseTimeframe } from '../src/polygon/index.js';
import { hrMs } from './stats.js';

/** One page of one series (its index in Dataset.series), as columns. */
export type ColumnPage = BarColumns & { series: number };

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

/** The page's bars in columns of their own, exactly their size (the parser's may be views of a larger buffer). */
function toColumns(series: number, bars: BarColumns): ColumnPage {
  const p: ColumnPage = { ...allocColumns(bars.count), series };
  for (const f of BAR_FIELDS) p[f].set(bars[f]);
  return p;
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

/**
 * Every page of every series of the job, `parallel` series at a time; `onPage` gets the series'
 * index (job order: symbol-major, like unit numbers). Counts requests and bytes.
 */
async function eachPage(spec: FetchSpec, parallel: number, onPage: (series: number, bars: BarColumns) => void) {
  let requests = 0;
  let bytes = 0;
  const client = new PolygonClient({ baseUrl: spec.baseUrl, apiKey: spec.apiKey, verifyEmptyTicker: false, onRequest: (i) => ((requests += 1), (bytes += i.bytes)) });
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
        onPage(i, page.bars);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: parallel }, worker));
  } finally {
    client.close();
  }
  return { series, ms: hrMs() - t0, requests, bytes };
}

/** Reads every page of the job from the simulator, in job order (symbol-major, like unit numbers). */
export async function loadDataset(spec: FetchSpec): Promise<Dataset> {
  const perSeries: ColumnPage[][] = [];
  let totalBars = 0;
  const read = await eachPage(spec, spec.parallel ?? 1, (i, bars) => {
    if (bars.count === 0) return;
    (perSeries[i] ??= []).push(toColumns(i, bars));
    totalBars += bars.count;
  });
  const pages = read.series.flatMap((_, i) => perSeries[i] ?? []);
  return { series: read.series, pages, totalBars, fetch: { ms: read.ms, requests: read.requests, bytes: read.bytes, barsPerSec: (totalBars / read.ms) * 1000 } };
}

/**
 * Requests every page of a job once and throws the bars away, so that the simulator has them in its
 * cache before the job is timed. (Daily and weekly bars cost the simulator about 90 ms per new
 * ticker-year on first request: it builds the year from minute days.)
 */
export async function warmSimulator(spec: FetchSpec): Promise<{ ms: number; requests: number; series: number }> {
  const read = await eachPage(spec, spec.parallel ?? 4, () => {});
  return { ms: read.ms, requests: read.requests, series: read.series.length };
}
