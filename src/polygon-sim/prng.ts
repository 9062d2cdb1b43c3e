/** Deterministic pseudo-randomness: everything the simulator generates is a function of its seeds. */

/** FNV-1a over UTF-16 code units, finished with murmur3's fmix so nearby strings spread well. */
export function hashString(s: string, seed = 0): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix(h);
}

export function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Combines two 32-bit values into a new seed. */
export function mix(a: number, b: number): number {
  return fmix((a ^ Math.imul(b | 0, 0x9e3779b1)) >>> 0);
}

/** mulberry32: tiny, fast, good enough for synthetic prices and fault dice. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Roughly standard normal (sum of two uniforms, scaled to unit variance): cheap and bounded. */
  normal(): number {
    return (this.next() + this.next() - 1) * 2.449489742783178;
  }
}
