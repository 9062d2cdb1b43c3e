import { InvalidTimeframeError } from './errors.js';

export type Timespan = 'second' | 'minute' | 'hour' | 'day' | 'week' | 'month' | 'quarter' | 'year';

export interface Timeframe {
  /** Canonical product label: `5m`, `1h`, `1d`, `1w`, `1mo`. */
  label: string;
  multiplier: number;
  timespan: Timespan;
}

/** The timeframes the product offers by name; any other `N<unit>` is accepted too. */
export const SUPPORTED_TIMEFRAMES: readonly string[] = Object.freeze(['1m', '5m', '15m', '30m', '1h', '4h', '1d', '1w', '1mo']);

const UNIT_TO_TIMESPAN: Readonly<Record<string, Timespan>> = Object.freeze({
  s: 'second',
  m: 'minute',
  h: 'hour',
  d: 'day',
  w: 'week',
  mo: 'month',
  q: 'quarter',
  y: 'year',
});

const TIMESPAN_TO_UNIT: Readonly<Record<Timespan, string>> = Object.freeze({
  second: 's',
  minute: 'm',
  hour: 'h',
  day: 'd',
  week: 'w',
  month: 'mo',
  quarter: 'q',
  year: 'y',
});

/** Large enough for any sensible bar, small enough that window arithmetic stays exact. */
export const MAX_MULTIPLIER = 100_000;

// Lower case only: `1M` would be ambiguous between minute and month.
const LABEL_RE = /^([1-9][0-9]*)(mo|s|m|h|d|w|q|y)$/;

const ACCEPTED =
  'expected <N><unit> with N a positive integer and unit one of s (second), m (minute), h (hour), ' +
  `d (day), w (week), mo (month), q (quarter), y (year); for example ${SUPPORTED_TIMEFRAMES.join(' ')}`;

export function parseTimeframe(label: string): Timeframe {
  const m = typeof label === 'string' ? LABEL_RE.exec(label) : null;
  if (!m) {
    throw new InvalidTimeframeError(String(label), `Invalid timeframe ${JSON.stringify(label)}: ${ACCEPTED}`);
  }
  const multiplier = Number(m[1]);
  if (!Number.isSafeInteger(multiplier) || multiplier > MAX_MULTIPLIER) {
    throw new InvalidTimeframeError(label, `Invalid timeframe ${JSON.stringify(label)}: N must be at most ${MAX_MULTIPLIER}; ${ACCEPTED}`);
  }
  return { label, multiplier, timespan: UNIT_TO_TIMESPAN[m[2]!]! };
}

export function isValidTimeframe(label: string): boolean {
  try {
    parseTimeframe(label);
    return true;
  } catch {
    return false;
  }
}

/** Builds the Timeframe for Polygon's own (multiplier, timespan) pair. */
export function timeframeOf(multiplier: number, timespan: Timespan): Timeframe {
  const unit = TIMESPAN_TO_UNIT[timespan];
  if (unit === undefined) throw new InvalidTimeframeError(String(timespan), `Invalid timespan ${JSON.stringify(timespan)}`);
  return parseTimeframe(`${multiplier}${unit}`);
}

export function isTimespan(s: string): s is Timespan {
  return Object.prototype.hasOwnProperty.call(TIMESPAN_TO_UNIT, s);
}

/** The bars Polygon's `limit` counts for this timeframe. */
export type BaseTimespan = 'second' | 'minute' | 'day';

export function baseTimespan(tf: Timeframe): BaseTimespan {
  switch (tf.timespan) {
    case 'second':
      return 'second';
    case 'minute':
    case 'hour':
      return 'minute';
    default:
      return 'day';
  }
}

/** Duration of one base bar in ms (a day counts as 25 h, the longest ET day). */
export function baseBarMs(base: BaseTimespan): number {
  return base === 'second' ? 1_000 : base === 'minute' ? 60_000 : 25 * 3_600_000;
}

/**
 * Upper bound of base bars inside one bar of `tf` (months as 31 days, quarters 92, years 366), used
 * to keep a request's snapped-outward range within `limit`.
 */
export function maxBaseBarsPerBar(tf: Timeframe): number {
  const k = tf.multiplier;
  switch (tf.timespan) {
    case 'second':
    case 'minute':
    case 'day':
      return k;
    case 'hour':
      return 60 * k;
    case 'week':
      return 7 * k;
    case 'month':
      return 31 * k;
    case 'quarter':
      return 92 * k;
    case 'year':
      return 366 * k;
  }
}

/** Length of an intraday bar in ms; null for day and longer (calendar-based). */
export function intradayBarMs(tf: Timeframe): number | null {
  switch (tf.timespan) {
    case 'second':
      return tf.multiplier * 1_000;
    case 'minute':
      return tf.multiplier * 60_000;
    case 'hour':
      return tf.multiplier * 3_600_000;
    default:
      return null;
  }
}
