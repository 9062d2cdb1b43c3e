import type { BarColumns } from '../polygon/bar-columns.js';

/**
 * Bars as parallel typed arrays: generation and aggregation touch millions of bars, and arrays of
 * numbers are several times cheaper than arrays of objects. The product's page columns, except that
 * a series without VWAP or trade counts (indices) has no such column: the field is then absent
 * from the JSON.
 */
export type BarArrays = Omit<BarColumns, 'vw' | 'n'> & { vw: Float64Array | null; n: Float64Array | null };

export function allocBars(capacity: number, withVw: boolean, withN: boolean): BarArrays {
  // One allocation carved into views: typed-array creation, not filling, dominated small days.
  const fields = 6 + (withVw ? 1 : 0) + (withN ? 1 : 0);
  const mem = new Float64Array(capacity * fields);
  let at = 0;
  const next = (): Float64Array => mem.subarray(capacity * at, capacity * ++at);
  return {
    count: 0,
    t: next(),
    o: next(),
    h: next(),
    l: next(),
    c: next(),
    v: next(),
    vw: withVw ? next() : null,
    n: withN ? next() : null,
  };
}

/** Copies bar `i` of `src` into slot `k` of `dst` (VWAP and trades when both have them). */
export function copyBar(dst: BarArrays, k: number, src: BarArrays, i: number): void {
  dst.t[k] = src.t[i]!;
  dst.o[k] = src.o[i]!;
  dst.h[k] = src.h[i]!;
  dst.l[k] = src.l[i]!;
  dst.c[k] = src.c[i]!;
  dst.v[k] = src.v[i]!;
  if (dst.vw && src.vw) dst.vw[k] = src.vw[i]!;
  if (dst.n && src.n) dst.n[k] = src.n[i]!;
}

export function barsBytes(b: BarArrays): number {
  return b.t.byteLength * (6 + (b.vw ? 1 : 0) + (b.n ? 1 : 0)) + 64;
}

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8] as const;

export function roundTo(x: number, decimals: number): number {
  const p = POW10[decimals]!;
  return Math.round(x * p) / p;
}
