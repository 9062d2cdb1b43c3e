// The bench's own minimal binary COPY encoder for the plain-COPY ceiling: rows straight into
// `bars (series_id, ts, open, high, low, close, volume, vwap, trades)`. One preallocated Buffer per
// chunk written through a DataView (no per-row allocation, no BigInt).
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import type pg from 'pg';
import type { BarRow } from '../src/db/copy-binary.js';

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const FIELDS = 9;
// field count + 9 length words + int4 + 8 eight-byte values
const ROW_BYTES = 2 + FIELDS * 4 + 4 + 8 * 8;
const PG_EPOCH_MS = 946_684_800_000;
const TWO_32 = 4_294_967_296;

export const BARS_COLUMNS = 'series_id, ts, open, high, low, close, volume, vwap, trades';

export function copyHeader(): Buffer {
  const b = Buffer.alloc(SIGNATURE.length + 8);
  SIGNATURE.copy(b, 0);
  return b; // flags = 0, header extension = 0
}

export function copyTrailer(): Buffer {
  const b = Buffer.alloc(2);
  b.writeInt16BE(-1, 0);
  return b;
}

/** Rows only (no header/trailer), so that chunks can be streamed into one COPY. */
export function encodeRows(seriesId: number, bars: readonly BarRow[], from = 0, to = bars.length): Buffer {
  const buf = Buffer.allocUnsafe((to - from) * ROW_BYTES);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let at = 0;
  for (let i = from; i < to; i++) {
    const b = bars[i]!;
    dv.setInt16(at, FIELDS);
    dv.setInt32(at + 2, 4);
    dv.setInt32(at + 6, seriesId);
    dv.setInt32(at + 10, 8);
    const us = (b.t - PG_EPOCH_MS) * 1000;
    const hi = Math.floor(us / TWO_32);
    dv.setInt32(at + 14, hi);
    dv.setUint32(at + 18, us - hi * TWO_32);
    dv.setInt32(at + 22, 8);
    dv.setFloat64(at + 26, b.o);
    dv.setInt32(at + 34, 8);
    dv.setFloat64(at + 38, b.h);
    dv.setInt32(at + 46, 8);
    dv.setFloat64(at + 50, b.l);
    dv.setInt32(at + 58, 8);
    dv.setFloat64(at + 62, b.c);
    dv.setInt32(at + 70, 8);
    dv.setFloat64(at + 74, b.v);
    at += 82;
    if (b.vw === null || b.vw === undefined) {
      dv.setInt32(at, -1);
      at += 4;
    } else {
      dv.setInt32(at, 8);
      dv.setFloat64(at + 4, b.vw);
      at += 12;
    }
    if (b.n === null || b.n === undefined) {
      dv.setInt32(at, -1);
      at += 4;
    } else {
      const n = Math.round(b.n);
      const nhi = Math.floor(n / TWO_32);
      dv.setInt32(at, 8);
      dv.setInt32(at + 4, nhi);
      dv.setUint32(at + 8, n - nhi * TWO_32);
      at += 12;
    }
  }
  return buf.subarray(0, at);
}

export interface SeriesBars {
  seriesId: number;
  bars: readonly BarRow[];
}

/**
 * One COPY ... FROM STDIN (FORMAT binary) of every given series, encoded lazily chunk by chunk
 * while Postgres consumes the previous chunk (so Node's encoding time is inside the figure).
 */
export async function copyPlain(client: pg.ClientBase, series: Iterable<SeriesBars>, table = 'bars', chunkRows = 10_000): Promise<number> {
  let rows = 0;
  function* chunks(): Generator<Buffer> {
    yield copyHeader();
    for (const s of series) {
      const bars = s.bars;
      for (let i = 0; i < bars.length; i += chunkRows) {
        const to = Math.min(bars.length, i + chunkRows);
        rows += to - i;
        yield encodeRows(s.seriesId, bars, i, to);
      }
    }
    yield copyTrailer();
  }
  await pipeline(Readable.from(chunks(), { objectMode: false }), client.query(copyFrom(`COPY ${table} (${BARS_COLUMNS}) FROM STDIN (FORMAT binary)`)));
  return rows;
}
