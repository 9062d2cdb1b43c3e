import { nyDayStartMs, parseDateToDay } from '../polygon/time.js';
import { parseTimeframe, type Timeframe } from '../polygon/timeframes.js';
import type { Bar } from '../polygon/types.js';
import { BarSource, type RangeQuery } from './source.js';

function rangeOf(ticker: string, timeframe: Timeframe | string, from: string, to: string, adjusted: boolean): RangeQuery {
  const tf = typeof timeframe === 'string' ? parseTimeframe(timeframe) : timeframe;
  const fromDay = parseDateToDay(from);
  const toDay = parseDateToDay(to);
  if (fromDay === null || toDay === null) throw new RangeError(`expectedBars: dates must be YYYY-MM-DD (got ${from}, ${to})`);
  return { ticker, tf, startMs: nyDayStartMs(fromDay), endMs: nyDayStartMs(toDay + 1) - 1, adjusted };
}

const defaultSource = (): BarSource => new BarSource({ cacheBytes: 64 * 1024 * 1024 });

/**
 * Exactly the bars the simulator serves for the New York dates [from, to] (bars snapped outward, as in
 * a request with those dates), ascending. Pass a `source` to reuse its cache across calls.
 */
export function expectedBars(
  ticker: string,
  timeframe: Timeframe | string,
  from: string,
  to: string,
  adjusted: boolean,
  source: BarSource = defaultSource(),
): Bar[] {
  return source.bars(rangeOf(ticker, timeframe, from, to, adjusted));
}

/** The number of bars expectedBars would return, without building them. */
export function expectedBarCount(...[ticker, timeframe, from, to, adjusted, source = defaultSource()]: Parameters<typeof expectedBars>): number {
  return source.count(rangeOf(ticker, timeframe, from, to, adjusted));
}
