// Postgres binary COPY for the bars stage (and for `bars` itself, on a fresh range), written into one Buffer per page: the text format costs
// more CPU to produce than JSON costs to parse, and per-row Buffers or BigInts would churn the GC at
// a few hundred thousand rows a second.

import type { BarColumns } from '../polygon/bar-columns.js';

/** Column order of the stage table the encoded rows go into. */
export const STAGE_COLUMNS = 'ts, open, high, low, close, volume, vwap, trades';
const FIELDS = 8;
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
// Field count + 8 length words + 7 float8/timestamp values + 1 int8.
const ROW_BYTES = 2 + FIELDS * 4 + 8 * 8;
// Postgres timestamps count microseconds from 2000-01-01T00:00:00Z.
const PG_EPOCH_MS = 946_684_800_000;
const TWO_32 = 4_294_967_296;

/** The binary COPY header: signature, flags 0, no header extension. */
export function copyHeader(): Buffer {
  const b = Buffer.alloc(SIGNATURE.length + 8);
  SIGNATURE.copy(b, 0);
  return b;
}

/**
 * Writes one bar's eight fields (length word and value each: ts, o, h, l, c, v, vwap, trades) at
 * `at` and returns the offset after them. A NaN vwap / trades (BarColumns' missing value) is SQL NULL.
 * Shared by this encoder and the bench's, so the bench measures the product's very byte layout.
 */
export function writeBarFields(dv: DataView, at: number, t: number, o: number, h: number, l: number, c: number, v: number, vw: number, n: number): number {
  dv.setInt32(at, 8);
  // Exact for |us| < 2^53 without allocating a BigInt; Math.floor keeps negatives two's-complement.
  const us = (t - PG_EPOCH_MS) * 1000;
  const hi = Math.floor(us / TWO_32);
  dv.setInt32(at + 4, hi);
  dv.setUint32(at + 8, us - hi * TWO_32);
  dv.setInt32(at + 12, 8);
  dv.setFloat64(at + 16, o);
  dv.setInt32(at + 24, 8);
  dv.setFloat64(at + 28, h);
  dv.setInt32(at + 36, 8);
  dv.setFloat64(at + 40, l);
  dv.setInt32(at + 48, 8);
  dv.setFloat64(at + 52, c);
  dv.setInt32(at + 60, 8);
  dv.setFloat64(at + 64, v);
  at += 72;
  if (vw !== vw) {
    dv.setInt32(at, -1);
    at += 4;
  } else {
    dv.setInt32(at, 8);
    dv.setFloat64(at + 4, vw);
    at += 12;
  }
  if (n !== n) {
    dv.setInt32(at, -1);
    return at + 4;
  }
  const r = Math.round(n);
  const nhi = Math.floor(r / TWO_32);
  dv.setInt32(at, 8);
  dv.setInt32(at + 4, nhi);
  dv.setUint32(at + 8, r - nhi * TWO_32);
  return at + 12;
}

/** Column order of `bars` as the direct load writes it: the stage's columns after the series id. */
export const BARS_COLUMNS = `series_id, ${STAGE_COLUMNS}`;
// The direct load's rows carry the series id in front: one more field, an int4 (length word + 4).
const ROW_BYTES_WITH_SERIES = ROW_BYTES + 8;

/**
 * One complete COPY ... (FORMAT binary) payload: header, every row, trailer, from the page's columns.
 * Written through one DataView: Buffer#writeXxxBE per field costs ten times more per bar on this hot
 * path. With `seriesId` every row starts with it (the columns of BARS_COLUMNS, straight into `bars`);
 * without, the rows are the stage's (STAGE_COLUMNS).
 */
export function encodeBarsBinary(bars: BarColumns, seriesId?: number): Buffer {
  const withSeries = seriesId !== undefined;
  const count = bars.count;
  const buf = Buffer.allocUnsafe(SIGNATURE.length + 8 + count * (withSeries ? ROW_BYTES_WITH_SERIES : ROW_BYTES) + 2);
  SIGNATURE.copy(buf, 0);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let at = SIGNATURE.length;
  dv.setInt32(at, 0); // flags
  dv.setInt32(at + 4, 0); // header extension length
  at += 8;
  const { t, o, h, l, c, v, vw, n } = bars;
  if (withSeries) {
    for (let i = 0; i < count; i++) {
      dv.setInt16(at, FIELDS + 1);
      dv.setInt32(at + 2, 4);
      dv.setInt32(at + 6, seriesId);
      at = writeBarFields(dv, at + 10, t[i]!, o[i]!, h[i]!, l[i]!, c[i]!, v[i]!, vw[i]!, n[i]!);
    }
  } else {
    for (let i = 0; i < count; i++) {
      dv.setInt16(at, FIELDS);
      at = writeBarFields(dv, at + 2, t[i]!, o[i]!, h[i]!, l[i]!, c[i]!, v[i]!, vw[i]!, n[i]!);
    }
  }
  dv.setInt16(at, -1);
  // Nulls make rows shorter than the full width: hand back only what was written.
  return buf.subarray(0, at + 2);
}
