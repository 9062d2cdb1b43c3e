import { BadRequestError, MalformedResponseError, NotEntitledError, type PolygonErrorInit } from './errors.js';
import { columnsOf, filterColumns, noColumns, sliceColumns, type BarColumns } from './bar-columns.js';
import { scanAggs, SCANNED } from './scan-aggs.js';
import type { Bar } from './types.js';

export interface ParsedAggs {
  /** Bars strictly after `afterTs`, in the order served (ascending unless Polygon erred). */
  bars: BarColumns;
  /** The latest `t` among `bars` (-Infinity when none): where the next page resumes. */
  lastTs: number;
  /** How many bars the response carried before dropping already-delivered ones. */
  received: number;
  nextUrl: string | null;
  status: string;
  requestId: string | null;
}

function snippet(text: string): string {
  const s = text.slice(0, 80).replace(/\s+/g, ' ');
  return text.length > 80 ? `${s}...` : s;
}

function fail(index: number, what: string, init: PolygonErrorInit): never {
  throw new MalformedResponseError(`bar ${index}: ${what}`, init);
}

/**
 * Parses a 2xx aggregates body (its bytes as the transport read them, or text). This is the hot path
 * (a 50,000-bar page is about 5 MB): the bytes are scanned straight into columns (scan-aggs.ts) and
 * only the small rest of the document goes through JSON.parse. A body the scanner does not know,
 * and any body with something to complain about, is parsed again as text by the JSON.parse path
 * below, which alone decides errors and their messages: both paths answer the same.
 *
 * Bars with `t <= afterTs` are dropped (Polygon snaps request bounds outward, so a window or a resumed
 * request can repeat the bar at its edge).
 *
 * What fails here is a payload that is not bars: not JSON, a field missing or not a number, a
 * timestamp that is not integer ms (the resume cursor must be one). Numbers that are all there but
 * break a rule (high below low, negative volume, 1e999, a repeated or earlier timestamp) are bars:
 * they pass through to the validator, which records them and stores them anyway (issue 12).
 */
export function parseAggsBody(
  body: Buffer | string,
  afterTs: number,
  init: PolygonErrorInit = {},
  scrub: (s: string) => string = (s) => s,
): ParsedAggs {
  const buf = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const fast = fromScan(buf, afterTs);
  if (fast) return fast;
  return parseAggsText(typeof body === 'string' ? body : body.toString('utf8'), afterTs, init, scrub);
}

/** The scanner's answer, or null when the body is not one it can vouch for (the text path decides). */
function fromScan(buf: Buffer, afterTs: number): ParsedAggs | null {
  const scanned = scanAggs(buf);
  if (!scanned) return null;
  let doc: unknown;
  try {
    doc = JSON.parse(scanned.rest);
  } catch {
    return null;
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return null;
  const d = doc as Record<string, unknown>;
  // The array scanned must be the document's own results, not one inside a string or an object.
  const r = d.results;
  if (!(Array.isArray(r) && r.length === 1 && r[0] === SCANNED)) return null;
  const status = typeof d.status === 'string' ? d.status : '';
  if (status === 'NOT_AUTHORIZED' || status === 'ERROR') return null;
  const nextRaw = d.next_url;
  if (nextRaw !== undefined && nextRaw !== null && typeof nextRaw !== 'string') return null;
  const cols = scanned.cols;
  const { t, o, h, l, c, v, n } = cols;
  const count = cols.count;
  let prevT = -Infinity;
  let maxT = -Infinity;
  let ascending = true;
  let skip = 0;
  for (let i = 0; i < count; i++) {
    const ti = t[i]!;
    // NaN marks a missing key: for t and o/h/l/c/v that is a malformed bar (the text path says so).
    if (!Number.isSafeInteger(ti)) return null;
    if (o[i] !== o[i] || h[i] !== h[i] || l[i] !== l[i] || c[i] !== c[i] || v[i] !== v[i]) return null;
    // A trade count goes into an int8: 1e999 there is not a count. NaN is a missing one.
    const cnt = n[i]!;
    if (cnt === Infinity || cnt === -Infinity) return null;
    if (ti <= prevT) ascending = false;
    prevT = ti;
    if (ti > maxT) maxT = ti;
    if (ti <= afterTs) skip = i + 1;
  }
  const bars = ascending ? sliceColumns(cols, skip) : filterColumns(cols, (i) => t[i]! > afterTs);
  const requestId = typeof d.request_id === 'string' ? d.request_id : null;
  const nextUrl = typeof nextRaw === 'string' && nextRaw.length > 0 ? nextRaw : null;
  return { bars, lastTs: bars.count > 0 ? maxT : -Infinity, received: count, nextUrl, status, requestId };
}

/** The JSON.parse path: every body the scanner refuses, and the one that decides errors. */
function parseAggsText(text: string, afterTs: number, init: PolygonErrorInit, scrub: (s: string) => string): ParsedAggs {
  const body = checkStatus(text, init, scrub);
  const requestId = typeof body.request_id === 'string' ? body.request_id : null;
  const withId: PolygonErrorInit = { ...init, requestId: requestId ?? init.requestId ?? null };
  const status = typeof body.status === 'string' ? body.status : '';

  const nextRaw = body.next_url;
  let nextUrl: string | null = null;
  if (typeof nextRaw === 'string') {
    nextUrl = nextRaw.length > 0 ? nextRaw : null;
  } else if (nextRaw !== undefined && nextRaw !== null) {
    throw new MalformedResponseError('next_url is not a string', withId);
  }

  const results = body.results;
  if (results === undefined || results === null) {
    return { bars: noColumns(), lastTs: -Infinity, received: 0, nextUrl, status, requestId };
  }
  if (!Array.isArray(results)) throw new MalformedResponseError('results is not an array', withId);

  // The parsed objects become the Bars (missing vw/n set to null), then columns like the scanner's.
  // Ascending order makes already-delivered bars a prefix; only a page that is not ascending pays
  // for a filter.
  const n = results.length;
  let prevT = -Infinity;
  let maxT = -Infinity;
  let ascending = true;
  let skip = 0;
  for (let i = 0; i < n; i++) {
    const r = results[i] as Record<string, unknown> | null;
    if (typeof r !== 'object' || r === null) fail(i, 'not an object', withId);
    const t = r.t as number;
    if (!Number.isSafeInteger(t)) fail(i, `t is not an integer timestamp`, withId);
    if (!(typeof r.o === 'number' && typeof r.h === 'number' && typeof r.l === 'number' && typeof r.c === 'number' && typeof r.v === 'number')) {
      fail(i, `t=${t}: o/h/l/c/v must be numbers`, withId);
    }
    const vw = r.vw;
    if (vw === undefined) r.vw = null;
    else if (vw !== null && typeof vw !== 'number') fail(i, `t=${t}: vw must be a number or null`, withId);
    const cnt = r.n;
    if (cnt === undefined) r.n = null;
    // A trade count has no rule to break and goes into an int8: 1e999 there is not a count.
    else if (cnt !== null && !Number.isFinite(cnt)) fail(i, `t=${t}: n must be a finite number`, withId);
    if (t <= prevT) ascending = false;
    prevT = t;
    if (t > maxT) maxT = t;
    if (t <= afterTs) skip = i + 1;
  }
  let bars: Bar[];
  if (ascending) bars = (skip === 0 ? results : results.slice(skip)) as Bar[];
  else bars = (results as Bar[]).filter((b) => b.t > afterTs);
  return { bars: columnsOf(bars), lastTs: bars.length > 0 ? maxT : -Infinity, received: n, nextUrl, status, requestId };
}

export function messageOf(body: Record<string, unknown>): string | null {
  const m = body.error ?? body.message;
  return typeof m === 'string' && m.length > 0 ? m : null;
}

/**
 * The body as an object, once its JSON and its `status` say it is an answer: not JSON, not an
 * object, `NOT_AUTHORIZED` and `ERROR` throw the typed error (shared by aggregates and grouped daily).
 */
export function checkStatus(text: string, init: PolygonErrorInit, scrub: (s: string) => string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new MalformedResponseError(
      `response body is not valid JSON (${text.length} chars, possibly truncated): ${scrub(JSON.stringify(snippet(text)))}`,
      init,
    );
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new MalformedResponseError('response body is not a JSON object', init);
  }
  const body = doc as Record<string, unknown>;
  const requestId = typeof body.request_id === 'string' ? body.request_id : null;
  const withId: PolygonErrorInit = { ...init, requestId: requestId ?? init.requestId ?? null };
  const status = typeof body.status === 'string' ? body.status : '';
  if (status === 'NOT_AUTHORIZED') {
    throw new NotEntitledError(`not entitled: ${scrub(messageOf(body) ?? 'NOT_AUTHORIZED')}`, withId);
  }
  if (status === 'ERROR') {
    throw new BadRequestError(`Polygon rejected the request: ${scrub(messageOf(body) ?? 'status ERROR')}`, withId);
  }

  return body;
}
