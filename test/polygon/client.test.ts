import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AggsQuery,
  BadKeyError,
  BadRequestError,
  type Bar,
  MalformedResponseError,
  NotEntitledError,
  type Page,
  PolygonClient,
  type PolygonClientOptions,
  PolygonError,
  parseTimeframe,
  RateLimitedError,
  type RequestInfo,
  type ResumeCursor,
  TransientError,
  UnknownTickerError,
  barsOf,
} from '../../src/polygon/index.js';
import { BarSource, expectedBars, type PolygonSim, startPolygonSim } from '../../src/polygon-sim/index.js';

const KEY = 'sk_test_9f8e7d6c5b4a3210_SECRET';
let sim: PolygonSim;
const source = new BarSource();

beforeAll(async () => {
  sim = await startPolygonSim({ apiKeys: [KEY] });
});
afterAll(async () => {
  await sim.close();
});

const q = (ticker: string, tf: string, from: string, to: string, adjusted = true): AggsQuery => ({ ticker, timeframe: parseTimeframe(tf), from, to, adjusted });

function client(opts: Partial<PolygonClientOptions> = {}): PolygonClient {
  return new PolygonClient({ baseUrl: sim.url, apiKey: KEY, ...opts });
}

async function collect(c: PolygonClient, query: AggsQuery, resume?: ResumeCursor): Promise<{ bars: Bar[]; pages: Page[] }> {
  const pages: Page[] = [];
  for await (const p of c.pages(query, { resume })) pages.push(p);
  return { bars: pages.flatMap((p) => barsOf(p.bars)), pages };
}

async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a failure');
}

const drain = async (c: PolygonClient, query: AggsQuery, signal?: AbortSignal): Promise<void> => {
  for await (const _ of c.pages(query, { signal })) {
    // Consume.
  }
};

function assertAscendingUnique(bars: Bar[]): void {
  for (let i = 1; i < bars.length; i++) expect(bars[i]!.t).toBeGreaterThan(bars[i - 1]!.t);
}

describe('fetching ranges', () => {
  it('returns exactly the expected bars across several windows and several pages per window, over DST', async () => {
    // limit 3000 minute bars: windows of 3 sessions (2,880 extended-hours minutes) by the calendar,
    // weekends riding along; the server pages every 700 results on top.
    sim.setOptions({ maxResultsPerPage: 700 });
    try {
      const requests: RequestInfo[] = [];
      const c = client({ limit: 3_000, onRequest: (i) => requests.push(i) });
      const { bars, pages } = await collect(c, q('AAPL', '1m', '2024-03-04', '2024-03-15'));
      const want = expectedBars('AAPL', '1m', '2024-03-04', '2024-03-15', true, source);
      expect(want.length).toBeGreaterThan(7_000);
      expect(bars).toEqual(want);
      assertAscendingUnique(bars);
      expect(requests.filter((r) => r.path.includes('cursor=')).length).toBeGreaterThan(0);
      const ranges = requests.filter((r) => !r.path.includes('cursor=')).map((r) => r.path.split('?')[0]!.split('/').slice(-2).join('/'));
      expect(ranges).toEqual(['2024-03-04/2024-03-06', '2024-03-07/2024-03-11', '2024-03-12/2024-03-14', '2024-03-15/2024-03-15']);
      expect(pages.length).toBe(requests.filter((r) => r.kind === 'aggs').length);
      for (const r of requests) expect(r.path).toMatch(/limit=3000|cursor=/);
      c.close();
    } finally {
      sim.setOptions({ maxResultsPerPage: undefined });
    }
  });

  it('drops bars repeated by outward snapping at sub-day window edges', async () => {
    // 1000 minutes of capacity is under a day, so windows are in ms and cut through 15-minute bars.
    const c = client({ limit: 1_000 });
    const { bars } = await collect(c, q('X:BTCUSD', '15m', '2024-11-02', '2024-11-04'));
    expect(bars).toEqual(expectedBars('X:BTCUSD', '15m', '2024-11-02', '2024-11-04', true, source));
    expect(bars).toHaveLength((24 + 25 + 24) * 4);
    c.close();
  });

  it('fetches day, week and month bars, and second bars', async () => {
    const c = client({ limit: 100 });
    for (const [tf, from, to] of [
      ['1d', '2023-01-01', '2024-06-30'],
      ['1w', '2023-01-01', '2024-06-30'],
      ['1mo', '2022-01-01', '2024-06-30'],
    ] as const) {
      expect((await collect(c, q('MSFT', tf, from, to))).bars).toEqual(expectedBars('MSFT', tf, from, to, true, source));
    }
    const secs = await collect(client(), q('AAPL', '1s', '2024-03-11', '2024-03-11'));
    expect(secs.bars).toEqual(expectedBars('AAPL', '1s', '2024-03-11', '2024-03-11', true, source));
    expect(secs.pages.length).toBeGreaterThanOrEqual(2);
    c.close();
  });

  it('keeps adjusted and raw apart', async () => {
    const c = client();
    const adj = await collect(c, q('AAPL', '1d', '2014-01-01', '2014-03-31', true));
    const raw = await collect(c, q('AAPL', '1d', '2014-01-01', '2014-03-31', false));
    expect(raw.bars).toEqual(expectedBars('AAPL', '1d', '2014-01-01', '2014-03-31', false, source));
    expect(raw.bars).not.toEqual(adj.bars);
    c.close();
  });

  it('resumes after any cursor with exactly the tail', async () => {
    const c = client({ limit: 3_000 });
    const query = q('AAPL', '5m', '2024-03-01', '2024-03-20');
    const all = await collect(c, query);
    const want = expectedBars('AAPL', '5m', '2024-03-01', '2024-03-20', true, source);
    expect(all.bars).toEqual(want);
    const withBars = all.pages.filter((p) => p.bars.count > 0);
    for (const page of [withBars[0]!, withBars[3]!, withBars.at(-2)!]) {
      const cursor = page.cursor!;
      expect(cursor).toEqual({ afterTs: page.bars.t.at(-1)! });
      const tail = await collect(c, query, JSON.parse(JSON.stringify(cursor)) as ResumeCursor);
      expect(tail.bars).toEqual(want.filter((b) => b.t > cursor.afterTs));
    }
    // A cursor in the middle of a bar (not a bar start) resumes after it too.
    const mid = { afterTs: want[100]!.t + 1 };
    expect((await collect(c, query, mid)).bars).toEqual(want.slice(101));
    expect((await collect(c, query, { afterTs: want.at(-1)!.t })).bars).toEqual([]);
    c.close();
  });

  it('keeps the cursor on empty pages and yields them (holidays, weekends)', async () => {
    // 500 minutes is under one session, so windows are cut by the clock and some fall on closed days
    // (whole-date windows never do: closed days ride along with a session).
    const c = client({ limit: 500 });
    const { pages } = await collect(c, q('AAPL', '1m', '2024-03-28', '2024-04-01'));
    const cursors = pages.map((p) => (p.cursor ? p.cursor.afterTs : null));
    expect(pages.some((p) => p.bars.count === 0)).toBe(true);
    for (let i = 1; i < pages.length; i++) {
      if (pages[i]!.bars.count === 0) expect(cursors[i]).toBe(cursors[i - 1]);
      else expect(cursors[i]).toBe(pages[i]!.bars.t.at(-1)!);
    }
    c.close();
  });

  it('awaits beforeRequest before every request, next_url pages included', async () => {
    sim.setOptions({ maxResultsPerPage: 500 });
    try {
      let calls = 0;
      const before = sim.stats().requests;
      const c = client({
        beforeRequest: async () => {
          calls++;
          await new Promise((r) => setTimeout(r, 1));
        },
      });
      await drain(c, q('AAPL', '1m', '2024-03-04', '2024-03-06'));
      expect(calls).toBeGreaterThan(3);
      expect(sim.stats().requests - before).toBe(calls);
      c.close();
    } finally {
      sim.setOptions({ maxResultsPerPage: undefined });
    }
  });

  it('works through an injected fetch as well', async () => {
    const c = client({ fetchImpl: fetch, limit: 3_000 });
    expect((await collect(c, q('AAPL', '1m', '2024-03-07', '2024-03-12'))).bars).toEqual(expectedBars('AAPL', '1m', '2024-03-07', '2024-03-12', true, source));
  });

  it('validates the query before any request', async () => {
    const c = client();
    for (const bad of [q('AAPL', '1d', '2024-02-01', '2024-01-01'), q('', '1d', '2024-01-01', '2024-01-02'), q('AAPL', '1d', '2024-02-30', '2024-03-01')]) {
      expect(await failure(drain(c, bad))).toBeInstanceOf(BadRequestError);
    }
    expect(await failure(drain(client({ limit: 10 }), q('AAPL', '1mo', '2024-01-01', '2024-03-01')))).toBeInstanceOf(BadRequestError);
  });
});

describe('typed errors', () => {
  const query = q('AAPL', '1d', '2024-01-01', '2024-01-31');
  const withFaults = async (faults: Parameters<PolygonSim['setOptions']>[0], fn: () => Promise<void>): Promise<void> => {
    sim.resetStats();
    sim.setOptions(faults);
    try {
      await fn();
    } finally {
      sim.setOptions({
        rpm: 0,
        faults: { errorRate: 0, resetRate: 0, malformedRate: 0, truncatedRate: 0, slowRate: 0, notAuthorizedBefore: undefined, notAuthorizedTickers: undefined, unknownTickers: undefined },
      });
      sim.resetStats();
    }
  };

  it('5xx -> TransientError (retryable)', () =>
    withFaults({ faults: { errorRate: 1 } }, async () => {
      const e = await failure(drain(client(), query));
      expect(e).toBeInstanceOf(TransientError);
      expect(e).toMatchObject({ code: 'upstream_error', retryable: true });
      expect([500, 502, 503, 504]).toContain((e as TransientError).status);
    }));

  it('connection reset -> TransientError', () =>
    withFaults({ faults: { resetRate: 1 } }, async () => {
      for (let i = 0; i < 4; i++) {
        const e = await failure(drain(client(), query));
        expect(e).toBeInstanceOf(TransientError);
        expect((e as TransientError).status === null || (e as TransientError).status === 200).toBe(true);
      }
    }));

  it('malformed and truncated bodies -> MalformedResponseError', () =>
    withFaults({ faults: { malformedRate: 1 } }, async () => {
      for (let i = 0; i < 6; i++) expect(await failure(drain(client(), query))).toBeInstanceOf(MalformedResponseError);
      sim.setOptions({ faults: { malformedRate: 0, truncatedRate: 1 } });
      for (let i = 0; i < 3; i++) {
        const e = await failure(drain(client(), query));
        expect(e).toBeInstanceOf(MalformedResponseError);
        expect((e as Error).message).toMatch(/not valid JSON/);
      }
    }));

  it('slow response -> TransientError after the request timeout', () =>
    withFaults({ faults: { slowRate: 1, slowMs: 5_000 } }, async () => {
      const e = await failure(drain(client({ requestTimeoutMs: 300 }), query));
      expect(e).toBeInstanceOf(TransientError);
      expect((e as Error).message).toMatch(/timed out after 300 ms/);
      const f = await failure(drain(client({ requestTimeoutMs: 300, fetchImpl: fetch }), query));
      expect(f).toBeInstanceOf(TransientError);
      expect((f as Error).message).toMatch(/timed out after 300 ms/);
    }));

  it('NOT_AUTHORIZED -> NotEntitledError', () =>
    withFaults({ faults: { notAuthorizedBefore: '2024-01-15', notAuthorizedTickers: ['TSLA'] } }, async () => {
      const e = await failure(drain(client(), query));
      expect(e).toBeInstanceOf(NotEntitledError);
      expect(e).toMatchObject({ code: 'not_entitled', retryable: false, status: 403 });
      expect((e as Error).message).toContain("Your plan doesn't include this data timeframe.");
      expect(await failure(drain(client(), q('TSLA', '1d', '2024-02-01', '2024-02-10')))).toBeInstanceOf(NotEntitledError);
    }));

  it('unknown ticker -> UnknownTickerError after one reference look-up; a known empty range is fine', () =>
    withFaults({ faults: { unknownTickers: ['ZZZZ'] } }, async () => {
      const e = await failure(drain(client(), q('ZZZZ', '1m', '2024-01-01', '2024-12-31')));
      expect(e).toBeInstanceOf(UnknownTickerError);
      expect(e).toMatchObject({ code: 'unknown_ticker', retryable: false, ticker: 'ZZZZ' });
      expect(sim.stats().requests).toBe(2);
      const holiday = await collect(client(), q('AAPL', '1m', '2024-12-25', '2024-12-25'));
      expect(holiday.bars).toEqual([]);
      expect(holiday.pages).toHaveLength(1);
      expect(holiday.pages[0]!.cursor).toBeNull();
      const unchecked = await collect(client({ verifyEmptyTicker: false }), q('ZZZZ', '1d', '2024-01-01', '2024-01-31'));
      expect(unchecked.bars).toEqual([]);
    }));

  it('bad or missing key -> BadKeyError', async () => {
    const e = await failure(drain(client({ apiKey: 'wrong-key' }), query));
    expect(e).toBeInstanceOf(BadKeyError);
    expect(e).toMatchObject({ code: 'bad_key', retryable: false, status: 401 });
    const before = sim.stats().requests;
    expect(await failure(drain(client({ apiKey: undefined }), query))).toBeInstanceOf(BadKeyError);
    expect(sim.stats().requests).toBe(before);
  });

  it('429 -> RateLimitedError with the Retry-After delay, or null without it', () =>
    withFaults({ rpm: 1 }, async () => {
      const c = client();
      await drain(c, query);
      const e = await failure(drain(c, query));
      expect(e).toBeInstanceOf(RateLimitedError);
      expect(e).toMatchObject({ code: 'rate_limited', retryable: true, status: 429 });
      expect((e as RateLimitedError).retryAfterMs).toBeGreaterThanOrEqual(59_000);
      expect((e as RateLimitedError).retryAfterMs).toBeLessThanOrEqual(60_000);
      sim.setOptions({ retryAfter: false });
      const bare = await failure(drain(c, query));
      expect(bare).toBeInstanceOf(RateLimitedError);
      expect((bare as RateLimitedError).retryAfterMs).toBeNull();
      sim.setOptions({ retryAfter: true });
    }));

  it('aborts promptly on the caller signal, with the signal reason, not a TransientError', () =>
    withFaults({ faults: { slowRate: 1, slowMs: 10_000 } }, async () => {
      for (const opts of [{}, { fetchImpl: fetch }]) {
        const ac = new AbortController();
        const t0 = performance.now();
        setTimeout(() => ac.abort(), 100);
        const e = await failure(drain(client(opts), query, ac.signal));
        expect(e).not.toBeInstanceOf(PolygonError);
        expect((e as Error).name).toBe('AbortError');
        // 10 s of server delay: anything near 100 ms shows the abort did not wait for it.
        expect(performance.now() - t0).toBeLessThan(3_000);
      }
      const reason = new Error('shutting down');
      const ac = new AbortController();
      setTimeout(() => ac.abort(reason), 50);
      expect(await failure(drain(client(), query, ac.signal))).toBe(reason);
      const gate = new AbortController();
      gate.abort();
      expect((await failure(drain(client({ beforeRequest: async (s) => s?.throwIfAborted() }), query, gate.signal)) as Error).name).toBe('AbortError');
    }));
});

describe('transport', () => {
  let blackhole: ChildProcess | undefined;
  afterAll(() => {
    blackhole?.kill();
  });

  it('times out a connect that never completes', async () => {
    // A listener with a full accept queue that never accepts: further SYNs are dropped.
    blackhole = spawn('python3', [
      '-c',
      [
        'import socket, time',
        "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(0)",
        'keep = []',
        'for i in range(4):',
        '    c = socket.socket(); c.setblocking(False)',
        '    try: c.connect(s.getsockname())',
        '    except BlockingIOError: pass',
        '    keep.append(c)',
        'print(s.getsockname()[1], flush=True)',
        'time.sleep(120)',
      ].join('\n'),
    ]);
    const port = await new Promise<number>((resolve, reject) => {
      blackhole!.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
      blackhole!.once('error', reject);
    });
    const c = new PolygonClient({ baseUrl: `http://127.0.0.1:${port}`, apiKey: KEY, connectTimeoutMs: 250, requestTimeoutMs: 10_000 });
    const t0 = performance.now();
    const e = await failure(drain(c, q('AAPL', '1d', '2024-01-01', '2024-01-31')));
    expect(e).toBeInstanceOf(TransientError);
    expect((e as Error).message).toMatch(/connect timed out after 250 ms/);
    expect(performance.now() - t0).toBeLessThan(4_000);
  });

  it('maps a refused connection to TransientError', async () => {
    const c = new PolygonClient({ baseUrl: 'http://127.0.0.1:1', apiKey: KEY });
    const e = await failure(drain(c, q('AAPL', '1d', '2024-01-01', '2024-01-31')));
    expect(e).toBeInstanceOf(TransientError);
    expect((e as Error).message).toMatch(/ECONNREFUSED/);
  });

  it('sends the key only as a Bearer header, only to the configured host, and re-adds it on next_url', async () => {
    const seen: Array<{ url: string; auth: string | undefined }> = [];
    const server = http.createServer((req, res) => {
      seen.push({ url: req.url ?? '', auth: req.headers.authorization });
      const first = !req.url!.includes('cursor=');
      const body = first
        ? { status: 'OK', results: [{ v: 1, o: 1, c: 1, h: 1, l: 1, t: 1_704_200_000_000 }], next_url: `https://api.polygon.io/v2/aggs/ticker/AAPL/range/1/day/1/2?cursor=abc&apiKey=${KEY}` }
        : { status: 'OK', results: [{ v: 1, o: 1, c: 1, h: 1, l: 1, t: 1_704_300_000_000 }] };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const infos: RequestInfo[] = [];
      const c = new PolygonClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, apiKey: KEY, onRequest: (i) => infos.push(i) });
      const { bars } = await collect(c, q('AAPL', '1d', '2024-01-01', '2024-01-10'));
      expect(bars.map((b) => b.t)).toEqual([1_704_200_000_000, 1_704_300_000_000]);
      expect(seen).toHaveLength(2);
      expect(seen.every((s) => s.auth === `Bearer ${KEY}`)).toBe(true);
      expect(seen.every((s) => !s.url.includes(KEY) && !s.url.includes('apiKey'))).toBe(true);
      expect(seen[1]!.url).toBe('/v2/aggs/ticker/AAPL/range/1/day/1/2?cursor=abc');
      expect(JSON.stringify(infos)).not.toContain(KEY);
      c.close();
    } finally {
      server.close();
    }
  });
});

describe('the API key never leaks', () => {
  it('appears in no error, message, stack, metrics or page across every fault', async () => {
    const captured: string[] = [];
    const capture = (x: unknown): void => {
      captured.push(typeof x === 'string' ? x : inspect(x, { depth: 10, showHidden: true, getters: true }));
      if (x instanceof Error) {
        captured.push(x.message, String(x.stack), String(x), JSON.stringify(x));
        let cause: unknown = (x as { cause?: unknown }).cause;
        while (cause) {
          captured.push(inspect(cause, { depth: 10, showHidden: true }));
          cause = (cause as { cause?: unknown }).cause;
        }
      }
    };
    const echo = http.createServer((req, res) => {
      // A hostile or buggy server that echoes the credential back in its error text.
      res.writeHead(req.url!.includes('ref') ? 401 : 500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'ERROR', error: `bad key ${req.headers.authorization} apiKey=${KEY}` }));
    });
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    const mk = (opts: Partial<PolygonClientOptions> = {}): PolygonClient =>
      client({ onRequest: (i) => capture(i), ...opts });
    const query = q('AAPL', '1m', '2024-03-04', '2024-03-08');
    const cases: Array<[Parameters<PolygonSim['setOptions']>[0], Partial<PolygonClientOptions>, AggsQuery]> = [
      [{}, {}, query],
      [{ faults: { errorRate: 1 } }, {}, query],
      [{ faults: { errorRate: 0, resetRate: 1 } }, {}, query],
      [{ faults: { resetRate: 0, malformedRate: 1 } }, {}, query],
      [{ faults: { malformedRate: 0, truncatedRate: 1 } }, {}, query],
      [{ faults: { truncatedRate: 0, slowRate: 1, slowMs: 2_000 } }, { requestTimeoutMs: 100 }, query],
      [{ faults: { slowRate: 0, notAuthorizedBefore: '2030-01-01' } }, {}, query],
      [{ faults: { notAuthorizedBefore: undefined, unknownTickers: ['ZZZZ'] } }, {}, q('ZZZZ', '1d', '2024-01-01', '2024-01-31')],
      [{ rpm: 1 }, {}, query],
      [{ rpm: 0 }, { apiKey: `${KEY}-wrong` }, query],
      [{}, { baseUrl: 'http://127.0.0.1:1' }, query],
      [{}, { baseUrl: `http://127.0.0.1:${(echo.address() as AddressInfo).port}` }, query],
      [{}, { fetchImpl: fetch, baseUrl: `http://127.0.0.1:${(echo.address() as AddressInfo).port}` }, query],
      [{ maxResultsPerPage: 300 }, {}, query],
    ];
    let errors = 0;
    const failed: number[] = [];
    try {
      for (const [simPatch, clientOpts, qq] of cases) {
        sim.setOptions(simPatch);
        const c = mk(clientOpts);
        try {
          for await (const p of c.pages(qq)) capture(JSON.stringify(p.cursor));
        } catch (e) {
          errors++;
          failed.push(cases.indexOf(cases.find((x) => x[0] === simPatch)!));
          capture(e);
        }
        capture(c);
        c.close();
      }
      const ref = mk({ baseUrl: `http://127.0.0.1:${(echo.address() as AddressInfo).port}` });
      try {
        await ref.tickerExists('ref');
      } catch (e) {
        errors++;
        capture(e);
      }
    } finally {
      sim.setOptions({ rpm: 0, maxResultsPerPage: undefined, faults: { errorRate: 0, resetRate: 0, malformedRate: 0, truncatedRate: 0, slowRate: 0, notAuthorizedBefore: undefined, unknownTickers: undefined } });
      echo.close();
    }
    expect(failed).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(errors).toBe(cases.length - 2 + 1);
    const all = captured.join('\n');
    expect(all.length).toBeGreaterThan(10_000);
    expect(all).toContain('[REDACTED]');
    expect(all).not.toContain(KEY);
    expect(all).not.toContain('SECRET');
  });
});
