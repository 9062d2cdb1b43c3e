// Supporting measurement: CPU per bar of the worker's per-page hot path on real simulator bodies,
// single thread, no I/O. The product's path (the body's bytes scanned into columns, binary COPY
// encoded from the columns: src/polygon/parse.ts, src/db/copy-binary.ts) against the object path it
// replaced (bench/object-path.ts: body to string, JSON.parse into one object per bar, encoding from
// the objects). Both must produce identical COPY bytes.
import http from 'node:http';
import { parseAggsBody } from '../src/polygon/index.js';
import { encodeBarsBinary } from '../src/db/copy-binary.js';
import { encodeObjects, parseObjects } from './object-path.js';
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
  product: { parseUs: number; encodeUs: number; totalUs: number };
  objects: { decodeUs: number; parseUs: number; encodeUs: number; totalUs: number };
  /** JSON.parse of the decoded text alone: what any object path pays at least. */
  jsonParseOnlyUs: number;
  identical: boolean;
  /** product / object path CPU */
  share: number;
}

export async function hotPath(simUrl: string, key: string, tickers: readonly string[], from: string, to: string, rounds = 5): Promise<HotPathResult> {
  // One page of minute bars per ticker (a month is about 20,000 bars).
  const bodies: Buffer[] = [];
  for (const t of tickers) bodies.push(await get(`${simUrl}/v2/aggs/ticker/${t}/range/1/minute/${from}/${to}?adjusted=true&sort=asc&limit=50000`, key));
  const bytes = bodies.reduce((a, b) => a + b.length, 0);
  let bars = 0;
  let identical = true;
  for (const b of bodies) {
    const p = parseAggsBody(b, -Infinity);
    bars += p.bars.count;
    if (!encodeBarsBinary(p.bars).equals(encodeObjects(parseObjects(b.toString('utf8'))))) identical = false;
  }
  const STEPS = ['parse', 'encode', 'decode', 'oparse', 'oencode', 'json'] as const;
  const r = Object.fromEntries(STEPS.map((k) => [k, [] as number[]])) as Record<(typeof STEPS)[number], number[]>;
  let sink = 0;
  // Each path over every body in a phase of its own, the order alternating by round: interleaved
  // per body, one path's garbage was collected in the other's timed steps.
  const productPhase = (ms: Record<(typeof STEPS)[number], number>) => {
    for (const b of bodies) {
      const t0 = performance.now();
      const parsed = parseAggsBody(b, -Infinity);
      const t1 = performance.now();
      sink += encodeBarsBinary(parsed.bars).length;
      ms.parse += t1 - t0;
      ms.encode += performance.now() - t1;
    }
  };
  const objectPhase = (ms: Record<(typeof STEPS)[number], number>) => {
    for (const b of bodies) {
      const t0 = performance.now();
      const text = b.toString('utf8');
      const t1 = performance.now();
      const objs = parseObjects(text);
      const t2 = performance.now();
      sink += encodeObjects(objs).length;
      const t3 = performance.now();
      sink += (JSON.parse(text) as { count: number }).count;
      ms.decode += t1 - t0;
      ms.oparse += t2 - t1;
      ms.oencode += t3 - t2;
      ms.json += performance.now() - t3;
    }
  };
  for (let round = 0; round < rounds; round++) {
    // Milliseconds spent in each step this round, over every body.
    const ms = Object.fromEntries(STEPS.map((k) => [k, 0])) as Record<(typeof STEPS)[number], number>;
    if (round % 2 === 0) {
      productPhase(ms);
      objectPhase(ms);
    } else {
      objectPhase(ms);
      productPhase(ms);
    }
    for (const k of STEPS) r[k].push((ms[k] * 1000) / bars);
  }
  void sink;
  const product = { parseUs: median(r.parse), encodeUs: median(r.encode), totalUs: 0 };
  product.totalUs = product.parseUs + product.encodeUs;
  const objects = { decodeUs: median(r.decode), parseUs: median(r.oparse), encodeUs: median(r.oencode), totalUs: 0 };
  objects.totalUs = objects.decodeUs + objects.parseUs + objects.encodeUs;
  return { bars, bytes, product, objects, jsonParseOnlyUs: median(r.json), identical, share: product.totalUs / objects.totalUs };
}
