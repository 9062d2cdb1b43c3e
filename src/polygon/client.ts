import { CalendarSet } from '../calendar/set.js';
import { windowDays, type RequestWindow } from '../planner/windows.js';
import { planWindowsOver, type DayRun } from '../planner/runs.js';
import { BadKeyError, BadRequestError, MalformedResponseError, NotEntitledError, UnknownTickerError } from './errors.js';
import { type GroupedDay, parseGroupedBody } from './grouped.js';
import { parseAggsBody } from './parse.js';
import { redact, safePath } from './redact.js';
import { errorForStatus } from './responses.js';
import { nyDayOf, parseDateToDay } from './time.js';
import { isTimespan, MAX_MULTIPLIER } from './timeframes.js';
import { createFetchTransport, createNodeTransport, type Transport, type TransportResponse } from './transport.js';
import type { BarColumns } from './bar-columns.js';
import type { AggsQuery, Page, ResumeCursor } from './types.js';

export const DEFAULT_LIMIT = 50_000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

export interface RequestInfo {
  /** HTTP status; 0 when no response arrived (timeout, reset, refused). */
  status: number;
  ms: number;
  bytes: number;
  /** Path and query of the request; never contains the key. */
  path: string;
  kind: 'aggs' | 'grouped' | 'reference';
}

export interface PolygonClientOptions {
  baseUrl: string;
  apiKey: string | undefined;
  /** Polygon `limit`: base bars per request, default and maximum 50,000. */
  limit?: number;
  connectTimeoutMs?: number;
  /** Whole request, body included. */
  requestTimeoutMs?: number;
  /** The shared rate limiter: awaited before EVERY HTTP request, `next_url` pages and reference look-ups included. */
  beforeRequest?: (signal?: AbortSignal) => Promise<void>;
  /** Metrics hook, called once per HTTP attempt; never sees the key. Exceptions it throws are ignored. */
  onRequest?: (info: RequestInfo) => void;
  /** When given, requests go through it instead of node:http (the connect timeout then bounds time to headers). */
  fetchImpl?: typeof fetch;
  /**
   * When a query's first response has no bars at all, ask `/v3/reference/tickers/{ticker}` whether
   * the ticker exists and throw UnknownTickerError if it does not (default true).
   */
  verifyEmptyTicker?: boolean;
  /** Replaces the HTTP layer entirely (tests). */
  transport?: Transport;
  /** The exchange calendars windows are packed by (default: a set of this client's own). */
  calendars?: CalendarSet;
}

/**
 * Reads Polygon aggregates page by page.
 *
 * Unknown tickers: Polygon answers 200 with no results for a ticker it does not know, exactly as for
 * a holiday. So the first time a `pages()` iteration gets a response with no bars before it has seen
 * any bar (and was not resumed, since a cursor proves the series exists), it costs one extra request
 * to the reference endpoint: 404 there means UnknownTickerError; any answer that says the ticker
 * exists, or a 403 (the plan lacks reference data), means the empty stretch is genuine and iteration
 * goes on. With `verifyEmptyTicker: false` an unknown ticker simply yields empty pages.
 */
export class PolygonClient {
  readonly #apiKey: string | undefined;
  readonly #base: URL;
  readonly #limit: number;
  readonly #connectTimeoutMs: number;
  readonly #requestTimeoutMs: number;
  readonly #beforeRequest: ((signal?: AbortSignal) => Promise<void>) | undefined;
  readonly #onRequest: ((info: RequestInfo) => void) | undefined;
  readonly #verifyEmptyTicker: boolean;
  readonly #transport: Transport;
  readonly #headers: Record<string, string>;
  readonly #scrub: (s: string) => string;
  readonly #calendars: CalendarSet;

  constructor(opts: PolygonClientOptions) {
    let base: URL;
    try {
      base = new URL(opts.baseUrl);
    } catch {
      throw new TypeError('PolygonClient: baseUrl is not a valid URL');
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new TypeError('PolygonClient: baseUrl must be http(s)');
    // A key in the base URL would end up in every logged path.
    base.searchParams.delete('apiKey');
    base.search = '';
    base.hash = '';
    this.#base = base;
    const limit = opts.limit ?? DEFAULT_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > 50_000) throw new RangeError('PolygonClient: limit must be an integer in 1..50000');
    this.#limit = limit;
    this.#connectTimeoutMs = opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.#requestTimeoutMs = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.#beforeRequest = opts.beforeRequest;
    this.#onRequest = opts.onRequest;
    this.#verifyEmptyTicker = opts.verifyEmptyTicker ?? true;
    this.#transport = opts.transport ?? (opts.fetchImpl ? createFetchTransport(opts.fetchImpl) : createNodeTransport());
    const apiKey = opts.apiKey === '' ? undefined : opts.apiKey;
    this.#apiKey = apiKey;
    this.#headers = { accept: 'application/json', 'user-agent': 'polygon-backfill/0.1' };
    if (apiKey !== undefined) this.#headers.authorization = `Bearer ${apiKey}`;
    this.#scrub = (s) => redact(s, apiKey);
    this.#calendars = opts.calendars ?? new CalendarSet();
  }

  /** Base bars a request may return (Polygon's `limit`): what windows are packed against. */
  get limit(): number {
    return this.#limit;
  }

  /** Pages of bars for the query in ascending time, resuming strictly after `resume` (never yields a bar with t <= resume.afterTs). */
  pages(q: AggsQuery, opts: { resume?: ResumeCursor; signal?: AbortSignal } = {}): AsyncIterable<Page> {
    return this.#iterate(q, opts.resume ?? null, opts.signal);
  }

  /** Requests the whole query needs, one per window (a rare `next_url` page adds one): the denominator of a unit's progress. */
  plannedRequests(q: AggsQuery): number {
    const runs = validateQuery(q);
    let n = 0;
    for (const _ of planWindowsOver(this.#calendars.forTicker(q.ticker), q.timeframe, runs, this.#limit, null)) n++;
    return n;
  }

  /**
   * Grouped daily: every US stock's daily bar for one New York date in one request (through the same
   * rate limiter and error mapping as aggregates), `t` moved to 00:00 New York as per-ticker daily
   * bars are stamped. A closed day answers no bars.
   */
  async groupedDaily(q: { date: string; adjusted: boolean }, opts: { signal?: AbortSignal } = {}): Promise<GroupedDay> {
    const day = parseDateToDay(q.date);
    if (day === null) throw new BadRequestError(`invalid date ${JSON.stringify(q.date)}: expected YYYY-MM-DD`);
    if (typeof q.adjusted !== 'boolean') throw new BadRequestError('adjusted must be a boolean');
    this.#requireKey();
    const url = this.#url(`/v2/aggs/grouped/locale/us/market/stocks/${q.date}?adjusted=${q.adjusted}&include_otc=false`);
    const { res, ms, path } = await this.#get(url, opts.signal, 'grouped');
    const parsed = parseGroupedBody(res.body.toString('utf8'), { path, status: res.status }, this.#scrub);
    return { day, bars: parsed.bars, received: parsed.received, requestMs: ms, bytes: res.bytes };
  }

  /** true: the reference endpoint knows the ticker; false: 404; null: cannot tell (not entitled). */
  async tickerExists(ticker: string, signal?: AbortSignal): Promise<boolean | null> {
    this.#requireKey();
    const url = this.#url(`/v3/reference/tickers/${encodeURIComponent(ticker)}`);
    try {
      await this.#get(url, signal, 'reference');
      return true;
    } catch (e) {
      if (e instanceof BadRequestError && e.status === 404) return false;
      if (e instanceof NotEntitledError) return null;
      throw e;
    }
  }

  /** Closes idle keep-alive sockets. */
  close(): void {
    this.#transport.close();
  }

  async *#iterate(q: AggsQuery, resume: ResumeCursor, signal: AbortSignal | undefined): AsyncGenerator<Page> {
    const runs = validateQuery(q);
    if (resume !== null && !(typeof resume === 'object' && Number.isSafeInteger(resume.afterTs))) {
      throw new BadRequestError('resume cursor must be null or { afterTs: <integer ms> }');
    }
    this.#requireKey();
    let lastTs = resume === null ? -Infinity : resume.afterTs;
    let cursor: ResumeCursor = resume;
    let seenData = resume !== null;
    let tickerChecked = false;
    const cal = this.#calendars.forTicker(q.ticker);
    for (const w of planWindowsOver(cal, q.timeframe, runs, this.#limit, resume === null ? null : resume.afterTs)) {
      let url: URL | null = this.#aggsUrl(q, w);
      const span = windowDays(w);
      // Later pages of a window start where the previous one's last bar was (that date continues).
      let coverFrom = span.fromDay;
      while (url !== null) {
        const got = await this.#aggsPage(url, lastTs, signal);
        const { bars, ms, path, bytes } = got;
        if (bars.count > 0) {
          lastTs = got.lastTs;
          cursor = { afterTs: lastTs };
        }
        if (got.received > 0) {
          seenData = true;
        } else if (!seenData && !tickerChecked && this.#verifyEmptyTicker) {
          tickerChecked = true;
          if ((await this.tickerExists(q.ticker, signal)) === false) throw new UnknownTickerError(q.ticker, { path });
        }
        const nextUrl = got.next;
        const through = nextUrl === null ? span.lastWholeDay : bars.count > 0 ? nyDayOf(got.lastTs) : null;
        const covers = through === null || through < coverFrom ? null : { fromDay: coverFrom, toDay: through };
        if (covers) coverFrom = covers.toDay;
        yield { bars, cursor, requestMs: ms, bytes, covers };
        url = nextUrl;
      }
    }
  }

  /**
   * One aggregates request, parsed. Its own frame, so that nothing of the response body outlives
   * the parse: the generator above sits at its `yield` (holding its locals) while the page waits
   * for the previous one's write, and a body is ~5 MB a page. Strings JSON.parse takes from it
   * (next_url, request_id) can be slices that keep the whole text alive, so only the followed URL
   * and the columns (their own memory, not views of the body) leave this frame.
   */
  async #aggsPage(url: URL, afterTs: number, signal: AbortSignal | undefined): Promise<{ bars: BarColumns; lastTs: number; received: number; next: URL | null; ms: number; path: string; bytes: number }> {
    const { res, ms, path } = await this.#get(url, signal, 'aggs');
    const parsed = parseAggsBody(res.body, afterTs, { path, status: res.status }, this.#scrub);
    const next = parsed.nextUrl === null ? null : this.#follow(parsed.nextUrl, url, path);
    return { bars: parsed.bars, lastTs: parsed.lastTs, received: parsed.received, next, ms, path, bytes: res.bytes };
  }

  #requireKey(): void {
    if (this.#apiKey === undefined) throw new BadKeyError('no Polygon API key configured: set POLYGON_API_KEY or MASSIVE_API_KEY');
  }

  #url(path: string): URL {
    const prefix = this.#base.pathname.replace(/\/+$/, '');
    return new URL(prefix + path, this.#base.origin);
  }

  #aggsUrl(q: AggsQuery, w: RequestWindow): URL {
    const tf = q.timeframe;
    return this.#url(
      `/v2/aggs/ticker/${encodeURIComponent(q.ticker)}/range/${tf.multiplier}/${tf.timespan}/${w.from}/${w.to}` +
        `?adjusted=${q.adjusted}&sort=asc&limit=${this.#limit}`,
    );
  }

  /** next_url names Polygon's public host; the key is only ever sent to the configured base URL. */
  #follow(next: string, current: URL, path: string): URL {
    let u: URL;
    try {
      u = new URL(next, this.#base);
    } catch {
      throw new MalformedResponseError('next_url is not a valid URL', { path });
    }
    const out = u.origin === this.#base.origin ? u : this.#url(u.pathname + u.search);
    out.searchParams.delete('apiKey');
    out.hash = '';
    if (out.href === current.href) throw new MalformedResponseError('next_url repeats the request it came from', { path });
    return out;
  }

  async #get(url: URL, signal: AbortSignal | undefined, kind: RequestInfo['kind']): Promise<{ res: TransportResponse; ms: number; path: string }> {
    signal?.throwIfAborted();
    if (this.#beforeRequest) await this.#beforeRequest(signal);
    signal?.throwIfAborted();
    const path = safePath(url, this.#apiKey);
    const t0 = performance.now();
    let res: TransportResponse;
    try {
      res = await this.#transport.request({
        url,
        headers: this.#headers,
        signal,
        connectTimeoutMs: this.#connectTimeoutMs,
        requestTimeoutMs: this.#requestTimeoutMs,
        path,
        scrub: this.#scrub,
      });
    } catch (e) {
      this.#report({ status: 0, ms: performance.now() - t0, bytes: 0, path, kind });
      throw e;
    }
    const ms = performance.now() - t0;
    this.#report({ status: res.status, ms, bytes: res.bytes, path, kind });
    const err = errorForStatus(res.status, res.retryAfter, res.status >= 200 && res.status < 300 ? '' : this.#scrub(res.body.toString('utf8')), { path }, Date.now());
    if (err) throw err;
    return { res, ms, path };
  }

  #report(info: RequestInfo): void {
    if (!this.#onRequest) return;
    try {
      this.#onRequest(info);
    } catch {
      // Metrics must never break ingestion.
    }
  }
}

/** Checks a query and answers the date runs it fetches: its `runs`, or the whole range. */
function validateQuery(q: AggsQuery): readonly DayRun[] {
  if (typeof q?.ticker !== 'string' || q.ticker.trim() === '' || q.ticker !== q.ticker.trim()) {
    throw new BadRequestError(`invalid ticker ${JSON.stringify(q?.ticker)}`);
  }
  const tf = q.timeframe;
  if (!tf || !isTimespan(tf.timespan) || !Number.isInteger(tf.multiplier) || tf.multiplier < 1 || tf.multiplier > MAX_MULTIPLIER) {
    throw new BadRequestError(`invalid timeframe ${JSON.stringify(tf)}`);
  }
  const fromDay = parseDateToDay(q.from);
  const toDay = parseDateToDay(q.to);
  if (fromDay === null) throw new BadRequestError(`invalid from date ${JSON.stringify(q.from)}: expected YYYY-MM-DD`);
  if (toDay === null) throw new BadRequestError(`invalid to date ${JSON.stringify(q.to)}: expected YYYY-MM-DD`);
  if (fromDay > toDay) throw new BadRequestError(`from ${q.from} is after to ${q.to}`);
  if (typeof q.adjusted !== 'boolean') throw new BadRequestError('adjusted must be a boolean');
  if (q.runs === undefined) return [{ fromDay, toDay }];
  let prev = fromDay - 1;
  for (const r of q.runs) {
    if (!Number.isSafeInteger(r.fromDay) || !Number.isSafeInteger(r.toDay) || r.fromDay <= prev || r.toDay < r.fromDay || r.toDay > toDay) {
      throw new BadRequestError(`runs must be ascending, disjoint date runs within ${q.from}..${q.to}`);
    }
    prev = r.toDay;
  }
  return q.runs;
}
