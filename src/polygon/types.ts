import type { BarColumns } from './bar-columns.js';
import type { Timeframe } from './timeframes.js';

/**
 * One OHLCV bar as Polygon sends it. `t` is the bar's start, Unix ms UTC. Pages carry bars as
 * columns (BarColumns); objects are for the simulator, grouped daily and tests.
 */
export interface Bar {
  t: number;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
  /** VWAP; Polygon omits it for some instruments and bars. */
  vw: number | null;
  /** Number of trades; may be omitted too. */
  n: number | null;
}

export interface AggsQuery {
  /** Case-sensitive, e.g. `AAPL`, `X:BTCUSD`. */
  ticker: string;
  timeframe: Timeframe;
  /** YYYY-MM-DD, a date in America/New_York. */
  from: string;
  /** YYYY-MM-DD inclusive. */
  to: string;
  /** Split-adjusted (true) or raw (false): two distinct series. */
  adjusted: boolean;
  /**
   * Only these New York date runs (epoch days, ascending, disjoint, within from..to) are fetched:
   * what the coverage ledger does not hold (reprocess "missing", src/planner/runs.ts). Absent: the
   * whole range. An empty list fetches nothing.
   */
  runs?: readonly { fromDay: number; toDay: number }[];
}

/**
 * Where to resume: JSON-serialisable, small, stored in Postgres per unit after each committed page.
 * `afterTs` is the start time of the last bar already delivered; a resumed iteration yields only
 * bars with `t > afterTs`. null means "from the beginning".
 */
export type ResumeCursor = { afterTs: number } | null;

export interface Page {
  /** Ascending, strictly after the previous page's bars; may be empty (a holiday, a weekend window). */
  bars: BarColumns;
  /** The resume point once this page is committed; unchanged from the previous page when `bars` is empty. */
  cursor: ResumeCursor;
  /** Wall time of the HTTP request that produced the page, body included. */
  requestMs: number;
  /** Response body size in bytes. */
  bytes: number;
  /**
   * The New York dates (epoch days) this page proves fetched, inclusive: from its window's start (or
   * the previous page's last bar) through its last bar, or through the window's last whole day when
   * it is the window's last page.
   * null when it proves nothing (an empty page that more pages of the window follow).
   */
  covers: { fromDay: number; toDay: number } | null;
}
