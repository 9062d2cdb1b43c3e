// A page of bars as columns: one Float64Array per field instead of one object per bar. A 50,000-bar
// page as objects is ~10 MB of heap and 50,000 things for the GC to trace; as columns it is 3.2 MB
// in eight allocations, and the parser fills them straight from the response bytes (scan-aggs.ts).
import type { Bar } from './types.js';

/**
 * Bars in parallel columns, each exactly `count` long (subarray views of a larger buffer are fine).
 * NaN in `vw` or `n` marks a value Polygon left out (JSON null or a missing key); no other column
 * holds NaN for a bar the parser accepted.
 */
export interface BarColumns {
  count: number;
  t: Float64Array;
  o: Float64Array;
  h: Float64Array;
  l: Float64Array;
  c: Float64Array;
  v: Float64Array;
  vw: Float64Array;
  n: Float64Array;
}

export const BAR_FIELDS = ['t', 'o', 'h', 'l', 'c', 'v', 'vw', 'n'] as const;

/** Columns of `count` bars carved from one allocation (its contents unset: zeros). */
export function allocColumns(count: number): BarColumns {
  const mem = new Float64Array(count * BAR_FIELDS.length);
  const at = (k: number) => mem.subarray(k * count, (k + 1) * count);
  return { count, t: at(0), o: at(1), h: at(2), l: at(3), c: at(4), v: at(5), vw: at(6), n: at(7) };
}

export const noColumns = (): BarColumns => allocColumns(0);

/** Bar objects as columns (tests, grouped daily, the parser's JSON.parse fallback); null vw/n become NaN. */
export function columnsOf(bars: readonly Bar[]): BarColumns {
  const cols = allocColumns(bars.length);
  for (let i = 0; i < bars.length; i++) {
    const b = bars[i]!;
    cols.t[i] = b.t;
    cols.o[i] = b.o;
    cols.h[i] = b.h;
    cols.l[i] = b.l;
    cols.c[i] = b.c;
    cols.v[i] = b.v;
    cols.vw[i] = b.vw ?? NaN;
    cols.n[i] = b.n ?? NaN;
  }
  return cols;
}

/** Bar `i` as an object, NaN vw/n as null. */
export function barAt(cols: BarColumns, i: number): Bar {
  const vw = cols.vw[i]!;
  const n = cols.n[i]!;
  return { t: cols.t[i]!, o: cols.o[i]!, h: cols.h[i]!, l: cols.l[i]!, c: cols.c[i]!, v: cols.v[i]!, vw: vw === vw ? vw : null, n: n === n ? n : null };
}

/** Every bar as an object (tests, the simulator's comparisons, the bench's object path). */
export function barsOf(cols: BarColumns): Bar[] {
  const out: Bar[] = new Array<Bar>(cols.count);
  for (let i = 0; i < cols.count; i++) out[i] = barAt(cols, i);
  return out;
}

/** Bars `from` .. `to` (exclusive) as views of the same memory: no copy. */
export function sliceColumns(cols: BarColumns, from: number, to = cols.count): BarColumns {
  if (from === 0 && to === cols.count) return cols;
  return {
    count: to - from,
    t: cols.t.subarray(from, to),
    o: cols.o.subarray(from, to),
    h: cols.h.subarray(from, to),
    l: cols.l.subarray(from, to),
    c: cols.c.subarray(from, to),
    v: cols.v.subarray(from, to),
    vw: cols.vw.subarray(from, to),
    n: cols.n.subarray(from, to),
  };
}

/** The bars `keep(i)` accepts, order kept, copied into new columns (the rare unordered page). */
export function filterColumns(cols: BarColumns, keep: (i: number) => boolean): BarColumns {
  const idx: number[] = [];
  for (let i = 0; i < cols.count; i++) if (keep(i)) idx.push(i);
  if (idx.length === cols.count) return cols;
  const out = allocColumns(idx.length);
  for (const f of BAR_FIELDS) {
    const src = cols[f];
    const dst = out[f];
    for (let k = 0; k < idx.length; k++) dst[k] = src[idx[k]!]!;
  }
  return out;
}
