import { dayToDate, parseDateToDay } from '../polygon/time.js';
import { marketOf, type Market } from './calendar.js';
import { hashString, mix, Rng } from './prng.js';

/** Everything about a ticker's synthetic series that follows from its name alone. */
export interface TickerProfile {
  ticker: string;
  seed: number;
  market: Market;
  /** Typical adjusted price the walk reverts to. */
  basePrice: number;
  /** Daily log-return volatility. */
  dailyVol: number;
  /** Mean volume of a regular-session minute. */
  minuteVolume: number;
  /** Mean shares (units) per trade, for `n`. */
  tradeSize: number;
  /** Raw prices before `day` are `ratio` times the adjusted ones (a forward split on that day). */
  split: { day: number; ratio: number } | null;
}

const SPLIT_FIRST = parseDateToDay('2015-01-01')!;
const SPLIT_LAST = parseDateToDay('2025-06-30')!;
const RATIOS = [2, 3, 4, 5, 10] as const;

export function tickerProfile(ticker: string): TickerProfile {
  const seed = hashString(ticker);
  const market = marketOf(ticker);
  const r = new Rng(mix(seed, 0x51ed));
  const logUniform = (lo: number, hi: number): number => Math.exp(Math.log(lo) + r.next() * (Math.log(hi) - Math.log(lo)));
  switch (market) {
    case 'crypto':
      return { ticker, seed, market, basePrice: logUniform(0.5, 60_000), dailyVol: 0.035, minuteVolume: logUniform(5, 500), tradeSize: 0.5, split: null };
    case 'forex':
      return { ticker, seed, market, basePrice: logUniform(0.6, 150), dailyVol: 0.005, minuteVolume: logUniform(50, 400), tradeSize: 1, split: null };
    case 'index':
      return { ticker, seed, market, basePrice: logUniform(1_000, 20_000), dailyVol: 0.011, minuteVolume: 0, tradeSize: 1, split: null };
    case 'stock': {
      const basePrice = logUniform(15, 400);
      const dailyVol = 0.012 + r.next() * 0.018;
      const minuteVolume = logUniform(2_000, 200_000);
      const day = SPLIT_FIRST + Math.floor(r.next() * (SPLIT_LAST - SPLIT_FIRST));
      const ratio = RATIOS[Math.floor(r.next() * RATIOS.length)]!;
      return { ticker, seed, market, basePrice, dailyVol, minuteVolume, tradeSize: 60 + r.next() * 200, split: { day, ratio } };
    }
  }
}

/** The simulated split of a ticker (stocks have exactly one, between 2015 and mid-2025), for tests. */
export function simSplitFor(ticker: string): { date: string; ratio: number } | null {
  const s = tickerProfile(ticker).split;
  return s ? { date: dayToDate(s.day), ratio: s.ratio } : null;
}

/** The walk's calendar span; days outside it reuse the edge levels. */
export const LEVEL_FIRST_DAY = parseDateToDay('1990-01-01')!;
export const LEVEL_LAST_DAY = parseDateToDay('2040-12-31')!;

/**
 * Log of the adjusted closing level for every calendar day of the span: a mean-reverting random walk
 * (so seventy years of drift stay in a plausible price band). Computed once per ticker, ~150 KB.
 */
export function closeLevels(p: TickerProfile): Float64Array {
  const n = LEVEL_LAST_DAY - LEVEL_FIRST_DAY + 1;
  const out = new Float64Array(n);
  const r = new Rng(mix(p.seed, 0x1e7e1));
  const x0 = Math.log(p.basePrice);
  let x = x0 + r.normal() * 0.3;
  for (let i = 0; i < n; i++) {
    x += 0.0002 + p.dailyVol * r.normal() - 0.002 * (x - x0);
    out[i] = x;
  }
  return out;
}

export function levelAt(levels: Float64Array, day: number): number {
  const i = Math.min(Math.max(day - LEVEL_FIRST_DAY, 0), levels.length - 1);
  return levels[i]!;
}
