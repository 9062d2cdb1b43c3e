import type { SimOptions } from './options.js';

export interface SimStats {
  requests: number;
  status429: number;
  /** Responses by HTTP status; 0 counts connections reset on purpose. */
  byStatus: Record<number, number>;
}

/** Memory shared between the simulator's controlling thread and the thread serving HTTP. */
export interface SharedBuffers {
  control: SharedArrayBuffer;
  options: SharedArrayBuffer;
  stats: SharedArrayBuffer;
}

const STATUSES = [0, 200, 400, 401, 403, 404, 429, 500, 502, 503, 504] as const;
const OTHER = STATUSES.length;
// stats layout: [requests, status429, one slot per STATUSES entry, other]
const S_REQUESTS = 0;
const S_429 = 1;
const S_FIRST = 2;
// control layout: [seqlock version (odd while writing), options byte length, seed epoch, reset epoch]
const C_VERSION = 0;
const C_LENGTH = 1;
const C_SEED = 2;
const C_RESET = 3;
const OPTIONS_BYTES = 1 << 20;

/**
 * Options and counters in SharedArrayBuffers, so that `stats()` and `setOptions()` stay synchronous
 * while the server runs on its own thread: a write is visible to the very next request. Options are
 * JSON under a seqlock (version odd while a write is in progress).
 */
export class SharedSimState {
  readonly buffers: SharedBuffers;
  private readonly control: Int32Array;
  private readonly bytes: Uint8Array;
  private readonly counters: Int32Array;
  private cachedVersion = -1;
  private cached: SimOptions = {};
  private readonly encoder = new TextEncoder();
  private readonly decoder = new TextDecoder();

  constructor(buffers?: SharedBuffers) {
    this.buffers = buffers ?? {
      control: new SharedArrayBuffer(4 * 4),
      options: new SharedArrayBuffer(OPTIONS_BYTES),
      stats: new SharedArrayBuffer(4 * (S_FIRST + STATUSES.length + 1)),
    };
    this.control = new Int32Array(this.buffers.control);
    this.bytes = new Uint8Array(this.buffers.options);
    this.counters = new Int32Array(this.buffers.stats);
  }

  options(): SimOptions {
    for (;;) {
      const v1 = Atomics.load(this.control, C_VERSION);
      if (v1 === this.cachedVersion) return this.cached;
      if (v1 % 2 === 1) continue;
      const len = Atomics.load(this.control, C_LENGTH);
      // TextDecoder refuses shared memory, so copy out first.
      const text = this.decoder.decode(this.bytes.slice(0, len));
      if (Atomics.load(this.control, C_VERSION) !== v1) continue;
      this.cached = len === 0 ? {} : (JSON.parse(text) as SimOptions);
      this.cachedVersion = v1;
      return this.cached;
    }
  }

  setOptions(o: SimOptions, reseed: boolean): void {
    const data = this.encoder.encode(JSON.stringify(o));
    if (data.length > OPTIONS_BYTES) throw new RangeError('simulator options too large');
    Atomics.add(this.control, C_VERSION, 1);
    this.bytes.set(data);
    Atomics.store(this.control, C_LENGTH, data.length);
    if (reseed) Atomics.add(this.control, C_SEED, 1);
    Atomics.add(this.control, C_VERSION, 1);
  }

  seedEpoch(): number {
    return Atomics.load(this.control, C_SEED);
  }

  resetEpoch(): number {
    return Atomics.load(this.control, C_RESET);
  }

  countRequest(): void {
    Atomics.add(this.counters, S_REQUESTS, 1);
  }

  countStatus(status: number): void {
    const i = STATUSES.indexOf(status as (typeof STATUSES)[number]);
    Atomics.add(this.counters, S_FIRST + (i < 0 ? OTHER : i), 1);
    if (status === 429) Atomics.add(this.counters, S_429, 1);
  }

  stats(): SimStats {
    const byStatus: Record<number, number> = {};
    STATUSES.forEach((s, i) => {
      const n = Atomics.load(this.counters, S_FIRST + i);
      if (n > 0) byStatus[s] = n;
    });
    const other = Atomics.load(this.counters, S_FIRST + OTHER);
    if (other > 0) byStatus[-1] = other;
    return { requests: Atomics.load(this.counters, S_REQUESTS), status429: Atomics.load(this.counters, S_429), byStatus };
  }

  /** Zeroes the counters and tells the server to forget its rate-limit windows. */
  reset(): void {
    for (let i = 0; i < this.counters.length; i++) Atomics.store(this.counters, i, 0);
    Atomics.add(this.control, C_RESET, 1);
  }
}
