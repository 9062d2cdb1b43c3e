import { allocBars, type BarArrays, copyBar, roundTo } from './bars.js';

/** Aggregated bars plus, per bar, the base bars it used (Polygon's `limit` unit) and its bucket end. */
export interface Aggregated {
  bars: BarArrays;
  base: Uint32Array;
  tEnd: Float64Array;
}

/**
 * Groups consecutive source bars by `bucketStart[i]` (non-decreasing) into OHLCV bars stamped at the
 * bucket start. VWAP is volume-weighted over the members; volume sums are re-rounded so float noise
 * never reaches the JSON.
 */
export function aggregate(
  src: BarArrays,
  bucketStart: Float64Array,
  bucketEndOf: (start: number) => number,
  vwDec: number,
  volDec: number,
): Aggregated {
  const n = src.count;
  const out = allocBars(n, src.vw !== null, src.n !== null);
  const base = new Uint32Array(n);
  const tEnd = new Float64Array(n);
  let k = -1;
  let cur = NaN;
  let pv = 0;
  let vv = 0;
  const flushVw = (): void => {
    if (k < 0 || !out.vw) return;
    const h = out.h[k]!;
    const l = out.l[k]!;
    const vw = vv > 0 ? pv / vv : (h + l) / 2;
    out.vw[k] = Math.min(h, Math.max(l, roundTo(vw, vwDec)));
    out.v[k] = roundTo(out.v[k]!, volDec);
  };
  for (let i = 0; i < n; i++) {
    const b = bucketStart[i]!;
    if (b !== cur) {
      flushVw();
      k++;
      cur = b;
      // The VWAP copied here is replaced by the volume-weighted one when the bucket is flushed.
      copyBar(out, k, src, i);
      out.t[k] = b;
      tEnd[k] = bucketEndOf(b);
      base[k] = 1;
      pv = 0;
      vv = 0;
    } else {
      if (src.h[i]! > out.h[k]!) out.h[k] = src.h[i]!;
      if (src.l[i]! < out.l[k]!) out.l[k] = src.l[i]!;
      out.c[k] = src.c[i]!;
      out.v[k] = out.v[k]! + src.v[i]!;
      if (out.n && src.n) out.n[k] = out.n[k]! + src.n[i]!;
      base[k] = base[k]! + 1;
    }
    if (src.vw) {
      pv += src.vw[i]! * src.v[i]!;
      vv += src.v[i]!;
    }
  }
  flushVw();
  out.count = k + 1;
  return { bars: out, base, tEnd };
}

/** Intraday buckets of `sizeMs` counted from New York midnight, the last one cut at the day's end. */
export function aggregateIntraday(src: BarArrays, dayStart: number, dayEnd: number, sizeMs: number, vwDec: number, volDec: number): Aggregated {
  const keys = new Float64Array(src.count);
  for (let i = 0; i < src.count; i++) keys[i] = dayStart + Math.floor((src.t[i]! - dayStart) / sizeMs) * sizeMs;
  return aggregate(src, keys, (s) => Math.min(s + sizeMs, dayEnd), vwDec, volDec);
}

/** The base bars themselves, each counting one. */
export function identity(src: BarArrays, sizeMs: number): Aggregated {
  const base = new Uint32Array(src.count).fill(1);
  const tEnd = new Float64Array(src.count);
  for (let i = 0; i < src.count; i++) tEnd[i] = src.t[i]! + sizeMs;
  return { bars: src, base, tEnd };
}
