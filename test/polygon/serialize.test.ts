import { describe, expect, it } from 'vitest';
import { identity } from '../../src/polygon-sim/aggregate.js';
import { allocBars } from '../../src/polygon-sim/bars.js';
import { toChunk } from '../../src/polygon-sim/chunk.js';

describe('bar serialization', () => {
  it('prints every number exactly as Number#toString would', () => {
    const values = [
      0, 1, 0.0001, 0.5, 1.5, 9.99, 123.45, 110.27, 105.2, 133.4915, 1.4604, 214_747.9999, 214_748.5, 60_123.12, 0.000123, 0.987654,
      1234567.123456, 5, 100_000_000, 9_007_199_254_740_991, 1e21, 0.00001, 3.0001, 49_999.99, 2_147_483_647, 2_147_483_648, 1_718_596_800_000,
    ];
    const b = allocBars(values.length, true, true);
    b.count = values.length;
    values.forEach((x, i) => {
      b.t[i] = 1_700_000_000_000 + i;
      b.o[i] = x;
      b.h[i] = x;
      b.l[i] = x;
      b.c[i] = x;
      b.v[i] = x;
      b.vw![i] = x;
      b.n![i] = x;
    });
    const chunk = toChunk(identity(b, 60_000));
    const text = chunk.buf.toString();
    const parsed = JSON.parse(`[${text}]`) as Array<Record<string, number>>;
    values.forEach((x, i) => {
      const bar = parsed[i]!;
      expect(bar).toEqual({ v: x, vw: x, o: x, c: x, h: x, l: x, t: 1_700_000_000_000 + i, n: x });
      expect(text.slice(i === 0 ? 0 : chunk.ends[i - 1]! + 1, chunk.ends[i])).toBe(
        `{"v":${x},"vw":${x},"o":${x},"c":${x},"h":${x},"l":${x},"t":${1_700_000_000_000 + i},"n":${x}}`,
      );
    });
  });

  it('omits vw and n for series without them', () => {
    const b = allocBars(1, false, false);
    b.count = 1;
    b.t[0] = 1;
    b.o[0] = 2;
    b.h[0] = 3;
    b.l[0] = 1;
    b.c[0] = 2;
    b.v[0] = 0;
    expect(toChunk(identity(b, 60_000)).buf.toString()).toBe('{"v":0,"o":2,"c":2,"h":3,"l":1,"t":1}');
  });
});
