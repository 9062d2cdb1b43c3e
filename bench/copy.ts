// The bench's own minimal binary COPY encoder for the plain-COPY ceiling: rows straight into
// `bars (series_id, ts, open, high, low, close, volume, vwap, trades)`. One preallocated Buffer per
// chunk written through a DataView (no per-row allocation, no BigInt).
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import type pg from 'pg';
import { copyHeader, writeBarFields } from '../src/db/copy-binary.js';
import type { BarColumns } from '../src/polygon/bar-columns.js';

const FIELDS = 9;
// field count + 9 length words + int4 + 8 eight-byte values
const ROW_BYTES = 2 + FIELDS * 4 + 4 + 8 * 8;

export const BARS_COLUMNS = 'series_id, ts, open, high, low, close, volume, vwap, trades';

export { copyHeader };

export function copyTrailer(): Buffer {
  const b = Buffer.alloc(2);
  b.writeInt16BE(-1, 0);
  return b;
}

/** Rows only (no header/trailer), so that chunks can be streamed into one COPY. */
export function encodeRows(seriesId: number, bars: BarColumns, from = 0, to = bars.count): Buffer {
  const buf = Buffer.allocUnsafe((to - from) * ROW_BYTES);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let at = 0;
  for (let i = from; i < to; i++) {
    // The product's row with series_id in front.
    dv.setInt16(at, FIELDS);
    dv.setInt32(at + 2, 4);
    dv.setInt32(at + 6, seriesId);
    at = writeBarFields(dv, at + 10, bars.t[i]!, bars.o[i]!, bars.h[i]!, bars.l[i]!, bars.c[i]!, bars.v[i]!, bars.vw[i]!, bars.n[i]!);
  }
  return buf.subarray(0, at);
}

export interface SeriesBars {
  seriesId: number;
  bars: BarColumns;
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
      for (let i = 0; i < bars.count; i += chunkRows) {
        const to = Math.min(bars.count, i + chunkRows);
        rows += to - i;
        yield encodeRows(s.seriesId, bars, i, to);
      }
    }
    yield copyTrailer();
  }
  await pipeline(Readable.from(chunks(), { objectMode: false }), client.query(copyFrom(`COPY ${table} (${BARS_COLUMNS}) FROM STDIN (FORMAT binary)`)));
  return rows;
}
