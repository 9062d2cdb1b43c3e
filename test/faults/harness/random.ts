// Seeded, reproducible randomness: every random choice of the suite comes from here, and each
// scenario prints its seed so that a failure can be replayed with FAULTS_SEED=<seed>.
import { createHash, randomInt } from 'node:crypto';

/** The suite's base seed: FAULTS_SEED when set, otherwise a fresh one (printed by each scenario). */
export const BASE_SEED: number = process.env.FAULTS_SEED ? Number(process.env.FAULTS_SEED) >>> 0 : randomInt(1, 2 ** 31);

/** A per-scenario seed derived from the base seed, stable across runs with the same FAULTS_SEED. */
export function seedFor(scenario: string, base = BASE_SEED): number {
  return createHash('sha256').update(`${base}:${scenario}`).digest().readUInt32LE(0);
}

export interface Rng {
  readonly seed: number;
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [min, max] inclusive. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
  shuffle<T>(items: T[]): T[];
}

/** mulberry32: small, fast, good enough for test inputs. */
export function rng(seed: number): Rng {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const r: Rng = {
    seed,
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[Math.floor(next() * items.length)]!;
    },
    chance: (p) => next() < p,
    shuffle: (items) => {
      for (let i = items.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [items[i], items[j]] = [items[j]!, items[i]!];
      }
      return items;
    },
  };
  return r;
}
