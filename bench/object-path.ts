// The worker's per-page path before issue 15's columns, kept for comparison only (bench/hotpath.ts):
// the body decoded to a string, JSON.parse into one object per bar with the parser's checks, and the
// binary COPY encoded from the objects. The product reads bytes into columns (src/polygon/parse.ts).
import { copyHeader, writeBarFields } from '../src/db/copy-binary.js';
import type { Bar } from '../src/polygon/index.js';

/** JSON.parse and the checks the product's parser made, into Bar objects (missing vw/n null). */
export function parseObjects(text: string): Bar[] {
  const body = JSON.parse(text) as { status?: unknown; results?: Record<string, unknown>[] };
  if (body.status !== 'OK' && body.status !== 'DELAYED') throw new Error(`status ${String(body.status)}`);
  const results = body.results ?? [];
  for (let i = 0; i < results.length; i++) {
    const r = results[i]!;
    if (!Number.isSafeInteger(r.t)) throw new Error(`bar ${i}: t`);
    if (!(typeof r.o === 'number' && typeof r.h === 'number' && typeof r.l === 'number' && typeof r.c === 'number' && typeof r.v === 'number')) throw new Error(`bar ${i}: ohlcv`);
    if (r.vw === undefined) r.vw = null;
    if (r.n === undefined) r.n = null;
    else if (r.n !== null && !Number.isFinite(r.n)) throw new Error(`bar ${i}: n`);
  }
  return results as unknown as Bar[];
}

/** The stage's binary COPY payload from objects, the product's byte layout (writeBarFields). */
export function encodeObjects(bars: readonly Bar[]): Buffer {
  const header = copyHeader();
  const buf = Buffer.allocUnsafe(header.length + bars.length * (2 + 8 * 4 + 8 * 8) + 2);
  header.copy(buf, 0);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let at = header.length;
  for (const b of bars) {
    dv.setInt16(at, 8);
    at = writeBarFields(dv, at + 2, b.t, b.o, b.h, b.l, b.c, b.v, b.vw ?? NaN, b.n ?? NaN);
  }
  dv.setInt16(at, -1);
  return buf.subarray(0, at + 2);
}
