// Supporting measurement: CPU per bar of the worker's per-page hot path on real simulator bodies,
// single thread, no I/O. The product's path (body to string, JSON.parse + per-bar validation into
// Bar objects, binary COPY encoding from the objects) against the prototype in fastparse.ts (bytes
// straight into columns, encoding from columns). Both must produce identical COPY bytes.
import http from 'node:http';
import { parseAggsBody } from '../src/polygon/index.js';
import { encodeBarsBinary } from '../src/db/copy-binary.js';
import { scanAggs, validateColumns, encodeColumnsBinary, encodeBarsDataView } from './fastparse.js';
import { median } from './stats.js';

function get(url: string, key: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: { authorization: `Bearer ${key}` } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks)));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

export interface HotPathResult {
  bars: number;
  bytes: number;
  /** microseconds per bar, median of rounds */
  product: { decodeUs: number; parseUs: number; encodeUs: number; totalUs: number };
  /** The product's objects encoded with one DataView (drop-in encoder change only). */
  dataViewEncodeUs: number;
  prototype: { scanUs: number; encodeUs: number; totalUs: number };
  jsonParseOnlyUs: number;
  identical: boolean;
  speedup: number;
}

export async function hotPath(simUrl: string, key: string, tickers: readonly string[], from: string, to: string, rounds = 5): Promise<HotPathResult> {
  // One page of minute bars per ticker (a month is about 20,000 bars).
  const bodies: Buffer[] = [];
  for (const t of tickers) bodies.push(await get(`${simUrl}/v2/aggs/ticker/${t}/range/1/minute/${from}/${to}?adjusted=true&sort=asc&limit=50000`, key));
  const bytes = bodies.reduce((a, b) => a + b.length, 0);
  let bars = 0;
  let identical = true;
  for (const b of bodies) {
    const p = parseAggsBody(b.toString('utf8'), -Infinity);
    bars += p.bars.length;
    const s = scanAggs(b);
    if (!s) {
      identical = false;
      continue;
    }
    const want = encodeBarsBinary(p.bars);
    const got = encodeColumnsBinary(s.cols, validateColumns(s.cols, -Infinity).from);
    if (!want.equals(got) || !want.equals(encodeBarsDataView(p.bars))) identical = false;
  }
  const STEPS = ['decode', 'parse', 'encode', 'scan', 'enc2', 'json', 'dv'] as const;
  const r = Object.fromEntries(STEPS.map((k) => [k, [] as number[]])) as Record<(typeof STEPS)[number], number[]>;
  let sink = 0;
  for (let round = 0; round < rounds; round++) {
    // Milliseconds spent in each step this round, over every body.
    const ms = Object.fromEntries(STEPS.map((k) => [k, 0])) as Record<(typeof STEPS)[number], number>;
    for (const b of bodies) {
      let t0 = performance.now();
      const text = b.toString('utf8');
      let t1 = performance.now();
      ms.decode += t1 - t0;
      const parsed = parseAggsBody(text, -Infinity);
      t0 = performance.now();
      ms.parse += t0 - t1;
      sink += encodeBarsBinary(parsed.bars).length;
      t1 = performance.now();
      ms.encode += t1 - t0;
      sink += encodeBarsDataView(parsed.bars).length;
      t0 = performance.now();
      ms.dv += t0 - t1;
      t1 = t0;
      const sc = scanAggs(b)!;
      const meta = JSON.parse(sc.rest) as { status?: string };
      const v = validateColumns(sc.cols, -Infinity);
      if (v.error || meta.status !== 'OK') throw new Error(v.error ?? 'status');
      t0 = performance.now();
      ms.scan += t0 - t1;
      sink += encodeColumnsBinary(sc.cols, v.from).length;
      t1 = performance.now();
      ms.enc2 += t1 - t0;
      sink += (JSON.parse(b.toString('utf8')) as { count: number }).count;
      ms.json += performance.now() - t1;
    }
    for (const k of STEPS) r[k].push((ms[k] * 1000) / bars);
  }
  void sink;
  const product = { decodeUs: median(r.decode), parseUs: median(r.parse), encodeUs: median(r.encode), totalUs: 0 };
  product.totalUs = product.decodeUs + product.parseUs + product.encodeUs;
  const prototype = { scanUs: median(r.scan), encodeUs: median(r.enc2), totalUs: 0 };
  prototype.totalUs = prototype.scanUs + prototype.encodeUs;
  return { bars, bytes, product, dataViewEncodeUs: median(r.dv), prototype, jsonParseOnlyUs: median(r.json), identical, speedup: product.totalUs / prototype.totalUs };
}
