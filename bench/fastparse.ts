// A prototype of the hot-path change the bench recommends (not used by the product): read an
// aggregates response body straight from its bytes into columns (Float64Arrays), with no object, no
// string and no boxed number per bar, then encode binary COPY from the columns. Anything outside the
// plain shape Polygon sends (unknown keys, strings, nested values, numbers the fast path cannot
// convert exactly) makes it return null, and the caller falls back to JSON.parse.
//
// Numbers: digits are accumulated as an integer mantissa m (at most 15 significant digits, so m is
// exact) with a decimal exponent e, |e| <= 22, so 10^|e| is exact too; m * 10^e or m / 10^-e is then
// one correctly rounded IEEE operation, which is exactly what JSON.parse returns (Clinger's fast
// path). Longer mantissas or larger exponents go through Number() on the digits' text.

import { copyHeader, writeBarFields } from '../src/db/copy-binary.js';
import type { BarArrays } from '../src/polygon-sim/bars.js';

/** The simulator's bar arrays with vw and n always present: NaN marks a missing value. */
export type BarColumns = Omit<BarArrays, 'vw' | 'n'> & { vw: Float64Array; n: Float64Array };

const POW10 = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];
const RESULTS = Buffer.from('"results":[', 'latin1');

// Key codes: the field a key names, or -1 for "unknown: fall back".
const K_V = 0,
  K_VW = 1,
  K_O = 2,
  K_C = 3,
  K_H = 4,
  K_L = 5,
  K_T = 6,
  K_N = 7;

export function allocColumns(n: number): BarColumns {
  return {
    count: 0,
    t: new Float64Array(n),
    o: new Float64Array(n),
    h: new Float64Array(n),
    l: new Float64Array(n),
    c: new Float64Array(n),
    v: new Float64Array(n),
    vw: new Float64Array(n),
    n: new Float64Array(n),
  };
}

export interface ScanResult {
  cols: BarColumns;
  /** The body without the results array, for JSON.parse of status, next_url, errors. */
  rest: string;
}

/** null = not the plain shape: use JSON.parse. */
export function scanAggs(buf: Buffer): ScanResult | null {
  const start = buf.indexOf(RESULTS);
  if (start < 0) return null;
  let i = start + RESULTS.length;
  const len = buf.length;
  // Rough capacity: bars are ~90-110 bytes; grown if needed.
  let cols = allocColumns(Math.max(16, Math.ceil((len - i) / 80)));
  let k = 0;
  let num = 0;
  const vals = new Float64Array(8);
  for (;;) {
    while (i < len && buf[i] === 0x20) i++;
    if (buf[i] === 0x5d /* ] */ && k === 0) break;
    if (buf[i] !== 0x7b /* { */) return null;
    i++;
    vals.fill(NaN);
    for (;;) {
      if (buf[i] !== 0x22 /* " */) return null;
      // key
      let key = -1;
      const b1 = buf[i + 1];
      const b2 = buf[i + 2];
      if (b2 === 0x22) {
        key = b1 === 0x76 ? K_V : b1 === 0x6f ? K_O : b1 === 0x63 ? K_C : b1 === 0x68 ? K_H : b1 === 0x6c ? K_L : b1 === 0x74 ? K_T : b1 === 0x6e ? K_N : -1;
        i += 3;
      } else if (b1 === 0x76 && b2 === 0x77 && buf[i + 3] === 0x22) {
        key = K_VW;
        i += 4;
      } else {
        return null; // otc or anything else: the general parser handles it
      }
      if (key < 0 || buf[i] !== 0x3a /* : */) return null;
      i++;
      // number
      const numStart = i;
      let neg = false;
      if (buf[i] === 0x2d) {
        neg = true;
        i++;
      }
      let m = 0;
      let digits = 0;
      let exp = 0;
      let c = buf[i]!;
      if (c < 0x30 || c > 0x39) return null;
      while (c >= 0x30 && c <= 0x39) {
        if (digits < 15) {
          m = m * 10 + (c - 0x30);
          if (m !== 0) digits++;
        } else {
          digits++;
          exp++;
        }
        c = buf[++i]!;
      }
      if (c === 0x2e /* . */) {
        c = buf[++i]!;
        if (c < 0x30 || c > 0x39) return null;
        while (c >= 0x30 && c <= 0x39) {
          if (digits < 15) {
            m = m * 10 + (c - 0x30);
            if (m !== 0) digits++;
            exp--;
          } else {
            digits++;
          }
          c = buf[++i]!;
        }
      }
      let slow = digits > 15;
      if (c === 0x65 || c === 0x45 /* e E */) {
        c = buf[++i]!;
        let eneg = false;
        if (c === 0x2b || c === 0x2d) {
          eneg = c === 0x2d;
          c = buf[++i]!;
        }
        if (c < 0x30 || c > 0x39) return null;
        let e = 0;
        while (c >= 0x30 && c <= 0x39) {
          e = e * 10 + (c - 0x30);
          if (e > 400) slow = true;
          c = buf[++i]!;
        }
        exp += eneg ? -e : e;
      }
      let x: number;
      if (slow || exp > 22 || exp < -22) {
        x = Number(buf.toString('latin1', numStart, i));
      } else {
        x = exp >= 0 ? m * POW10[exp]! : m / POW10[-exp]!;
        if (neg) x = -x;
      }
      vals[key] = x;
      num++;
      if (c === 0x2c /* , */) {
        i++;
        continue;
      }
      if (c === 0x7d /* } */) {
        i++;
        break;
      }
      return null;
    }
    if (k === cols.t.length) {
      const bigger = allocColumns(k * 2);
      for (const f of ['t', 'o', 'h', 'l', 'c', 'v', 'vw', 'n'] as const) bigger[f].set(cols[f]);
      cols = bigger;
    }
    cols.v[k] = vals[K_V]!;
    cols.vw[k] = vals[K_VW]!;
    cols.o[k] = vals[K_O]!;
    cols.c[k] = vals[K_C]!;
    cols.h[k] = vals[K_H]!;
    cols.l[k] = vals[K_L]!;
    cols.t[k] = vals[K_T]!;
    cols.n[k] = vals[K_N]!;
    k++;
    const sep = buf[i];
    if (sep === 0x2c) {
      i++;
      continue;
    }
    if (sep === 0x5d) break;
    return null;
  }
  cols.count = k;
  void num;
  // The rest of the document without the (possibly huge) array: `"results":[]`.
  const rest = buf.toString('utf8', 0, start + RESULTS.length) + buf.toString('utf8', i, len);
  return { cols, rest };
}

/** The checks the product's parser makes, on columns; returns an error text or null. */
export function validateColumns(c: BarColumns, afterTs: number): { from: number; error: string | null } {
  let prev = -Infinity;
  let from = 0;
  for (let i = 0; i < c.count; i++) {
    const t = c.t[i]!;
    if (!Number.isSafeInteger(t)) return { from, error: `bar ${i}: t is not an integer timestamp` };
    const o = c.o[i]!,
      h = c.h[i]!,
      l = c.l[i]!,
      cl = c.c[i]!,
      v = c.v[i]!;
    // NaN (a missing field) fails these too.
    if (!(Number.isFinite(o) && Number.isFinite(h) && Number.isFinite(l) && Number.isFinite(cl) && Number.isFinite(v))) {
      return { from, error: `bar ${i}: o/h/l/c/v must be finite numbers` };
    }
    if (h < l) return { from, error: `bar ${i}: high below low` };
    if (v < 0) return { from, error: `bar ${i}: negative volume` };
    if (t <= prev) return { from, error: `bar ${i}: out of order` };
    prev = t;
    if (t <= afterTs) from = i + 1;
  }
  return { from, error: null };
}

/** COPY (FORMAT binary) payload for the product's stage table (8 columns, no series id) from columns. */
export function encodeColumnsBinary(c: BarColumns, from = 0): Buffer {
  const n = c.count - from;
  const header = copyHeader();
  const buf = Buffer.allocUnsafe(header.length + n * (2 + 8 * 4 + 8 * 8) + 2);
  header.copy(buf, 0);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let at = header.length;
  for (let i = from; i < c.count; i++) {
    dv.setInt16(at, 8);
    at = writeBarFields(dv, at + 2, c.t[i]!, c.o[i]!, c.h[i]!, c.l[i]!, c.c[i]!, c.v[i]!, c.vw[i]!, c.n[i]!);
  }
  dv.setInt16(at, -1);
  return buf.subarray(0, at + 2);
}

// The DataView encoder prototyped here is now the product's own (src/db/copy-binary.ts).
export { encodeBarsBinary as encodeBarsDataView } from '../src/db/copy-binary.js';
