import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BadRequestError, barsOf, MalformedResponseError, NotEntitledError, parseAggsBody } from '../../src/polygon/index.js';

const FIXTURE = new URL('../fixtures/polygon-recorded/AAPL-1-day-2005-04-01-2005-04-04.json', import.meta.url);

const body = (results: unknown[] | undefined | null, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ ticker: 'T', status: 'OK', request_id: 'r1', ...(results === undefined ? {} : { results }), ...extra });

describe('parseAggsBody', () => {
  it('parses the recorded Polygon response, DST included', () => {
    const p = parseAggsBody(readFileSync(FIXTURE, 'utf8'), -Infinity);
    expect(p.status).toBe('OK');
    expect(p.requestId).toBe('12afda77aab3b1936c5fb6ef4241ae42');
    expect(p.nextUrl).toBeNull();
    expect(barsOf(p.bars)).toEqual([
      { v: 642646396.0, vw: 1.469, o: 1.5032, c: 1.4604, h: 1.5064, l: 1.4489, t: 1112331600000, n: 82132 },
      { v: 578172308.0, vw: 1.4589, o: 1.4639, c: 1.4675, h: 1.4754, l: 1.4343, t: 1112587200000, n: 65543 },
    ]);
    // Daily bars start at 00:00 New York: 05:00Z before the 2005-04-03 DST switch, 04:00Z after.
    expect(new Date(barsOf(p.bars)[0]!.t).toISOString()).toBe('2005-04-01T05:00:00.000Z');
    expect(new Date(barsOf(p.bars)[1]!.t).toISOString()).toBe('2005-04-04T04:00:00.000Z');
  });

  it('tolerates missing vw/n, float and exponent volumes, missing or null results', () => {
    const text =
      '{"status":"DELAYED","results":[{"v":1.5e3,"o":1,"c":1,"h":1,"l":1,"t":1000},' +
      '{"v":0.00012345,"vw":null,"o":2,"c":2,"h":2.5,"l":1.5,"t":2000,"n":3},{"v":2E+2,"vw":2,"o":2,"c":2,"h":2,"l":2,"t":3000,"otc":true}]}';
    const p = parseAggsBody(text, -Infinity);
    expect(barsOf(p.bars).map((b) => [b.t, b.v, b.vw, b.n])).toEqual([
      [1000, 1500, null, null],
      [2000, 0.00012345, null, 3],
      [3000, 200, 2, null],
    ]);
    expect(barsOf(parseAggsBody(body(undefined), -Infinity).bars)).toEqual([]);
    expect(barsOf(parseAggsBody(body(null), -Infinity).bars)).toEqual([]);
    expect(barsOf(parseAggsBody(body([]), -Infinity).bars)).toEqual([]);
  });

  it('drops bars at or before afterTs and reports how many arrived', () => {
    const bars = [1, 2, 3, 4].map((t) => ({ v: 1, o: 1, c: 1, h: 1, l: 1, t }));
    const p = parseAggsBody(body(bars), 2);
    expect(barsOf(p.bars).map((b) => b.t)).toEqual([3, 4]);
    expect([p.received, p.lastTs]).toEqual([4, 4]);
  });

  // Issue 12: numbers that are all there but break a rule are bars, not a malformed payload. They
  // used to fail the page here (bad_payload); now the validator records them and they are stored.
  it('passes bars that break a rule through unchanged, for the validator to flag', () => {
    const text =
      '{"status":"OK","results":[{"v":1,"o":1,"c":1,"h":0.5,"l":1.5,"t":1},{"v":-1,"o":1,"c":1,"h":1,"l":1,"t":2},' +
      '{"v":1,"o":1e999,"c":1,"h":1,"l":1,"t":3,"vw":-1e999},{"v":1,"o":1,"c":1,"h":1,"l":1,"t":3},{"v":1,"o":1,"c":1,"h":1,"l":1,"t":2}]}';
    const p = parseAggsBody(text, -Infinity);
    expect(barsOf(p.bars).map((b) => [b.t, b.o, b.h, b.l, b.v, b.vw])).toEqual([
      [1, 1, 0.5, 1.5, 1, null],
      [2, 1, 1, 1, -1, null],
      [3, Infinity, 1, 1, 1, -Infinity],
      [3, 1, 1, 1, 1, null],
      [2, 1, 1, 1, 1, null],
    ]);
    expect([p.received, p.lastTs]).toEqual([5, 3]);
  });

  it('out of order: drops every bar at or before afterTs, wherever it sits, and resumes after the latest', () => {
    const bars = [3, 1, 4, 2, 5, 4].map((t) => ({ v: 1, o: 1, c: 1, h: 1, l: 1, t }));
    const p = parseAggsBody(body(bars), 2);
    expect(barsOf(p.bars).map((b) => b.t)).toEqual([3, 4, 5, 4]);
    expect([p.received, p.lastTs]).toEqual([6, 5]);
    const none = parseAggsBody(body(bars), 5);
    expect([none.bars.count, none.lastTs]).toEqual([0, -Infinity]);
  });

  it('returns next_url', () => {
    expect(parseAggsBody(body([], { next_url: 'https://api.polygon.io/v2/aggs/x?cursor=abc' }), 0).nextUrl).toBe('https://api.polygon.io/v2/aggs/x?cursor=abc');
  });

  const broken: Array<[string, string]> = [
    ['non-JSON', '<html><body>502 Bad Gateway</body></html>'],
    ['truncated', body([{ v: 1, o: 1, c: 1, h: 1, l: 1, t: 1 }]).slice(0, 40)],
    ['empty body', ''],
    ['not an object', '[1,2]'],
    ['results not an array', body(undefined, { results: { a: 1 } })],
    ['string price', body([{ v: 1, o: 'NaN', c: 1, h: 1, l: 1, t: 1 }])],
    ['missing close', body([{ v: 1, o: 1, h: 1, l: 1, t: 1 }])],
    ['null high', body([{ v: 1, o: 1, c: 1, h: null, l: 1, t: 1 }])],
    ['string volume', body([{ v: '1', o: 1, c: 1, h: 1, l: 1, t: 1 }])],
    ['missing timestamp', body([{ v: 1, o: 1, c: 1, h: 1, l: 1 }])],
    ['string timestamp', body([{ v: 1, o: 1, c: 1, h: 1, l: 1, t: '1' }])],
    ['infinite trade count', '{"status":"OK","results":[{"v":1,"o":1,"c":1,"h":1,"l":1,"t":1,"n":1e999}]}'],
    ['fractional timestamp', body([{ v: 1, o: 1, c: 1, h: 1, l: 1, t: 1.5 }])],
    ['bad vw', body([{ v: 1, vw: 'x', o: 1, c: 1, h: 1, l: 1, t: 1 }])],
    ['null bar', body([null])],
    ['next_url not a string', body([], { next_url: 5 })],
  ];
  it.each(broken)('rejects %s with MalformedResponseError', (_name, text) => {
    expect(() => parseAggsBody(text, -Infinity)).toThrow(MalformedResponseError);
    try {
      parseAggsBody(text, -Infinity);
    } catch (e) {
      expect((e as MalformedResponseError).code).toBe('bad_payload');
      expect((e as MalformedResponseError).retryable).toBe(true);
    }
  });

  it('maps NOT_AUTHORIZED and ERROR statuses in a 200 body', () => {
    expect(() => parseAggsBody('{"status":"NOT_AUTHORIZED","message":"Your plan doesn\'t include this data timeframe."}', 0)).toThrow(NotEntitledError);
    expect(() => parseAggsBody('{"status":"ERROR","error":"to before from"}', 0)).toThrow(BadRequestError);
  });

  it('parses a full 50,000-bar page (speed is measured by npm run bench, not here)', () => {
    const bar = (i: number): string => `{"v":${1000 + i},"vw":123.4567,"o":123.45,"c":123.46,"h":123.5,"l":123.4,"t":${1_700_000_000_000 + i * 60_000},"n":${i % 97}}`;
    const text = `{"ticker":"T","status":"OK","results":[${Array.from({ length: 50_000 }, (_, i) => bar(i)).join(',')}]}`;
    const p = parseAggsBody(text, -Infinity);
    expect(barsOf(p.bars)).toHaveLength(50_000);
    expect(barsOf(p.bars)[49_999]).toEqual({ t: 1_700_000_000_000 + 49_999 * 60_000, o: 123.45, h: 123.5, l: 123.4, c: 123.46, v: 50_999, vw: 123.4567, n: 49_999 % 97 });
  });
});
