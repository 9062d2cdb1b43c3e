import type { Aggregated } from './aggregate.js';

/**
 * Serialized bars ready to splice into responses: `buf` holds the bars' JSON objects joined by commas
 * and `ends[i]` is the offset just past bar i, so any run of bars is one `subarray`. Bytes rather than
 * strings: they live outside the JS heap (no GC cost for a cache of hundreds of MB) and go to the
 * socket without re-encoding.
 */
export interface Chunk {
  buf: Buffer;
  ends: Uint32Array;
  t: Float64Array;
  tEnd: Float64Array;
  base: Uint32Array;
  count: number;
}

export const EMPTY_CHUNK: Chunk = Object.freeze({
  buf: Buffer.alloc(0),
  ends: new Uint32Array(0),
  t: new Float64Array(0),
  tEnd: new Float64Array(0),
  base: new Uint32Array(0),
  count: 0,
}) as Chunk;

const ascii = (s: string): number[] => [...s].map((ch) => ch.charCodeAt(0));
const K_V = ascii('{"v":');
const K_VW = ascii(',"vw":');
const K_O = ascii(',"o":');
const K_C = ascii(',"c":');
const K_H = ascii(',"h":');
const K_L = ascii(',"l":');
const K_T = ascii(',"t":');
const K_N = ascii(',"n":');

const SCALE = 1e6;
/** Values whose 6-decimal scaling stays an exact integer in a double. */
const FIXED_MAX = 2 ** 53 / SCALE;

/**
 * ".d", ".dd", ".ddd" or ".dddd" (trailing zeros trimmed) for every 4-digit fraction, 6 bytes a slot
 * (a length byte, then up to 5 characters): most simulated numbers have at most 4 decimals, and a table
 * lookup beats a digit loop with trimming.
 */
const FRAC4 = ((): Uint8Array => {
  const t = new Uint8Array(10_000 * 6);
  for (let f = 1; f < 10_000; f++) {
    const s = `.${String(f).padStart(4, '0')}`.replace(/0+$/, '');
    t[f * 6] = s.length;
    for (let i = 0; i < s.length; i++) t[f * 6 + 1 + i] = s.charCodeAt(i);
  }
  return t;
})();

class ByteWriter {
  buf: Buffer;
  pos = 0;
  private readonly digits = new Uint8Array(24);

  constructor(capacity: number) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  ensure(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + extra));
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }

  bytes(b: number[]): void {
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < b.length; i++) buf[p++] = b[i]!;
    this.pos = p;
  }

  /** `,"key":` then the number. */
  field(key: number[], x: number): void {
    this.bytes(key);
    this.num(x);
  }

  byte(b: number): void {
    this.buf[this.pos++] = b;
  }

  /** A non-negative integer below 2^53. */
  uint(u: number): void {
    if (u >= 2147483648) {
      // Split so that both halves are int32 and the digit loop stays in integer arithmetic.
      const hi = Math.floor(u / 1e6);
      this.uint(hi);
      this.padded((u - hi * 1e6) | 0, 6);
      return;
    }
    const d = this.digits;
    let n = 0;
    let x = u | 0;
    do {
      const q = (x / 10) | 0;
      d[n++] = 48 + x - q * 10;
      x = q;
    } while (x > 0);
    const buf = this.buf;
    let p = this.pos;
    while (n > 0) buf[p++] = d[--n]!;
    this.pos = p;
  }

  /** An int32 written with exactly `width` digits (leading zeros kept). */
  padded(x: number, width: number): void {
    const buf = this.buf;
    const p = this.pos;
    for (let i = width - 1; i >= 0; i--) {
      const q = (x / 10) | 0;
      buf[p + i] = 48 + x - q * 10;
      x = q;
    }
    this.pos = p + width;
  }

  num(x: number): void {
    if (x < 0) {
      this.byte(45);
      x = -x;
    }
    if (x < 214_748) {
      // Fast path: at most 4 decimals and small enough for int32 arithmetic.
      const k = Math.round(x * 10_000);
      if (k / 10_000 === x) {
        const whole = (k / 10_000) | 0;
        const frac = k - whole * 10_000;
        this.uint(whole);
        if (frac !== 0) {
          const at = frac * 6;
          const len = FRAC4[at]!;
          const buf = this.buf;
          let p = this.pos;
          for (let i = 1; i <= len; i++) buf[p++] = FRAC4[at + i]!;
          this.pos = p;
        }
        return;
      }
    }
    if (Number.isInteger(x) && x < 2 ** 53) {
      this.uint(x);
      return;
    }
    if (!(x < FIXED_MAX)) {
      const s = String(x);
      for (let i = 0; i < s.length; i++) this.byte(s.charCodeAt(i));
      return;
    }
    const k = Math.round(x * SCALE);
    const whole = Math.floor(k / SCALE);
    let frac = (k - whole * SCALE) | 0;
    this.uint(whole);
    if (frac === 0) return;
    let width = 6;
    while (frac % 10 === 0) {
      frac = (frac / 10) | 0;
      width--;
    }
    this.byte(46);
    this.padded(frac, width);
  }
}

export function toChunk(a: Aggregated): Chunk {
  const b = a.bars;
  const n = b.count;
  const ends = new Uint32Array(n);
  const { t, o, h, l, c, v, vw, n: nn } = b;
  const w = new ByteWriter(n * 128 + 16);
  for (let i = 0; i < n; i++) {
    // 8 numbers of at most ~24 bytes plus keys: 300 bytes is a safe bound for one bar.
    w.ensure(300);
    if (i > 0) w.byte(44);
    w.field(K_V, v[i]!);
    if (vw !== null) w.field(K_VW, vw[i]!);
    w.field(K_O, o[i]!);
    w.field(K_C, c[i]!);
    w.field(K_H, h[i]!);
    w.field(K_L, l[i]!);
    w.bytes(K_T);
    w.uint(t[i]!);
    if (nn !== null) w.field(K_N, nn[i]!);
    w.byte(125);
    ends[i] = w.pos;
  }
  // Copy out of the oversized scratch so the cache holds only what is used.
  const buf = Buffer.from(w.buf.subarray(0, w.pos));
  return {
    buf,
    ends,
    // Copies, so a cached chunk does not pin the generator's arrays.
    t: b.t.slice(0, n),
    tEnd: n === a.tEnd.length ? a.tEnd : a.tEnd.slice(0, n),
    base: n === a.base.length ? a.base : a.base.slice(0, n),
    count: n,
  };
}

export function chunkBytes(c: Chunk): number {
  return c.buf.length + c.count * 20 + 128;
}

/** Start offset of bar i inside `buf`. */
export function barStart(c: Chunk, i: number): number {
  return i === 0 ? 0 : c.ends[i - 1]! + 1;
}

/** First index i < count with xs[i] > ms (xs ascending). */
function firstAbove(xs: Float64Array, count: number, ms: number): number {
  let lo = 0;
  let hi = count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]! > ms) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** First index whose bucket ends after `ms` (the first bar overlapping [ms, ...)). */
export function firstEndingAfter(c: Chunk, ms: number): number {
  return firstAbove(c.tEnd, c.count, ms);
}

/** First index whose start is after `ms`. */
export function firstStartingAfter(c: Chunk, ms: number): number {
  return firstAbove(c.t, c.count, ms);
}
