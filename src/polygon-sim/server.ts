import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { nyDayOf, nyDayStartMs, parseDateToDay } from '../polygon/time.js';
import { marketOf } from './calendar.js';
import { mergeOptions, type SimOptions } from './options.js';
import { hashString, Rng } from './prng.js';
import { AGGS_PATH, type AggsRequest, encodeCursor, GROUPED_PATH, type GroupedRequest, parseAggsRequest, parseGroupedRequest, RequestError, TICKER_PATH } from './request.js';
import type { SharedSimState } from './shared.js';
import { BarSource } from './source.js';

interface Reply {
  status: number;
  /** A list of buffers is written as is (no 5 MB concatenation per page). */
  body: string | Buffer | Buffer[];
  contentType?: string;
  headers?: Record<string, string>;
}

const RATE_WINDOW_MS = 60_000;
/** The US stocks grouped daily lists when the `universe` option is not set. */
export const DEFAULT_UNIVERSE: readonly string[] = ['AAPL', 'MSFT', 'AMZN', 'GOOGL', 'META', 'NVDA', 'TSLA', 'JPM', 'V', 'JNJ', 'WMT', 'XOM', 'NFLX', 'SPY', 'QQQ'];
const COMMA = Buffer.from(',');

export interface SimServer {
  port: number;
  close(): Promise<void>;
}

/**
 * Serves Polygon's aggregates and ticker-reference endpoints from the deterministic bar source, with
 * key checks, a sliding-window rate limit and seeded fault injection, reading its options and
 * writing its counters through `shared` (so it can run on a worker thread). Also: GET /healthz,
 * GET /_sim/stats, POST /_sim/options (JSON patch), POST /_sim/reset.
 */
export async function serveSim(shared: SharedSimState, opts: { port: number; host: string; cacheBytes?: number }): Promise<SimServer> {
  let options: SimOptions = shared.options();
  let seedEpoch = shared.seedEpoch();
  let resetEpoch = shared.resetEpoch();
  let dice = new Rng(options.faults?.seed ?? 1);
  const windows = new Map<string, number[]>();
  const source = new BarSource({ cacheBytes: opts.cacheBytes, tickers: options.tickers });
  let tickersJson = JSON.stringify(options.tickers ?? {});
  const timers = new Set<NodeJS.Timeout>();
  let requestSeq = 0;
  const idSalt = hashString(`${Date.now()}|${Math.random()}`).toString(16).padStart(8, '0');

  // Read-ahead: after an ascending intraday page, the following days are generated in idle time,
  // one day per macrotask so requests are never held up for long. A client walking a range then
  // finds each next window cached, and generation overlaps its parsing.
  const prefetchQueue: Array<{ q: AggsRequest; day: number }> = [];
  const prefetched = new Set<string>();
  let prefetching = false;
  const PREFETCH_MAX_QUEUE = 400;
  function schedulePrefetch(r: AggsRequest, fromDay: number, days: number): void {
    for (let d = fromDay; d < fromDay + days && prefetchQueue.length < PREFETCH_MAX_QUEUE; d++) {
      const key = `${r.ticker}|${r.tf.label}|${r.adjusted}|${d}`;
      if (prefetched.has(key)) continue;
      prefetched.add(key);
      prefetchQueue.push({ q: r, day: d });
    }
    if (prefetched.size > 100_000) prefetched.clear();
    if (!prefetching && prefetchQueue.length > 0) {
      prefetching = true;
      setImmediate(prefetchStep);
    }
  }
  function prefetchStep(): void {
    const task = prefetchQueue.shift();
    if (task === undefined || closed) {
      prefetching = false;
      return;
    }
    try {
      source.prefetchDay(task.q, task.day);
    } catch {
      // Read-ahead is an optimisation only; the real request reports any problem.
    }
    setImmediate(prefetchStep);
  }
  let closed = false;

  /** Picks up option changes made since the last request. */
  function refresh(): void {
    options = shared.options();
    const tj = JSON.stringify(options.tickers ?? {});
    if (tj !== tickersJson) {
      tickersJson = tj;
      source.setTickers(options.tickers);
      prefetched.clear();
    }
    const se = shared.seedEpoch();
    if (se !== seedEpoch) {
      seedEpoch = se;
      dice = new Rng(options.faults?.seed ?? 1);
    }
    const re = shared.resetEpoch();
    if (re !== resetEpoch) {
      resetEpoch = re;
      windows.clear();
    }
  }

  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  const requestId = (): string => `${idSalt}${(++requestSeq).toString(16).padStart(24, '0')}`;
  const roll = (p: number | undefined): boolean => {
    // Always draw, so the dice sequence does not depend on which faults are on.
    const r = dice.next();
    return p !== undefined && p > 0 && r < p;
  };

  const count = (status: number): void => shared.countStatus(status);

  function send(res: http.ServerResponse, r: Reply): void {
    count(r.status);
    const parts = typeof r.body === 'string' ? [Buffer.from(r.body)] : Array.isArray(r.body) ? r.body : [r.body];
    let length = 0;
    for (const p of parts) length += p.length;
    res.writeHead(r.status, {
      'content-type': r.contentType ?? 'application/json',
      'content-length': length,
      ...(r.headers ?? {}),
    });
    res.cork();
    for (const p of parts) res.write(p);
    res.end();
  }

  const json = (status: number, body: Record<string, unknown>, headers?: Record<string, string>): Reply => ({
    status,
    body: JSON.stringify(body),
    headers,
  });

  function authorize(req: http.IncomingMessage, url: URL): Reply | null {
    const auth = req.headers.authorization;
    const bearer = typeof auth === 'string' && /^Bearer\s+/i.test(auth) ? auth.replace(/^Bearer\s+/i, '').trim() : null;
    const key = bearer || url.searchParams.get('apiKey') || null;
    if (key === null) return json(401, { status: 'ERROR', request_id: requestId(), error: 'API Key was not provided' });
    const keys = options.apiKeys;
    if (keys && keys.length > 0 && !keys.includes(key)) return json(401, { status: 'ERROR', request_id: requestId(), error: 'Unknown API Key' });
    // Every accepted request is recorded, so turning a limit on at runtime sees the recent past.
    const rpm = options.rpm ?? 0;
    const windowMs = options.rateWindowMs ?? RATE_WINDOW_MS;
    const allowed = Math.max(1, Math.floor((rpm * windowMs) / RATE_WINDOW_MS));
    const now = Date.now();
    let w = windows.get(key);
    if (!w) {
      w = [];
      windows.set(key, w);
    }
    let drop = 0;
    while (drop < w.length && w[drop]! <= now - windowMs) drop++;
    if (drop > 0) w.splice(0, drop);
    if (rpm > 0 && w.length >= allowed) {
      const wait = Math.max(1, Math.ceil((w[w.length - allowed]! + windowMs - now) / 1000));
      return json(
        429,
        {
          status: 'ERROR',
          request_id: requestId(),
          error: "You've exceeded the maximum requests per minute, please wait or upgrade your subscription to continue. https://polygon.io/pricing",
        },
        options.retryAfter === false ? undefined : { 'retry-after': String(wait) },
      );
    }
    w.push(now);
    return null;
  }

  function notAuthorized(): Reply {
    return json(403, { status: 'NOT_AUTHORIZED', request_id: requestId(), message: "Your plan doesn't include this data timeframe." });
  }

  function aggs(req: AggsRequest, host: string): Reply {
    const f = options.faults ?? {};
    // Bars of minutes that have not begun yet do not exist (a range may end later today, or later).
    const now = options.nowMs ?? Date.now();
    const r = req.endMs > now ? { ...req, endMs: now } : req;
    if (f.notAuthorizedTickers?.includes(r.ticker)) return notAuthorized();
    if (f.notAuthorizedBefore !== undefined && r.startMs < nyDayStartMs(parseDateToDay(f.notAuthorizedBefore)!)) return notAuthorized();
    const head = `{"ticker":${JSON.stringify(r.ticker)}`;
    if (f.unknownTickers?.includes(r.ticker)) {
      return { status: 200, body: `${head},"queryCount":0,"resultsCount":0,"adjusted":${r.adjusted},"status":"OK","request_id":"${requestId()}","count":0}` };
    }
    const page = source.page({ ...r, maxResults: options.maxResultsPerPage ?? Number.MAX_SAFE_INTEGER });
    if (r.sort === 'asc') {
      const first = nyDayOf(r.startMs);
      const last = nyDayOf(page.next ?? r.endMs);
      schedulePrefetch(r, page.next === null ? last + 1 : last, Math.min(60, last - first + 1));
    }
    let nextUrl = '';
    if (page.next !== null) {
      const s = r.sort === 'asc' ? page.next : r.startMs;
      const e = r.sort === 'asc' ? r.endMs : page.next;
      const cursor = encodeCursor({ s, e, l: r.limit, o: r.sort, a: r.adjusted });
      // Host comes from the request: stringify so no header value can break the JSON.
      nextUrl = `,"next_url":${JSON.stringify(`http://${host}/v2/aggs/ticker/${encodeURIComponent(r.ticker)}/range/${r.tf.multiplier}/${r.tf.timespan}/${s}/${e}?cursor=${cursor}`)}`;
    }
    const pieces: Buffer[] = [
      Buffer.from(`${head},"queryCount":${page.baseUsed},"resultsCount":${page.count},"adjusted":${r.adjusted}${page.count > 0 ? ',"results":[' : ''}`),
    ];
    page.parts.forEach((p, i) => {
      if (i > 0) pieces.push(COMMA);
      pieces.push(p);
    });
    pieces.push(Buffer.from(`${page.count > 0 ? ']' : ''},"status":"OK","request_id":"${requestId()}","count":${page.count}${nextUrl}}`));
    return { status: 200, body: pieces };
  }

  /**
   * Grouped daily: one bar per US stock of the universe for one session day, the very numbers of the
   * per-ticker daily bar with the ticker in `T`, stamped (as Polygon stamps them) at the session's
   * close instead of 00:00 New York. A closed day, or one that has not begun, has no results.
   */
  function grouped(r: GroupedRequest): Reply {
    const f = options.faults ?? {};
    const dayStart = nyDayStartMs(r.day);
    if (f.notAuthorizedBefore !== undefined && dayStart < nyDayStartMs(parseDateToDay(f.notAuthorizedBefore)!)) return notAuthorized();
    const now = options.nowMs ?? Date.now();
    const session = source.calendar().session('stock', r.day);
    const names = new Set([...(options.universe ?? DEFAULT_UNIVERSE), ...Object.keys(options.tickers ?? {})]);
    const skip = new Set([...(f.unknownTickers ?? []), ...(f.notAuthorizedTickers ?? [])]);
    const rows: string[] = [];
    if (session !== null && dayStart <= now) {
      for (const t of [...names].sort()) {
        if (skip.has(t) || marketOf(t) !== 'stock') continue;
        const bar = source.dailyBarJson(t, r.day, r.adjusted);
        if (bar === null) continue;
        // Moved by the close's offset, so a bar the overlay stamps off its bucket stays off it.
        const stamped = bar.replace(/"t":(-?\d+)/, (_, ts: string) => `"t":${Number(ts) - dayStart + session.regClose}`);
        rows.push(`{"T":${JSON.stringify(t)},${stamped.slice(1)}`);
      }
    }
    const results = rows.length > 0 ? `,"results":[${rows.join(',')}]` : '';
    return {
      status: 200,
      body: `{"queryCount":${rows.length},"resultsCount":${rows.length},"adjusted":${r.adjusted}${results},"status":"OK","request_id":"${requestId()}","count":${rows.length}}`,
    };
  }

  function reference(ticker: string): Reply {
    if (options.faults?.unknownTickers?.includes(ticker)) {
      return json(404, { status: 'NOT_FOUND', request_id: requestId(), message: 'Ticker not found.' });
    }
    const market = marketOf(ticker);
    const name = { stock: 'stocks', crypto: 'crypto', forex: 'fx', index: 'indices' }[market];
    return json(200, {
      results: { ticker, name: `Simulated ${ticker}`, market: name, locale: market === 'stock' || market === 'index' ? 'us' : 'global', active: true },
      status: 'OK',
      request_id: requestId(),
    });
  }

  function malformed(): Reply {
    const which = Math.floor(dice.next() * 3);
    if (which === 0) {
      return { status: 200, contentType: 'text/html', body: '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>' };
    }
    // Not bars at all (a missing price, a price as a string): a bad bar is `badBars`, which is stored and flagged.
    const bar = which === 1 ? '{"v":100,"vw":10,"o":10,"c":10,"l":10.5,"t":1704205800000,"n":1}' : '{"v":100,"vw":10,"o":10,"c":"NaN","h":11,"l":9,"t":1704205800000,"n":1}';
    return { status: 200, body: `{"ticker":"X","queryCount":1,"resultsCount":1,"adjusted":true,"results":[${bar}],"status":"OK","request_id":"${requestId()}","count":1}` };
  }

  function upstreamError(): Reply {
    const which = Math.floor(dice.next() * 4);
    const status = [500, 502, 503, 504][which]!;
    if (status === 502 || status === 504) {
      return { status, contentType: 'text/html', body: `<html><body><h1>${status} ${status === 502 ? 'Bad Gateway' : 'Gateway Timeout'}</h1></body></html>` };
    }
    return json(status, { status: 'ERROR', request_id: requestId(), error: status === 500 ? 'Internal server error' : 'Service temporarily unavailable' });
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sim.invalid');
    const path = url.pathname;
    if (path === '/healthz') return send(res, json(200, { status: 'ok' }));
    if (path.startsWith('/_sim/')) return admin(req, res, path);

    refresh();
    shared.countRequest();
    const aggsMatch = AGGS_PATH.exec(path);
    const groupedMatch = aggsMatch ? null : GROUPED_PATH.exec(path);
    const refMatch = aggsMatch || groupedMatch ? null : TICKER_PATH.exec(path);
    if (req.method !== 'GET' || (!aggsMatch && !groupedMatch && !refMatch)) {
      return send(res, json(404, { status: 'NOT_FOUND', request_id: requestId(), message: 'Not found' }));
    }
    const denied = authorize(req, url);
    if (denied) return send(res, denied);

    if (options.latencyMs) await sleep(options.latencyMs);
    const f = options.faults ?? {};
    const isError = roll(f.errorRate);
    const isReset = roll(f.resetRate);
    const isSlow = roll(f.slowRate);
    const isMalformed = roll(f.malformedRate);
    const isTruncated = roll(f.truncatedRate);
    if (isSlow) await sleep(f.slowMs ?? 5_000);
    if (isError) return send(res, upstreamError());
    if (isReset) return reset(res);
    if (isMalformed) return send(res, malformed());

    let reply: Reply;
    if (aggsMatch || groupedMatch) {
      try {
        reply = aggsMatch
          ? aggs(parseAggsRequest(aggsMatch, url.searchParams), req.headers.host ?? 'localhost')
          : grouped(parseGroupedRequest(groupedMatch!, url.searchParams));
      } catch (e) {
        if (!(e instanceof RequestError)) throw e;
        reply = json(400, { status: 'ERROR', request_id: requestId(), error: e.message });
      }
    } else {
      let ticker: string;
      try {
        ticker = decodeURIComponent(refMatch![1]!);
      } catch {
        return send(res, json(400, { status: 'ERROR', request_id: requestId(), error: 'Invalid ticker' }));
      }
      reply = reference(ticker);
    }
    if (isTruncated) {
      const body = typeof reply.body === 'string' ? Buffer.from(reply.body) : Array.isArray(reply.body) ? Buffer.concat(reply.body) : reply.body;
      const keep = Math.max(1, Math.floor(body.length * (0.2 + 0.7 * dice.next())));
      reply = { ...reply, body: body.subarray(0, Math.min(keep, body.length - 1)) };
    }
    send(res, reply);
  }

  function reset(res: http.ServerResponse): void {
    count(0);
    if (dice.next() < 0.5) {
      res.socket?.destroy();
      return;
    }
    // Promise a body, send part of it, then drop the connection.
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': 10_000 });
    res.write('{"ticker":"X","queryCount":1,"results":[{"v":1', () => res.socket?.destroy());
  }

  function admin(req: http.IncomingMessage, res: http.ServerResponse, path: string): void {
    if (path === '/_sim/stats' && req.method === 'GET') {
      return send(res, { status: 200, body: JSON.stringify({ ...shared.stats(), cacheBytes: source.cacheBytes }) });
    }
    if (path === '/_sim/reset' && req.method === 'POST') {
      shared.reset();
      return send(res, json(200, { status: 'ok' }));
    }
    if (path === '/_sim/options' && req.method === 'POST') {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => {
        try {
          const patch = JSON.parse(body || '{}') as Partial<SimOptions>;
          shared.setOptions(mergeOptions(shared.options(), patch), patch.faults?.seed !== undefined);
          refresh();
          send(res, { status: 200, body: JSON.stringify({ ...options, apiKeys: options.apiKeys ? `${options.apiKeys.length} keys` : undefined }) });
        } catch (e) {
          send(res, json(400, { status: 'ERROR', error: (e as Error).message }));
        }
      });
      return;
    }
    send(res, json(404, { status: 'NOT_FOUND', message: 'Not found' }));
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      send(res, json(500, { status: 'ERROR', error: `simulator bug: ${(e as Error).message}` }));
    });
  });
  server.keepAliveTimeout = 65_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        closed = true;
        prefetchQueue.length = 0;
        for (const t of timers) clearTimeout(t);
        timers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
