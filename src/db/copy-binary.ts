// Postgres binary COPY for the bars stage, written into one Buffer per page: the text format costs
// more CPU to produce than JSON costs to parse, and per-row Buffers or BigInts would churn the GC at
// a few hundred thousand rows a second.

/** The shape the encoder reads; Polygon bars satisfy it as they are. */
export interface BarRow {
  t: number;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
  vw: number | null;
  n: number | null;
}

/** Column order of the stage table the encoded rows go into. */
export const STAGE_COLUMNS = 'ts, open, high, low, close, volume, vwap, trades';
const FIELDS = 8;
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
// Field count + 8 length words + 7 float8/timestamp values + 1 int8.
const ROW_BYTES = 2 + FIELDS * 4 + 8 * 8;
// Postgres timestamps count microseconds from 2000-01-01T00:00:00Z.
const PG_EPOCH_MS = 946_684_800_000;
const TWO_32 = 4_294_967_296;

function writeInt64(buf: Buffer, value: number, at: number): number {
  // Exact for |value| < 2^53 without allocating a BigInt; Math.floor keeps negatives two's-complement.
  const hi = Math.floor(value / TWO_32);
  buf.writeInt32BE(hi, at);
  buf.writeUInt32BE(value - hi * TWO_32, at + 4);
  return at + 8;
}

function writeFloat8(buf: Buffer, value: number, at: number): number {
  buf.writeInt32BE(8, at);
  buf.writeDoubleBE(value, at + 4);
  return at + 12;
}

function writeNullableFloat8(buf: Buffer, value: number | null | undefined, at: number): number {
  if (value === null || value === undefined) {
    buf.writeInt32BE(-1, at);
    return at + 4;
  }
  return writeFloat8(buf, value, at);
}

/** One complete COPY ... (FORMAT binary) payload: header, every row, trailer. */
export function encodeBarsBinary(bars: readonly BarRow[]): Buffer {
  const buf = Buffer.allocUnsafe(SIGNATURE.length + 8 + bars.length * ROW_BYTES + 2);
  let at = SIGNATURE.copy(buf, 0);
  buf.writeInt32BE(0, at); // flags
  buf.writeInt32BE(0, at + 4); // header extension length
  at += 8;
  for (const b of bars) {
    buf.writeInt16BE(FIELDS, at);
    at += 2;
    buf.writeInt32BE(8, at);
    at = writeInt64(buf, (b.t - PG_EPOCH_MS) * 1000, at + 4);
    at = writeFloat8(buf, b.o, at);
    at = writeFloat8(buf, b.h, at);
    at = writeFloat8(buf, b.l, at);
    at = writeFloat8(buf, b.c, at);
    at = writeFloat8(buf, b.v, at);
    at = writeNullableFloat8(buf, b.vw, at);
    if (b.n === null || b.n === undefined) {
      buf.writeInt32BE(-1, at);
      at += 4;
    } else {
      buf.writeInt32BE(8, at);
      at = writeInt64(buf, Math.round(b.n), at + 4);
    }
  }
  buf.writeInt16BE(-1, at);
  // Nulls make rows shorter than ROW_BYTES: hand back only what was written.
  return buf.subarray(0, at + 2);
}
