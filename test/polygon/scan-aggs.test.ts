// The byte scanner against JSON.parse on random pages: every number it returns must be the very
// double JSON.parse makes (Object.is: -0 and all), and every body outside its plain shape must be
// refused (null) so that the JSON.parse path handles it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { scanAggs, SCANNED } from '../../src/polygon/scan-aggs.js';
import { BAR_FIELDS, barsOf } from '../../src/polygon/bar-columns.js';
import { MalformedResponseError, parseAggsBody } from '../../src/polygon/index.js';

const FIXTURE = new URL('../fixtures/polygon-recorded/AAPL-1-day-2005-04-01-2005-04-04.json', import.meta.url);

/** mulberry32: a seeded generator, so that a failure is reproducible from its seed. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo: number, hi: number): number => lo + Math.floor(next() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[int(0, xs.length - 1)]!;
  return { next, int, pick, chance: (p: number) => next() < p };
}
type Rng = ReturnType<typeof rng>;

const EDGES = [
  '0', '-0', '-0.0', '0e0', '-0E+5', '0.000', '5e-324', '4.9e-324', '2e-324', '1e-400', '-1e-400', '2.2250738585072014e-308', '2.2250738585072011e-308',
  '1.7976931348623157e308', '1.7976931348623158e308', '1.7976931348623159e308', '1e308', '1e309', '1e999', '-1e999', '9007199254740993', '9007199254740992.5',
  '123456789012345678901234567890', '0.1', '0.30000000000000004', '1e22', '1e23', '1e-22', '1e-23', '999999999999999', '9999999999999999', '1E+2', '1e+02', '1e-0007',
];

const digits = (r: Rng, n: number): string => Array.from({ length: n }, () => r.int(0, 9)).join('');

/** One JSON number as text, of many kinds. */
function numberText(r: Rng): string {
  const kind = r.int(0, 7);
  if (kind === 0) return r.pick(EDGES);
  if (kind === 1) {
    // Any finite double, as JS prints it (shortest round trip; exponents at both ends).
    const f = new Float64Array(1);
    const u = new Uint32Array(f.buffer);
    do {
      u[0] = r.int(0, 0xffffffff);
      u[1] = r.int(0, 0xffffffff);
    } while (!Number.isFinite(f[0]!));
    return String(f[0]);
  }
  if (kind === 2) return String(r.int(-1e6, 1e6));
  if (kind === 3) return String(Math.round(r.next() * 1e6) / 100); // a price
  if (kind === 4) return String(Math.round(r.next() * 1e8) / 1e4); // a VWAP
  if (kind === 5) return String(1_600_000_000_000 + r.int(0, 1e9) * 60_000); // a timestamp
  if (kind === 6) return String((r.next() - 0.5) * 10 ** r.int(-30, 30));
  // Random digits: many of them, a fraction, an exponent with its sign and leading zeros.
  const int = r.chance(0.2) ? '0' : String(r.int(1, 9)) + digits(r, r.int(0, 25));
  const frac = r.chance(0.6) ? `.${digits(r, r.int(1, 30))}` : '';
  const exp = r.chance(0.5) ? `${r.pick(['e', 'E'])}${r.pick(['', '+', '-'])}${digits(r, r.int(1, 4))}` : '';
  return `${r.chance(0.3) ? '-' : ''}${int}${frac}${exp}`;
}

const ws = (r: Rng): string => (r.chance(0.15) ? Array.from({ length: r.int(1, 3) }, () => r.pick([' ', '\n', '\t', '\r'])).join('') : '');

function shuffle<T>(r: Rng, xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = r.int(0, i);
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}

/** A page of the plain shape: keys in random order, some absent, whitespace between tokens if `spaced`. */
function plainPage(r: Rng, spaced: boolean): string {
  const w = () => (spaced ? ws(r) : '');
  const bars = Array.from({ length: r.int(0, 40) }, () => {
    const keys = shuffle(r, BAR_FIELDS.filter((k) => (k === 'vw' || k === 'n' ? r.chance(0.8) : r.chance(0.97))));
    // A repeated key now and then: the last one wins, in both.
    if (keys.length > 0 && r.chance(0.05)) keys.push(r.pick(keys));
    return `${w()}{${keys.map((k) => `${w()}"${k}"${w()}:${w()}${numberText(r)}${w()}`).join(',')}}${w()}`;
  });
  const head = r.chance(0.5) ? '"ticker":"AAPL","queryCount":2,"resultsCount":2,"adjusted":true,' : '';
  const tail = r.chance(0.5) ? ',"status":"OK","request_id":"abc","count":2' : '';
  return `{${head}"results":[${bars.join(',')}]${tail}${r.chance(0.3) ? ',"next_url":"https://x/y?cursor=1"' : ''}}`;
}

/** What JSON.parse says each column holds: the value, NaN for an absent key. */
function expectedColumns(text: string): number[][] {
  const doc = JSON.parse(text) as { results: Record<string, number>[] };
  return BAR_FIELDS.map((f) => doc.results.map((b) => (f in b ? b[f]! : NaN)));
}

function expectSame(text: string): void {
  const got = scanAggs(Buffer.from(text));
  expect(got, text).not.toBeNull();
  const want = expectedColumns(text);
  expect(got!.cols.count).toBe(want[0]!.length);
  BAR_FIELDS.forEach((f, k) => {
    const col = got!.cols[f];
    expect(col.length).toBe(got!.cols.count);
    for (let i = 0; i < col.length; i++) {
      if (!Object.is(col[i], want[k]![i])) throw new Error(`${f}[${i}]: scanned ${col[i]}, JSON.parse ${want[k]![i]} in ${text.slice(0, 2000)}`);
    }
  });
  // The rest is the document less its bars.
  const rest = JSON.parse(got!.rest) as Record<string, unknown>;
  const full = JSON.parse(text) as Record<string, unknown>;
  expect({ ...rest, results: null }).toEqual({ ...full, results: null });
  expect(rest.results).toEqual([SCANNED]);
}

/** Valid JSON the scanner must not claim: a value or key outside its shape. */
const REFUSED: Array<[string, string]> = [
  ['another key', '{"results":[{"t":1,"o":1,"h":1,"l":1,"c":1,"v":1,"otc":true}]}'],
  ['a null', '{"results":[{"t":1,"o":1,"h":1,"l":1,"c":1,"v":1,"vw":null}]}'],
  ['a string', '{"results":[{"t":1,"o":"1","h":1,"l":1,"c":1,"v":1}]}'],
  ['a nested object', '{"results":[{"t":1,"o":{"x":1},"h":1,"l":1,"c":1,"v":1}]}'],
  ['an escaped key', '{"results":[{"\\u0074":1,"o":1,"h":1,"l":1,"c":1,"v":1}]}'],
  ['a bar that is not an object', '{"results":[1]}'],
  ['an empty bar', '{"results":[{}]}'],
  ['a boolean', '{"results":[{"t":true}]}'],
  ['no results array', '{"status":"OK","results":null}'],
  ['"results" first seen as a value', '{"note":"results","results":[{"t":1}]}'],
];

/** Not JSON at all: the scanner refuses, or its rest is not JSON either (parse.ts then falls back). */
const INVALID: Array<[string, string]> = [
  ['a leading zero', '{"results":[{"t":01}]}'],
  ['a bare dot', '{"results":[{"t":1.}]}'],
  ['a dot first', '{"results":[{"t":.5}]}'],
  ['a plus sign', '{"results":[{"t":+1}]}'],
  ['an empty exponent', '{"results":[{"t":1e}]}'],
  ['a signed empty exponent', '{"results":[{"t":1e+}]}'],
  ['a lone minus', '{"results":[{"t":-}]}'],
  ['NaN', '{"results":[{"t":NaN}]}'],
  ['Infinity', '{"results":[{"t":Infinity}]}'],
  ['a trailing comma in a bar', '{"results":[{"t":1,}]}'],
  ['a trailing comma in the array', '{"results":[{"t":1},]}'],
  ['a missing colon', '{"results":[{"t" 1}]}'],
  ['a missing comma', '{"results":[{"t":1 "o":2}]}'],
  ['hex', '{"results":[{"t":0x10}]}'],
  ['truncated in a bar', '{"results":[{"t":1,"o":2'],
  ['truncated after the array', '{"results":[{"t":1}],"status":"O'],
  ['garbage after the document', '{"results":[{"t":1}]}x'],
];

describe('scanAggs', () => {
  it('reads every number exactly as JSON.parse does, on random pages', () => {
    for (let seed = 1; seed <= 400; seed++) {
      const r = rng(seed);
      expectSame(plainPage(r, seed % 3 === 0));
    }
  });

  it('reads long digit strings and edge values exactly (the slow path)', () => {
    const r = rng(7);
    for (let k = 0; k < 5_000; k++) {
      const x = numberText(r);
      expectSame(`{"results":[{"v":${x},"vw":${x},"t":${x}}]}`);
    }
    for (const x of EDGES) expectSame(`{"results":[{"o":${x}}]}`);
  });

  it('reads a pretty-printed body (the recorded Polygon response)', () => {
    expectSame(readFileSync(FIXTURE, 'utf8'));
    expectSame('{ "results" :\n [ ] , "status" : "OK" }');
  });

  it.each(REFUSED)('refuses %s', (_name, text) => {
    JSON.parse(text);
    expect(scanAggs(Buffer.from(text))).toBeNull();
  });

  it.each(INVALID)('does not take %s for a page', (_name, text) => {
    expect(() => JSON.parse(text)).toThrow();
    const got = scanAggs(Buffer.from(text));
    if (got !== null) expect(() => JSON.parse(got.rest)).toThrow();
  });

  it('refuses random corruptions of a page, or leaves JSON.parse to reject them', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const r = rng(1000 + seed);
      const text = plainPage(r, false);
      const at = r.int(0, text.length - 1);
      const bad = r.chance(0.5) ? text.slice(0, at) + text.slice(at + 1) : text.slice(0, at) + r.pick(['{', '}', '[', ']', ',', ':', '"', '0', '-', '.', 'e', 'x', ' ']) + text.slice(at);
      let valid = true;
      try {
        JSON.parse(bad);
      } catch {
        valid = false;
      }
      const got = scanAggs(Buffer.from(bad));
      if (got === null) continue;
      if (!valid) {
        // Scanned bars of a broken body: only the rest can be what is broken, and it must not parse.
        expect(() => JSON.parse(got.rest), bad).toThrow();
        continue;
      }
      const rest = JSON.parse(got.rest) as { results?: unknown };
      // parse.ts takes the scan only when the top-level results is the marker.
      if (Array.isArray(rest.results) && rest.results.length === 1 && rest.results[0] === SCANNED) expectSame(bad);
    }
  });
});

describe('parseAggsBody on bytes', () => {
  it('answers from the scan what the JSON.parse path answers from the text', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const r = rng(5000 + seed);
      // Plain pages with every key: the scan path must accept them all.
      const bars = Array.from({ length: r.int(0, 30) }, (_, i) => {
        const b = { t: 1_700_000_000_000 + (r.chance(0.9) ? i : r.int(0, 30)) * 60_000, o: numberText(r), h: numberText(r), l: numberText(r), c: numberText(r), v: numberText(r), vw: numberText(r), n: String(r.int(0, 999)) };
        return `{${shuffle(r, Object.entries(b)).map(([k, v]) => `"${k}":${v}`).join(',')}}`;
      });
      const text = `{"status":"OK","request_id":"r${seed}","results":[${bars.join(',')}]${r.chance(0.5) ? ',"next_url":"https://api.polygon.io/v2/x?cursor=c"' : ''}}`;
      const after = r.chance(0.5) ? -Infinity : 1_700_000_000_000 + r.int(0, 30) * 60_000;
      expect(scanAggs(Buffer.from(text))).not.toBeNull();
      const fast = parseAggsBody(Buffer.from(text), after);
      // The text path, twice: a nested "results":[ ahead of the real one (the marker check fails),
      // and a key the scanner refuses in the first bar.
      const nested = parseAggsBody(text.replace('{"status"', '{"pad":{"results":[]},"status"'), after);
      const otc = parseAggsBody(text.replace(/"results":\[\{/, '"results":[{"otc":false,'), after);
      for (const p of [nested, otc]) {
        expect([fast.received, fast.lastTs, fast.nextUrl, fast.status, fast.requestId]).toEqual([p.received, p.lastTs, p.nextUrl, p.status, p.requestId]);
        const a = barsOf(fast.bars);
        const b = barsOf(p.bars);
        expect(a.length).toBe(b.length);
        a.forEach((x, i) => {
          for (const f of BAR_FIELDS) if (!Object.is(x[f], b[i]![f])) throw new Error(`bar ${i} ${f}: ${x[f]} vs ${b[i]![f]}`);
        });
      }
    }
  });

  it('falls back when "results":[ is inside a string or a nested object, or repeated', () => {
    const bar = '{"t":5,"o":1,"h":1,"l":1,"c":1,"v":1}';
    const inString = `{"note":"\\"results\\":[${bar.replace(/"/g, '\\"')}]","results":[{"t":7,"o":2,"h":2,"l":2,"c":2,"v":2}]}`;
    expect(barsOf(parseAggsBody(Buffer.from(inString), -Infinity).bars).map((b) => b.t)).toEqual([7]);
    const nested = `{"meta":{"results":[${bar}]},"results":[]}`;
    expect(parseAggsBody(Buffer.from(nested), -Infinity).bars.count).toBe(0);
    const twice = `{"results":[${bar}],"results":[]}`;
    expect(parseAggsBody(Buffer.from(twice), -Infinity).received).toBe(0);
  });

  it('keeps 1e999 a bar and null vw/n missing; fails bad bars with the same message on either path', () => {
    const p = parseAggsBody(Buffer.from('{"results":[{"t":1,"o":1e999,"h":1,"l":1,"c":1,"v":-1e999,"vw":null,"n":null}]}'), -Infinity);
    expect(barsOf(p.bars)).toEqual([{ t: 1, o: Infinity, h: 1, l: 1, c: 1, v: -Infinity, vw: null, n: null }]);
    const bad: Array<[string, RegExp]> = [
      ['{"results":[{"o":1,"h":1,"l":1,"c":1,"v":1}]}', /^bar 0: t is not an integer timestamp$/],
      ['{"results":[{"t":1.5,"o":1,"h":1,"l":1,"c":1,"v":1}]}', /^bar 0: t is not an integer timestamp$/],
      ['{"results":[{"t":1e20,"o":1,"h":1,"l":1,"c":1,"v":1}]}', /^bar 0: t is not an integer timestamp$/],
      ['{"results":[{"t":1,"o":1,"h":1,"l":1,"c":1,"v":1},{"t":2,"o":1,"h":1,"c":1,"v":1}]}', /^bar 1: t=2: o\/h\/l\/c\/v must be numbers$/],
      ['{"results":[{"t":1,"o":1,"h":1,"l":1,"c":1,"v":1,"n":1e999}]}', /^bar 0: t=1: n must be a finite number$/],
      ['{"status":"OK","results":[],"next_url":5}', /^next_url is not a string$/],
    ];
    for (const [text, msg] of bad) {
      for (const body of [text, Buffer.from(text)]) {
        let err: unknown;
        try {
          parseAggsBody(body, -Infinity);
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(MalformedResponseError);
        expect((err as Error).message).toMatch(msg);
      }
    }
  });
});
