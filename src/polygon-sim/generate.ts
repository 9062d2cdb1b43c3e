import { allocBars, type BarArrays, roundTo } from './bars.js';
import type { DaySession, Market } from './calendar.js';
import { mix, Rng } from './prng.js';
import { levelAt, type TickerProfile } from './profile.js';

export function priceDecimals(market: Market, price: number): number {
  switch (market) {
    case 'stock':
      return price >= 1 ? 2 : 4;
    case 'index':
      return 2;
    case 'forex':
      return 5;
    case 'crypto':
      return price >= 1_000 ? 2 : price >= 1 ? 4 : 6;
  }
}

/** VWAP decimals: 4, or 6 for sub-dollar crypto and forex. */
export function vwDecimals(market: Market, price: number): number {
  return market === 'stock' || market === 'index' || price >= 1 ? 4 : 6;
}

const MISSING_EXTENDED = 0.25;
const MISSING_REGULAR = 0.003;

/**
 * The raw (unadjusted) minute bars of one trading day: a random walk bridged from the previous day's
 * close level (plus an overnight gap) to this day's, so days are independent to generate yet join up.
 * A fixed number of random draws per minute keeps the stream stable whatever is skipped; a minute
 * without trades (deterministic, mostly in extended hours) has no bar but the price still moves.
 */
export function generateMinuteDay(p: TickerProfile, levels: Float64Array, s: DaySession): BarArrays {
  const N = Math.round((s.close - s.open) / 60_000);
  const rng = new Rng(mix(p.seed, s.day));
  const ratio = p.split !== null && s.day < p.split.day ? p.split.ratio : 1;
  const logRatio = Math.log(ratio);
  const startLog = levelAt(levels, s.day - 1) + logRatio + p.dailyVol * 0.3 * rng.normal();
  const endLog = levelAt(levels, s.day) + logRatio;
  const market = p.market;
  const dec = priceDecimals(market, Math.exp(startLog));
  const vwDec = vwDecimals(market, Math.exp(startLog));
  // Rounding inlined (x * p rounded, / p): this loop runs for every simulated minute.
  const pp = 10 ** dec;
  const pv = 10 ** vwDec;
  const isStock = market === 'stock';
  const extWeight = isStock ? 0.35 : 1;

  let nReg = 0;
  for (let i = 0, t = s.open; i < N; i++, t += 60_000) if (t >= s.regOpen && t < s.regClose) nReg++;
  const sigmaReg = p.dailyVol / Math.sqrt(nReg + (N - nReg) * extWeight * extWeight);
  const sigmaExt = sigmaReg * extWeight;

  const steps = new Float64Array(N);
  let sum = 0;
  for (let i = 0, t = s.open; i < N; i++, t += 60_000) {
    const z = (t >= s.regOpen && t < s.regClose ? sigmaReg : sigmaExt) * rng.normal();
    steps[i] = z;
    sum += z;
  }
  const drift = (endLog - startLog - sum) / N;

  const withExtras = market !== 'index';
  const out = allocBars(N, withExtras, withExtras);
  const { t: T, o: O, h: H, l: L, c: C, v: V } = out;
  const VW = out.vw;
  const NN = out.n;
  const regMinutes = (s.regClose - s.regOpen) / 60_000;
  const volUnit = p.minuteVolume / ratio;
  let x = startLog;
  let prev = Math.exp(x);
  let k = 0;
  for (let i = 0, t = s.open; i < N; i++, t += 60_000) {
    x += steps[i]! + drift;
    const close = Math.exp(x);
    const open = prev;
    prev = close;
    const regular = t >= s.regOpen && t < s.regClose;
    const sigma = regular ? sigmaReg : sigmaExt;
    const u1 = rng.next();
    const u2 = rng.next();
    const u3 = rng.next();
    const u4 = rng.normal();
    const u5 = rng.next();
    const u6 = rng.next();
    // The opening and closing auction minutes always trade.
    const auction = t === s.regOpen || t === s.regClose - 60_000;
    if (market !== 'index' && !auction && u3 < (isStock ? (regular ? MISSING_REGULAR : MISSING_EXTENDED) : 0.02)) continue;

    const o = Math.round(open * pp) / pp;
    const c = Math.round(close * pp) / pp;
    const hi = Math.round((open > close ? open : close) * (1 + u1 * sigma * 0.8) * pp) / pp;
    const lo = Math.round((open < close ? open : close) * (1 - u2 * sigma * 0.8) * pp) / pp;
    const h = hi > o ? (hi > c ? hi : c) : o > c ? o : c;
    const l = lo < o ? (lo < c ? lo : c) : o < c ? o : c;
    T[k] = t;
    O[k] = o;
    H[k] = h;
    L[k] = l;
    C[k] = c;
    if (VW === null || NN === null) {
      V[k] = 0;
    } else {
      let shape = 1;
      if (isStock) {
        if (regular) {
          const m = (t - s.regOpen) / 60_000;
          shape = 1 + 2.5 * Math.exp(-m / 15) + 1.8 * Math.exp(-(regMinutes - 1 - m) / 20);
        } else {
          shape = 0.05;
        }
      }
      const vol = volUnit * shape * Math.exp(0.6 * u4);
      const v = market === 'crypto' ? roundTo(vol, 4) || 0.0001 : Math.max(1, Math.round(vol));
      V[k] = v;
      const vw = Math.round((l + (h - l) * (0.3 + 0.4 * u5)) * pv) / pv;
      VW[k] = vw < l ? l : vw > h ? h : vw;
      NN[k] = Math.max(1, Math.round(((v * ratio) / p.tradeSize) * (0.7 + 0.6 * u6)));
    }
    k++;
  }
  out.count = k;
  return out;
}

/** Split-adjusts a raw day: prices divided by the ratio (to 4 decimals), volume multiplied. */
export function adjustBars(raw: BarArrays, ratio: number): BarArrays {
  const n = raw.count;
  const out = allocBars(n, raw.vw !== null, raw.n !== null);
  out.count = n;
  for (let i = 0; i < n; i++) {
    out.t[i] = raw.t[i]!;
    const o = roundTo(raw.o[i]! / ratio, 4);
    const c = roundTo(raw.c[i]! / ratio, 4);
    const h = roundTo(raw.h[i]! / ratio, 4);
    const l = roundTo(raw.l[i]! / ratio, 4);
    out.o[i] = o;
    out.c[i] = c;
    out.h[i] = h;
    out.l[i] = l;
    out.v[i] = raw.v[i]! * ratio;
    if (out.vw && raw.vw) out.vw[i] = Math.min(h, Math.max(l, roundTo(raw.vw[i]! / ratio, 4)));
    if (out.n && raw.n) out.n[i] = raw.n[i]!;
  }
  return out;
}

/**
 * Second bars of a day, derived from its minute bars so they agree on open, close, high and low: each
 * traded minute gets a deterministic set of traded seconds (first and last always), a path from the
 * minute's open to its close inside its range, and the minute's high and low on one second each.
 */
export function secondsFromMinutes(m: BarArrays, p: TickerProfile, day: number): BarArrays {
  const rng = new Rng(mix(p.seed ^ 0x5ec0, day));
  const tmp = allocBars(m.count * 60, m.vw !== null, m.n !== null);
  const integerVolume = p.market !== 'crypto';
  const secs: number[] = [];
  let k = 0;
  for (let i = 0; i < m.count; i++) {
    const o = m.o[i]!;
    const h = m.h[i]!;
    const l = m.l[i]!;
    const c = m.c[i]!;
    const v = m.v[i]!;
    const n = m.n ? m.n[i]! : null;
    const dec = priceDecimals(p.market, o);
    const q = n === null ? 0.9 : Math.min(1, n / 60);
    secs.length = 0;
    secs.push(0);
    for (let s = 1; s < 59; s++) if (rng.next() < q) secs.push(s);
    secs.push(59);
    const maxK = integerVolume && v > 0 ? Math.max(1, Math.floor(v)) : 60;
    while (secs.length > maxK) secs.splice(1 + Math.floor(rng.next() * (secs.length - 1)), 1);
    const K = secs.length;
    const hiIdx = Math.floor(rng.next() * K);
    const loIdx = Math.floor(rng.next() * K);
    let wsum = 0;
    const w0 = k;
    for (let j = 0; j < K; j++) {
      const w = 0.2 + rng.next();
      tmp.v[k + j] = w; // weights for now, volumes below
      wsum += w;
    }
    let prev = o;
    let vLeft = v;
    let nLeft = n === null ? 0 : Math.max(n, K);
    for (let j = 0; j < K; j++) {
      const last = j === K - 1;
      const target = o + ((c - o) * (j + 1)) / K + (h - l) * 0.3 * rng.normal();
      const close = last ? c : Math.min(h, Math.max(l, roundTo(target, dec)));
      const open = prev;
      prev = close;
      const hi = j === hiIdx ? h : Math.max(open, close);
      const lo = j === loIdx ? l : Math.min(open, close);
      const w = tmp.v[w0 + j]! / wsum;
      let vol: number;
      if (v === 0) vol = 0;
      else if (integerVolume) vol = last ? vLeft : Math.min(vLeft - (K - 1 - j), 1 + Math.floor((v - K) * w));
      else vol = last ? Math.max(0.0001, roundTo(vLeft, 4)) : Math.max(0.0001, roundTo(v * w, 4));
      vLeft -= vol;
      tmp.t[k] = m.t[i]! + secs[j]! * 1000;
      tmp.o[k] = open;
      tmp.h[k] = hi;
      tmp.l[k] = lo;
      tmp.c[k] = close;
      tmp.v[k] = vol;
      if (tmp.vw) tmp.vw[k] = Math.min(hi, Math.max(lo, roundTo((open + close + hi + lo) / 4, vwDecimals(p.market, o))));
      if (tmp.n && n !== null) {
        const cnt = last ? nLeft : Math.min(nLeft - (K - 1 - j), 1 + Math.floor((Math.max(n, K) - K) * w));
        tmp.n[k] = cnt;
        nLeft -= cnt;
      }
      k++;
    }
  }
  const out = allocBars(k, tmp.vw !== null, tmp.n !== null);
  out.count = k;
  out.t.set(tmp.t.subarray(0, k));
  out.o.set(tmp.o.subarray(0, k));
  out.h.set(tmp.h.subarray(0, k));
  out.l.set(tmp.l.subarray(0, k));
  out.c.set(tmp.c.subarray(0, k));
  out.v.set(tmp.v.subarray(0, k));
  if (out.vw && tmp.vw) out.vw.set(tmp.vw.subarray(0, k));
  if (out.n && tmp.n) out.n.set(tmp.n.subarray(0, k));
  return out;
}
