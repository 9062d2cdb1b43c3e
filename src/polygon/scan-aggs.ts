// Reads an aggregates response body straight from its bytes into columns: no string of the body, no
// object and no boxed number per bar (JSON.parse of a 50,000-bar page makes ~200 bytes of heap a bar
// and keeps the GC busy; this makes 64). It only knows the plain shape Polygon sends: a results
// array of flat objects whose keys are v, vw, o, c, h, l, t, n (any order, any subset) and whose
// values are JSON numbers. Anything else (another key such as otc, a string, null, nesting, an escape
// in a key, invalid JSON) returns null, and the caller parses the text with JSON.parse instead.
//
// Numbers: digits are accumulated as an integer mantissa m (at most 15 significant digits, so m is
// exact) with a decimal exponent e, |e| <= 22, so 10^|e| is exact too; m * 10^e or m / 10^-e is then
// one correctly rounded IEEE operation, which is exactly what JSON.parse returns (Clinger's fast
// path). Longer mantissas or larger exponents go through Number() on the digits' text, the same
// conversion JSON.parse makes (test/polygon/scan-aggs.test.ts compares the two bit for bit).
import { allocColumns, BAR_FIELDS, sliceColumns, type BarColumns } from './bar-columns.js';

export interface ScannedAggs {
  /** Every bar of the results array, in the order served; NaN where a key was absent. */
  cols: BarColumns;
  /**
   * The document with the results array replaced by `[SCANNED]`, for JSON.parse of status,
   * next_url, request_id and errors. The caller must check that its top-level `results` is exactly
   * `[SCANNED]`: a `"results":[` found inside a string or a nested object would not be.
   */
  rest: string;
}

/** What stands in for the scanned array in `rest`: a string no bar array holds. */
export const SCANNED = '\u0000scanned-results';

const POW10 = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];
const RESULTS = Buffer.from('"results"', 'latin1');
const MARK = JSON.stringify(SCANNED);

// Key codes: the index into a bar's values, in BAR_FIELDS order.
const K_T = 0;
const K_O = 1;
const K_H = 2;
const K_L = 3;
const K_C = 4;
const K_V = 5;
const K_VW = 6;
const K_N = 7;

/** The index of the first byte at or after `i` that is not JSON whitespace. */
function skipWs(buf: Buffer, i: number): number {
  let b = buf[i];
  while (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) b = buf[++i];
  return i;
}

/** Columns of twice the capacity holding the first `k` bars of `cols`. */
function grow(cols: BarColumns, k: number): BarColumns {
  const bigger = allocColumns(cols.count * 2);
  for (const f of BAR_FIELDS) bigger[f].set(cols[f].subarray(0, k));
  return bigger;
}

/** null = not the plain shape (or not valid JSON there): parse the text with JSON.parse. */
export function scanAggs(buf: Buffer): ScannedAggs | null {
  const key = buf.indexOf(RESULTS);
  if (key < 0) return null;
  // Pretty-printed bodies ("results": [) too; the first "results" must be a key followed by an array.
  let i = skipWs(buf, key + RESULTS.length);
  if (buf[i] !== 0x3a /* : */) return null;
  i = skipWs(buf, i + 1);
  if (buf[i] !== 0x5b /* [ */) return null;
  const open = i;
  const len = buf.length;
  i = skipWs(buf, i + 1);
  // Capacity from the size: Polygon's bars take 90-110 bytes; grown if the guess is short.
  let cols = allocColumns(Math.max(16, Math.ceil((len - i) / 80)));
  let k = 0;
  const vals = new Float64Array(8);
  if (buf[i] !== 0x5d /* ] */) {
    for (;;) {
      if (buf[i] !== 0x7b /* { */) return null;
      i = skipWs(buf, i + 1);
      vals.fill(NaN);
      for (;;) {
        if (buf[i] !== 0x22 /* " */) return null;
        let key: number;
        const b1 = buf[i + 1];
        const b2 = buf[i + 2];
        if (b2 === 0x22) {
          key = b1 === 0x76 ? K_V : b1 === 0x6f ? K_O : b1 === 0x63 ? K_C : b1 === 0x68 ? K_H : b1 === 0x6c ? K_L : b1 === 0x74 ? K_T : b1 === 0x6e ? K_N : -1;
          i += 3;
        } else if (b1 === 0x76 && b2 === 0x77 && buf[i + 3] === 0x22) {
          key = K_VW;
          i += 4;
        } else {
          return null;
        }
        if (key < 0) return null;
        i = skipWs(buf, i);
        if (buf[i] !== 0x3a /* : */) return null;
        i = skipWs(buf, i + 1);
        // The number.
        const numStart = i;
        let neg = false;
        if (buf[i] === 0x2d /* - */) {
          neg = true;
          i++;
        }
        let m = 0;
        let digits = 0;
        let exp = 0;
        let c = buf[i]!;
        if (c === 0x30) {
          // JSON allows no leading zero: "01" is not a number.
          c = buf[++i]!;
          if (c >= 0x30 && c <= 0x39) return null;
        } else {
          if (!(c >= 0x31 && c <= 0x39)) return null;
          while (c >= 0x30 && c <= 0x39) {
            if (digits < 15) {
              m = m * 10 + (c - 0x30);
              digits++;
            } else {
              digits++;
              exp++;
            }
            c = buf[++i]!;
          }
        }
        if (c === 0x2e /* . */) {
          c = buf[++i]!;
          if (!(c >= 0x30 && c <= 0x39)) return null;
          while (c >= 0x30 && c <= 0x39) {
            if (digits < 15) {
              m = m * 10 + (c - 0x30);
              // Leading zeros of a fraction (0.000123) are not significant digits.
              if (m !== 0) digits++;
              exp--;
            } else {
              digits++;
            }
            c = buf[++i]!;
          }
        }
        const slow = digits > 15;
        if (c === 0x65 || c === 0x45 /* e E */) {
          c = buf[++i]!;
          let eneg = false;
          if (c === 0x2b || c === 0x2d) {
            eneg = c === 0x2d;
            c = buf[++i]!;
          }
          if (!(c >= 0x30 && c <= 0x39)) return null;
          let e = 0;
          while (c >= 0x30 && c <= 0x39) {
            // Capped: past 22 the slow path converts the text anyway.
            if (e < 1e6) e = e * 10 + (c - 0x30);
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
        // A repeated key: the last one wins, as in JSON.parse.
        vals[key] = x;
        i = skipWs(buf, i);
        c = buf[i]!;
        if (c === 0x2c /* , */) {
          i = skipWs(buf, i + 1);
          continue;
        }
        if (c === 0x7d /* } */) {
          i = skipWs(buf, i + 1);
          break;
        }
        return null;
      }
      if (k === cols.count) cols = grow(cols, k);
      cols.t[k] = vals[K_T]!;
      cols.o[k] = vals[K_O]!;
      cols.h[k] = vals[K_H]!;
      cols.l[k] = vals[K_L]!;
      cols.c[k] = vals[K_C]!;
      cols.v[k] = vals[K_V]!;
      cols.vw[k] = vals[K_VW]!;
      cols.n[k] = vals[K_N]!;
      k++;
      const sep = buf[i];
      if (sep === 0x2c) {
        i = skipWs(buf, i + 1);
        continue;
      }
      if (sep === 0x5d) break;
      return null;
    }
  }
  // The rest of the document without the (possibly huge) array; i is at its closing bracket.
  const rest = buf.toString('utf8', 0, open + 1) + MARK + buf.toString('utf8', i, len);
  return { cols: sliceColumns(cols, 0, k), rest };
}
